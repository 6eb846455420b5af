package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestTypingIsRelayedAtMostOnceEveryTwoSeconds: the counsellor sees "the
// client is typing" once however fast the client's widget repeats it, and
// the client sees the counsellor typing.
func TestTypingIsRelayedAtMostOnceEveryTwoSeconds(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	stan := newPerson(t, true)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 30*time.Second)
	aliceWS := connect(t, alice, convID)
	samWS := connect(t, sam, convID)
	feed := connect(t, stan, "")

	typing := map[string]any{"action": "typing", "conversationId": convID, "typing": true}
	for range 2 {
		if err := aliceWS.Send(ctx, typing); err != nil {
			t.Fatal(err)
		}
	}
	// The client's next message reaches the counsellor after any typing
	// frame its connection relayed before it.
	settle(t, alice, aliceWS, convID)
	isMarker := func(f client.Frame) bool { return f.Message != nil && f.Message.SenderID == alice.UserID }
	for who, ws := range map[string]*client.Socket{"counsellor": samWS, "staff feed": feed} {
		if _, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isMarker); err != nil {
			t.Fatalf("%s did not receive the client's message: %v", who, err)
		}
		f, err := ws.WaitType(ctx, "typing", ofConversation(convID))
		if err != nil {
			t.Fatalf("%s did not see the client typing: %v", who, err)
		}
		if f.ConversationID != convID || f.Role != chat.RoleClient || f.Typing == nil || !*f.Typing {
			t.Fatalf("%s got %s, want typing true from the client in %s", who, f.Raw, convID)
		}
		if n := count(ws, "typing", ofConversation(convID)); n != 1 {
			t.Fatalf("%s got %d typing frames for two sent within 2 s, want 1", who, n)
		}
	}
	if n := count(aliceWS, "error", nil); n != 0 || count(aliceWS, "typing", nil) != 0 {
		t.Fatalf("the client got %d error frames or its own typing back; extra typing frames are dropped silently", n)
	}

	if err := samWS.Send(ctx, map[string]any{"action": "typing", "conversationId": convID, "typing": false}); err != nil {
		t.Fatal(err)
	}
	f, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "typing", nil)
	if err != nil {
		t.Fatalf("the client did not see the counsellor typing: %v", err)
	}
	if f.Role != chat.RoleStaff || f.Typing == nil || *f.Typing {
		t.Fatalf("the client got %s, want typing false from staff", f.Raw)
	}
}

// TestReadReceiptsReachTheOtherSide: marking a message read tells the other
// side which one, and the reader's unread count drops to zero.
func TestReadReceiptsReachTheOtherSide(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	stan := newSupervisor(t) // sam claims it to reply: a supervisor still reads it
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 30*time.Second)
	aliceWS := connect(t, alice, convID)
	samWS := connect(t, sam, convID)
	feed := connect(t, stan, "")

	s1 := send(t, sam, convID, "s-1", say("how are you feeling today"))
	unread(t, alice, convID, 1)
	if err := aliceWS.Send(ctx, map[string]any{"action": "markRead", "conversationId": convID, "messageId": s1.ID}); err != nil {
		t.Fatal(err)
	}
	for who, ws := range map[string]*client.Socket{"counsellor": samWS, "staff feed": feed} {
		f, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "read", ofConversation(convID))
		if err != nil {
			t.Fatalf("%s got no read receipt: %v", who, err)
		}
		if f.ConversationID != convID || f.Role != chat.RoleClient || f.MessageID != s1.ID {
			t.Fatalf("%s got %s, want the client read %s", who, f.Raw, s1.ID)
		}
	}
	unread(t, alice, convID, 0)

	send(t, alice, convID, "a-1", say("a bit better"))
	a2 := send(t, alice, convID, "a-2", say("thanks for asking"))
	unread(t, sam, convID, 2)
	unread(t, stan, convID, 2) // each member of staff has a marker of their own
	res, err := sam.Do(ctx, "POST", "/conversations/"+convID+"/read", map[string]string{"messageId": a2.ID})
	if err != nil || res.Status != 204 {
		t.Fatalf("counsellor marks read: status %d, %v; want 204", res.Status, err)
	}
	f, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "read", nil)
	if err != nil {
		t.Fatalf("the client got no read receipt: %v", err)
	}
	if f.Role != chat.RoleStaff || f.MessageID != a2.ID {
		t.Fatalf("the client got %s, want staff read %s", f.Raw, a2.ID)
	}
	unread(t, sam, convID, 0)
	unread(t, stan, convID, 2)
}

// unread checks p's unread count of a conversation.
func unread(t *testing.T, p *e2ekit.Person, convID string, want int) {
	t.Helper()
	c, err := p.Conversation(e2ekit.Context(t, 10*time.Second), convID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Unread != want {
		t.Fatalf("%s's unread = %d, want %d", p.Username, c.Unread, want)
	}
}
