package e2ekit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDevstackControl(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		wantFailure string
	}{
		{"OKIsDone", http.StatusOK, ""},
		{"AnyOtherStatusFails", http.StatusBadRequest, "/_devstack/clock: status 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/_devstack/clock" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Errorf("got %s %s (%s), want a JSON POST to /_devstack/clock", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
				}
				_ = json.NewDecoder(r.Body).Decode(&got)
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			failure := failureOf(t, func(tb testing.TB) {
				DevstackControl(tb, srv.URL, "/_devstack/clock", map[string]string{"advance": "25h"})
			})
			if failure != tt.wantFailure {
				t.Errorf("failure %q, want %q", failure, tt.wantFailure)
			}
			if got["advance"] != "25h" {
				t.Errorf("the stack got %v, want the body advance=25h", got)
			}
		})
	}
}
