package routes

import "testing"

func TestSelectWebSocket(t *testing.T) {
	tests := []struct{ action, want string }{
		{"sendMessage", "sendMessage"},
		{"typing", "typing"},
		{"markRead", "markRead"},
		{"ping", "ping"},
		{"nonsense", "$default"},
		{"", "$default"},
		{"$connect", "$default"},
		{"$disconnect", "$default"},
	}
	for _, tt := range tests {
		if got := SelectWebSocket(tt.action); got.Key != tt.want {
			t.Errorf("SelectWebSocket(%q) = %q, want %q", tt.action, got.Key, tt.want)
		}
	}
}

func TestHTTPRouteMatch(t *testing.T) {
	r := HTTPRoute{Method: "PATCH", Path: "/conversations/{id}/messages/{mid}"}
	params, ok := r.Match("PATCH", "/conversations/C1/messages/M1")
	if !ok || params["id"] != "C1" || params["mid"] != "M1" {
		t.Fatalf("Match = %v, %v; want id C1, mid M1", params, ok)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/conversations/C1/messages/M1"},
		{"PATCH", "/conversations/C1/messages"},
		{"PATCH", "/conversations//messages/M1"},
		{"PATCH", "/conversations/C1/messages/M1/extra"},
	} {
		if _, ok := r.Match(c.method, c.path); ok {
			t.Errorf("Match(%s %s) matched, want no match", c.method, c.path)
		}
	}
}

// TestEveryRouteHasAFunction keeps the table whole: every route names a
// function that has a spec, and every function serves something.
func TestEveryRouteHasAFunction(t *testing.T) {
	used := map[Function]bool{Retention: true}
	for _, r := range WebSocket {
		if _, ok := Spec(r.Function); !ok {
			t.Errorf("WebSocket route %s names unknown function %s", r.Key, r.Function)
		}
		used[r.Function] = true
	}
	for _, r := range HTTP {
		if _, ok := Spec(r.Function); !ok {
			t.Errorf("HTTP route %s names unknown function %s", r.Key(), r.Function)
		}
		used[r.Function] = true
	}
	if _, ok := Spec(WebSocketAuthorizer.Function); !ok {
		t.Errorf("authorizer %s names unknown function %s", WebSocketAuthorizer.Name, WebSocketAuthorizer.Function)
	}
	used[WebSocketAuthorizer.Function] = true
	for _, f := range Functions {
		if !used[f.Name] {
			t.Errorf("function %s serves no route", f.Name)
		}
		if f.Timeout <= 0 {
			t.Errorf("function %s: timeout %s, want a positive one", f.Name, f.Timeout)
		}
	}
}
