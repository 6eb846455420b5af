package e2e

import (
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestFramesOutsideTheProtocol: a ping is answered, an unknown action or a
// frame that is not JSON gets an error frame and the connection stays
// open, and a frame over API Gateway's 32 KiB limit closes it with 1009.
func TestFramesOutsideTheProtocol(t *testing.T) {
	alice := newPerson(t, false)
	convID := startConversation(t, alice)
	ws := connect(t, alice, convID)

	tests := []struct {
		name     string
		frame    string
		wantType string
		wantCode chat.Code
	}{
		{"ping", `{"action":"ping"}`, "pong", ""},
		{"unknown action", `{"action":"dance","conversationId":"` + convID + `"}`, "error", chat.CodeUnknownAction},
		{"no action", `{"conversationId":"` + convID + `"}`, "error", chat.CodeUnknownAction},
		{"malformed JSON", `{"action":"sendMessage",`, "error", chat.CodeBadRequest},
		{"not an object", `["ping"]`, "error", chat.CodeBadRequest},
		{"ill-typed field", `{"action":"typing","conversationId":"` + convID + `","typing":"yes"}`, "error", chat.CodeBadRequest},
	}
	answered := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ws.Send(e2ekit.Context(t, e2ekit.Patience), tt.frame); err != nil {
				t.Fatal(err)
			}
			answered++
			f, err := nth(e2ekit.Context(t, e2ekit.Patience), ws, answered, "", nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if f.Type != tt.wantType || f.Code != tt.wantCode {
				t.Fatalf("answer %s, want type %q code %q", f.Raw, tt.wantType, tt.wantCode)
			}
			if f.Type == "error" && f.ErrorMessage == "" {
				t.Fatalf("error frame %s has no message for people", f.Raw)
			}
		})
	}

	big := `{"action":"ping","pad":"` + strings.Repeat("x", 33*1024) + `"}`
	if err := ws.Send(e2ekit.Context(t, e2ekit.Patience), big); err != nil {
		t.Fatal(err)
	}
	status, err := ws.Closed(e2ekit.Context(t, e2ekit.Patience))
	if err != nil {
		t.Fatalf("the connection stayed open after a frame over 32 KiB: %v", err)
	}
	if status != websocket.StatusMessageTooBig {
		t.Fatalf("closed with %d, want 1009 (message too big)", status)
	}
}
