package e2ekit

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// DevstackControl posts body as JSON to one of the local stack's controls
// (path, e.g. "/_devstack/clock", on its web server at web) and fails the
// test unless the stack answers 200.
func DevstackControl(t testing.TB, web, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res, err := http.Post(web+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", path, res.StatusCode)
	}
}
