package apigw

import (
	"encoding/json"
	"io/fs"
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name        string
		wantRoute   string
		wantMissing bool
	}{
		{name: WebSocketConnect, wantRoute: "$connect"},
		{name: WebSocketMessage, wantRoute: "$default"},
		{name: WebSocketDisconnect, wantRoute: "$disconnect"},
		{name: HTTPNoAuthorizer, wantRoute: "$default"},
		{name: HTTPJWTAuthorizer, wantRoute: "$default"},
		{name: "apigw-rest-request.json", wantMissing: true},
		{name: "../apigw.go", wantMissing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := Lookup(tt.name)
			if tt.wantMissing {
				if err == nil {
					t.Fatalf("Lookup(%q) = %d bytes, want an error", tt.name, len(raw))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				RequestContext struct {
					RouteKey string `json:"routeKey"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatalf("decode %s: %v", tt.name, err)
			}
			if ev.RequestContext.RouteKey != tt.wantRoute {
				t.Errorf("%s: route key %q, want %q", tt.name, ev.RequestContext.RouteKey, tt.wantRoute)
			}
		})
	}
}

// TestNamesListsEveryFile: a captured event nobody can name is dead weight,
// a name without its file a broken promise.
func TestNamesListsEveryFile(t *testing.T) {
	files, err := fs.Glob(captured, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	got, want := slices.Sorted(slices.Values(files)), slices.Sorted(slices.Values(Names))
	if !slices.Equal(got, want) {
		t.Errorf("embedded files %v, Names %v", got, want)
	}
}
