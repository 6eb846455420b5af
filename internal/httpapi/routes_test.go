package httpapi

import (
	"sort"
	"testing"

	"github.com/confidechat/confide/internal/routes"
)

// TestEveryRouteHasAHandler keeps the shared route table and this package's
// handlers in step: a route added to one and not the other fails here.
func TestEveryRouteHasAHandler(t *testing.T) {
	handlers := (&API{}).table()
	var want, got []string
	for _, r := range routes.HTTP {
		want = append(want, r.Key())
	}
	for k := range handlers {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) != len(got) {
		t.Fatalf("route table has %d routes, handlers %d:\nroutes   %v\nhandlers %v", len(want), len(got), want, got)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("route %q has no handler (handlers: %v)", want[i], got)
		}
	}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", true},
		{"bearer abc", "abc", true},
		{"  Bearer   abc  ", "abc", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic dXNlcjpwYXNz", "", false},
		{"abc.def.ghi", "", false},
	}
	for _, tt := range tests {
		token, ok := bearer(tt.header)
		if token != tt.token || ok != tt.ok {
			t.Errorf("bearer(%q) = %q, %v; want %q, %v", tt.header, token, ok, tt.token, tt.ok)
		}
	}
}
