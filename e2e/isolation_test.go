package e2e

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestAClientNeverSeesAnotherClientsConversation: whatever route, frame or
// connect a client tries on someone else's conversation, the answer is the
// one it gets for a conversation that does not exist, and nothing of that
// conversation ever reaches its socket.
func TestAClientNeverSeesAnotherClientsConversation(t *testing.T) {
	alice := newPerson(t, false)
	bob := newPerson(t, false)
	sam := newPerson(t, true)
	ctx := e2ekit.Context(t, 60*time.Second)
	aliceConv := startConversation(t, alice)
	bobConv := startConversation(t, bob)
	secretBody := say("only for my counsellor")
	mid := send(t, alice, aliceConv, "a-1", secretBody).ID

	aliceWS := connect(t, alice, aliceConv)
	bobWS := connect(t, bob, bobConv)

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/conversations/{id}", nil},
		{"GET", "/conversations/{id}/messages", nil},
		{"GET", "/conversations/{id}/messages?after={mid}", nil},
		{"POST", "/conversations/{id}/messages", map[string]string{"clientMessageId": "b-1", "body": say("let me in")}},
		{"PATCH", "/conversations/{id}/messages/{mid}", map[string]string{"body": say("rewritten")}},
		{"DELETE", "/conversations/{id}/messages/{mid}", nil},
		{"POST", "/conversations/{id}/read", map[string]string{"messageId": "{mid}"}},
		{"PUT", "/conversations/{id}/retention", map[string]string{"retention": "permanent"}},
		{"POST", "/conversations/{id}/feedback", map[string]any{"rating": 1}},
		{"POST", "/conversations/{id}/close", nil},
		{"POST", "/conversations/{id}/claim", nil},
		{"DELETE", "/conversations/{id}", nil},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			for _, target := range []struct{ name, id string }{{"alice's", aliceConv}, {"nonexistent", unknownID()}} {
				path := strings.NewReplacer("{id}", target.id, "{mid}", mid).Replace(r.path)
				body := r.body
				if m, ok := body.(map[string]string); ok && m["messageId"] == "{mid}" {
					body = map[string]string{"messageId": mid}
				}
				res, err := bob.Do(ctx, r.method, path, body)
				if err != nil {
					t.Fatal(err)
				}
				if status, code := errorOf(res); status != 404 || code != "not_found" {
					t.Errorf("bob on %s conversation: %d %s, want 404 not_found", target.name, status, code)
				}
			}
		})
	}
	list, err := bob.Conversations(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Conversations) != 1 || list.Conversations[0].ID != bobConv {
		t.Fatalf("bob's list = %+v, want only his own %s", list.Conversations, bobConv)
	}

	t.Run("frames naming alice's conversation", func(t *testing.T) {
		frames := []map[string]any{
			{"action": "sendMessage", "conversationId": aliceConv, "clientMessageId": "b-2", "body": say("hello alice")},
			{"action": "typing", "conversationId": aliceConv, "typing": true},
			{"action": "markRead", "conversationId": aliceConv, "messageId": mid},
		}
		for i, f := range frames {
			if err := bobWS.Send(ctx, f); err != nil {
				t.Fatal(err)
			}
			got, err := nth(e2ekit.Context(t, e2ekit.Patience), bobWS, i+1, "error", nil)
			if err != nil {
				t.Fatalf("%s: no error frame: %v", f["action"], err)
			}
			if got.Code != chat.CodeNotFound {
				t.Errorf("%s: error %s, want not_found", f["action"], got.Code)
			}
		}
	})

	t.Run("connect to alice's conversation", func(t *testing.T) {
		for _, target := range []struct{ name, id string }{{"alice's", aliceConv}, {"nonexistent", unknownID()}} {
			ticket, err := bob.Ticket(ctx)
			if err != nil {
				t.Fatal(err)
			}
			remember("ticket", ticket)
			s, err := client.Dial(ctx, deployment.ep.WebSocket, ticket, target.id, bob.Origin)
			var refused *client.DialError
			if !errors.As(err, &refused) || refused.Status != 403 {
				if s != nil {
					s.Close()
				}
				t.Errorf("bob connecting to %s conversation: %v, want refused with 403", target.name, err)
			}
		}
	})

	// Everything that happens in alice's conversation, then a check that
	// none of it reached bob.
	samWS := connect(t, sam, aliceConv)
	if err := aliceWS.SendMessage(ctx, aliceConv, "a-2", say("are you still there")); err != nil {
		t.Fatal(err)
	}
	if err := aliceWS.Send(ctx, map[string]any{"action": "typing", "conversationId": aliceConv, "typing": true}); err != nil {
		t.Fatal(err)
	}
	reply := send(t, sam, aliceConv, "s-1", say("yes, I'm here"))
	if err := aliceWS.Send(ctx, map[string]any{"action": "markRead", "conversationId": aliceConv, "messageId": reply.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Claim(ctx, aliceConv); err != nil {
		t.Fatal(err)
	}
	if _, err := samWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "read", ofConversation(aliceConv)); err != nil {
		t.Fatalf("alice's read receipt did not reach the counsellor: %v", err)
	}
	if _, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.updated", ofConversation(aliceConv)); err != nil {
		t.Fatalf("alice did not see the claim: %v", err)
	}
	settle(t, bob, bobWS, bobConv)
	for _, f := range bobWS.Frames() {
		if ofConversation(aliceConv)(f) || strings.Contains(string(f.Raw), aliceConv) {
			t.Fatalf("bob's socket received a frame of alice's conversation: %s", f.Type)
		}
		if strings.HasPrefix(f.Type, "conversation.") {
			t.Fatalf("bob's socket received %s", f.Type)
		}
	}

	got := history(t, alice, aliceConv)
	if len(got) != 3 || got[0].ID != mid || got[0].Body != secretBody || got[0].EditedAt != nil {
		t.Fatalf("alice's history after bob's attempts = %+v, want her message untouched, then a-2 and s-1", got)
	}
	c, err := alice.Conversation(ctx, aliceConv)
	if err != nil || c.Status != chat.StatusActive || c.Retention != chat.Retention24h {
		t.Fatalf("alice's conversation after bob's attempts = %+v, %v; want active and 24h", c, err)
	}
}

// errorOf returns the status and error code of an answer.
func errorOf(res client.Response) (int, string) {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(res.Body, &e)
	return res.Status, e.Error.Code
}
