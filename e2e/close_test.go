package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestOnlyACounsellorClosesASession: a client cannot end its session (nor
// learn of anyone else's); a counsellor can, the client sees it end live,
// nothing more can be sent to it, and the client may start afresh.
func TestOnlyACounsellorClosesASession(t *testing.T) {
	alice := newPerson(t, false)
	mallory := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	mallorysID := startConversation(t, mallory)
	ctx := e2ekit.Context(t, 30*time.Second)

	_, err := alice.Close(ctx, convID)
	wantCode(t, "client closes its own", err, 403, "forbidden")
	_, err = alice.Close(ctx, mallorysID)
	wantCode(t, "client closes another's", err, 404, "not_found")

	aliceWS := connect(t, alice, convID)
	feed := connect(t, sam, "")
	if _, err := sam.Claim(ctx, convID); err != nil {
		t.Fatal(err)
	}
	closed, err := sam.Close(ctx, convID)
	if err != nil {
		t.Fatalf("counsellor closes: %v", err)
	}
	if closed.Status != chat.StatusClosed || closed.ClosedBy == nil || *closed.ClosedBy != sam.UserID || closed.ClosedAt == nil {
		t.Fatalf("close answered %+v, want closed by %s with closedAt", closed, sam.UserID)
	}
	for who, ws := range map[string]*client.Socket{"client": aliceWS, "staff feed": feed} {
		f, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.closed", ofConversation(convID))
		if err != nil {
			t.Fatalf("%s did not see the session close: %v", who, err)
		}
		if f.Conversation.Status != chat.StatusClosed || f.Conversation.ClosedBy == nil || *f.Conversation.ClosedBy != sam.UserID {
			t.Fatalf("%s saw %+v, want closed by %s", who, f.Conversation, sam.UserID)
		}
	}

	_, _, err = alice.Send(ctx, convID, "late-1", say("wait, one more thing"))
	wantCode(t, "client sends after close", err, 409, "conflict")
	_, _, err = sam.Send(ctx, convID, "late-2", say("one more thing from us"))
	wantCode(t, "counsellor sends after close", err, 409, "conflict")
	if err := aliceWS.SendMessage(ctx, convID, "late-3", say("over the socket")); err != nil {
		t.Fatal(err)
	}
	f, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "error", func(f client.Frame) bool { return f.ClientMessageID == "late-3" })
	if err != nil || f.Code != chat.CodeConflict {
		t.Fatalf("socket send after close: frame %+v, %v; want error conflict", f, err)
	}
	if n := len(history(t, sam, convID)); n != 0 {
		t.Fatalf("the closed conversation holds %d messages, want none", n)
	}

	next, err := alice.CreateConversation(ctx, "")
	if err != nil {
		t.Fatalf("client starts a new session after the close: %v", err)
	}
	if next.ID == convID || next.Status != chat.StatusActive {
		t.Fatalf("new session = %+v, want a new active conversation", next)
	}

	_, err = sam.Close(ctx, convID)
	wantCode(t, "closing again", err, 409, "conflict")
}
