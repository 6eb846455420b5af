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
