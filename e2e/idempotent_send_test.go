package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestResendingAMessageStoresItOnce: a client that sends again after a
// lost answer (same clientMessageId) gets the first message back, over HTTP
// and over the WebSocket, and the conversation holds it once.
func TestResendingAMessageStoresItOnce(t *testing.T) {
	alice := newPerson(t, false)
	convID := startConversation(t, alice)

	t.Run("http", func(t *testing.T) {
		ctx := e2ekit.Context(t, 10*time.Second)
		body := say("are you there")
		first, status, err := alice.Send(ctx, convID, "http-1", body)
		if err != nil || status != 201 {
			t.Fatalf("first send: status %d, %v; want 201", status, err)
		}
		again, status, err := alice.Send(ctx, convID, "http-1", say("are you there (retry)"))
		if err != nil || status != 200 {
			t.Fatalf("resend: status %d, %v; want 200", status, err)
		}
		if again.ID != first.ID || again.Body != body {
			t.Fatalf("resend answered %s %q, want the first message %s %q", again.ID, again.Body, first.ID, body)
		}
	})

	t.Run("websocket", func(t *testing.T) {
		ctx := e2ekit.Context(t, 10*time.Second)
		ws := connect(t, alice, convID)
		body := say("hello over the socket")
		for range 2 {
			if err := ws.SendMessage(ctx, convID, "ws-1", body); err != nil {
				t.Fatal(err)
			}
		}
		first, err := nth(ctx, ws, 1, "message.created", withClientMessageID("ws-1"))
		if err != nil {
			t.Fatalf("no acknowledgement of the first frame: %v", err)
		}
		second, err := nth(ctx, ws, 2, "message.created", withClientMessageID("ws-1"))
		if err != nil {
			t.Fatalf("no acknowledgement of the repeated frame: %v", err)
		}
		if second.Message.ID != first.Message.ID {
			t.Fatalf("acknowledgements name %s and %s, want the same message", first.Message.ID, second.Message.ID)
		}
		if n := count(ws, "error", nil); n != 0 {
			t.Fatalf("got %d error frames, want none", n)
		}
	})

	stored := map[string]int{}
	for _, m := range history(t, alice, convID) {
		stored[m.ClientMessageID]++
	}
	if stored["http-1"] != 1 || stored["ws-1"] != 1 || len(stored) != 2 {
		t.Fatalf("history holds %v (by clientMessageId), want http-1 and ws-1 once each", stored)
	}
}
