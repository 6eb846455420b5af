package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestClientAndCounsellorTalkLive is the product's core: a client starts a
// session, a counsellor on the staff feed sees it, and both exchange
// messages in real time, each getting an acknowledgement of its own.
func TestClientAndCounsellorTalkLive(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	ctx := e2ekit.Context(t, 30*time.Second)

	feed := connect(t, sam, "")
	convID := startConversation(t, alice)
	if _, err := feed.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.created", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == convID
	}); err != nil {
		t.Fatalf("staff feed did not see the new conversation: %v", err)
	}

	aliceWS := connect(t, alice, convID)
	samWS := connect(t, sam, convID)

	sent := time.Now()
	if err := aliceWS.SendMessage(ctx, convID, "c-1", "  I need to talk to someone  "); err != nil {
		t.Fatal(err)
	}
	isC1 := func(f client.Frame) bool { return f.Message != nil && f.Message.ClientMessageID == "c-1" }
	ack, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isC1)
	if err != nil {
		t.Fatalf("client got no acknowledgement: %v", err)
	}
	if ack.Message.Body != "I need to talk to someone" || ack.Message.SenderRole != chat.RoleClient || ack.Message.SenderID != alice.UserID {
		t.Fatalf("ack message = %+v, want the trimmed body from alice as client", ack.Message)
	}
	got, err := samWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isC1)
	if err != nil {
		t.Fatalf("counsellor did not receive the message: %v", err)
	}
	if got.Message.ID != ack.Message.ID {
		t.Fatalf("counsellor got message %s, client's ack says %s", got.Message.ID, ack.Message.ID)
	}
	if _, err := feed.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isC1); err != nil {
		t.Fatalf("staff feed did not receive the message: %v", err)
	}
	t.Logf("client send to counsellor delivery: %s", got.At.Sub(sent))

	// A counsellor replies once they have claimed the conversation: the
	// client hears who joined, by the name they chose (never their id).
	if err := samWS.SendMessage(ctx, convID, "s-0", "Hello?"); err != nil {
		t.Fatal(err)
	}
	refused, err := samWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "error", func(f client.Frame) bool { return f.ClientMessageID == "s-0" })
	if err != nil || refused.Code != chat.CodeForbidden || refused.ErrorMessage != "Claim this conversation to reply." {
		t.Fatalf("an unclaimed reply got %+v, %v; want forbidden \"Claim this conversation to reply.\"", refused, err)
	}
	if _, err := sam.SetDisplayName(ctx, "Sam"); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Claim(ctx, convID); err != nil {
		t.Fatal(err)
	}
	joined, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.updated", func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == convID
	})
	if err != nil || joined.Conversation.AssigneeName == nil || *joined.Conversation.AssigneeName != "Sam" {
		t.Fatalf("the client was told %+v, %v; want conversation.updated with assigneeName Sam", joined.Conversation, err)
	}
	if err := samWS.SendMessage(ctx, convID, "s-1", "I'm here. What's on your mind?"); err != nil {
		t.Fatal(err)
	}
	isS1 := func(f client.Frame) bool { return f.Message != nil && f.Message.ClientMessageID == "s-1" }
	reply, err := aliceWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isS1)
	if err != nil {
		t.Fatalf("client did not receive the reply: %v", err)
	}
	if reply.Message.SenderRole != chat.RoleStaff || reply.Message.SenderID != sam.UserID {
		t.Fatalf("reply = %+v, want from sam as staff", reply.Message)
	}
	if _, err := samWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", isS1); err != nil {
		t.Fatalf("counsellor got no acknowledgement: %v", err)
	}

	list, err := alice.Messages(ctx, convID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Messages) != 2 || list.Messages[0].ClientMessageID != "c-1" || list.Messages[1].ClientMessageID != "s-1" {
		t.Fatalf("history = %+v, want c-1 then s-1", list.Messages)
	}
}
