package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestOnlyTheSenderEditsOrDeletesAMessage: the sender may change or take
// back its words and the other side sees it live; nobody else may touch
// them, and nobody else learns that the message exists.
func TestOnlyTheSenderEditsOrDeletesAMessage(t *testing.T) {
	alice := newPerson(t, false)
	mallory := newPerson(t, false)
	sam := newPerson(t, true)
	stan := newPerson(t, true)
	convID := startConversation(t, alice)
	startConversation(t, mallory)
	ctx := e2ekit.Context(t, 30*time.Second)

	draft := say("first draft")
	mine := send(t, alice, convID, "a-1", draft)
	replyBody := say("counsellor reply")
	reply := send(t, sam, convID, "s-1", replyBody)
	aliceWS := connect(t, alice, convID)
	samWS := connect(t, sam, convID)

	// Sam has claimed the conversation to reply: another counsellor may no
	// longer read it (forbidden); everyone else learns nothing (not_found).
	refusals := []struct {
		name   string
		who    *e2ekit.Person
		msg    chat.Message
		status int
		code   string
	}{
		{"counsellor on the client's message", sam, mine, 404, "not_found"},
		{"another counsellor on the client's message", stan, mine, 403, "forbidden"},
		{"client on the counsellor's message", alice, reply, 404, "not_found"},
		{"another client on the client's message", mallory, mine, 404, "not_found"},
		{"another counsellor on the counsellor's message", stan, reply, 403, "forbidden"},
	}
	for _, r := range refusals {
		t.Run("refused/"+r.name, func(t *testing.T) {
			_, err := r.who.Edit(ctx, convID, r.msg.ID, say("not yours"))
			wantCode(t, "edit", err, r.status, r.code)
			err = r.who.DeleteMessage(ctx, convID, r.msg.ID)
			wantCode(t, "delete", err, r.status, r.code)
		})
	}
	for _, m := range history(t, sam, convID) {
		if m.Deleted || m.EditedAt != nil || (m.ID == mine.ID && m.Body != draft) || (m.ID == reply.ID && m.Body != replyBody) {
			t.Fatalf("after the refusals the history holds %+v, want both messages untouched", m)
		}
	}

	t.Run("sender edits", func(t *testing.T) {
		better := say("second draft")
		edited, err := alice.Edit(ctx, convID, mine.ID, better)
		if err != nil {
			t.Fatal(err)
		}
		if edited.ID != mine.ID || edited.Body != better || edited.EditedAt == nil {
			t.Fatalf("edit answered %+v, want %s with the new body and editedAt", edited, mine.ID)
		}
		got, err := samWS.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.updated", func(f client.Frame) bool {
			return f.Message != nil && f.Message.ID == mine.ID
		})
		if err != nil {
			t.Fatalf("counsellor did not see the edit: %v", err)
		}
		if got.Message.Body != better || got.Message.EditedAt == nil || got.ConversationID != convID {
			t.Fatalf("counsellor saw %+v, want the new body with editedAt", got.Message)
		}
	})

	t.Run("sender deletes", func(t *testing.T) {
		res, err := alice.Do(ctx, "DELETE", "/conversations/"+convID+"/messages/"+mine.ID, nil)
		if err != nil || res.Status != 204 {
			t.Fatalf("delete: status %d, %v; want 204", res.Status, err)
		}
		for who, ws := range map[string]*client.Socket{"counsellor": samWS, "client": aliceWS} {
			if _, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.deleted", func(f client.Frame) bool {
				return f.MessageID == mine.ID && f.ConversationID == convID
			}); err != nil {
				t.Fatalf("%s did not see the deletion: %v", who, err)
			}
		}
		for _, m := range history(t, alice, convID) {
			if m.ID == mine.ID {
				t.Fatalf("the client's history still shows its deleted message: %+v", m)
			}
		}
		var found bool
		for _, m := range rawMessages(t, sam, convID) {
			if m["id"] != mine.ID {
				continue
			}
			found = true
			if _, has := m["body"]; has || m["deleted"] != true {
				t.Fatalf("staff history shows the deleted message as %v, want deleted:true and no body", m)
			}
		}
		if !found {
			t.Fatalf("staff history lost the deleted message: a deleted message keeps its place")
		}
	})
}
