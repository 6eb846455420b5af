package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestWidgetShowsTheLastTwentyMessages: the widget opens on the client's
// active conversation with its last 20 visible messages, oldest first, and
// how many of the counsellor's messages the client has not read.
func TestWidgetShowsTheLastTwentyMessages(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 60*time.Second)

	// 25 messages, alternating client (even) and counsellor (odd), each
	// sender under the rate limit; the client then takes back message 20.
	sent := make([]string, 25)
	for i := range sent {
		who, cmid := alice, fmt.Sprintf("c-%d", i)
		if i%2 == 1 {
			who, cmid = sam, fmt.Sprintf("s-%d", i)
		}
		sent[i] = send(t, who, convID, cmid, say(fmt.Sprintf("message %d", i))).ID
	}
	if err := alice.DeleteMessage(ctx, convID, sent[20]); err != nil {
		t.Fatal(err)
	}
	visible := slices.Delete(slices.Clone(sent), 20, 21)
	want := visible[len(visible)-20:]

	w, err := alice.Widget(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w.Conversation.ID != convID {
		t.Fatalf("widget conversation = %s, want %s", w.Conversation.ID, convID)
	}
	if got := ids(w.Messages); !slices.Equal(got, want) {
		t.Fatalf("widget messages = %v\nwant the last 20 not deleted, oldest first: %v", got, want)
	}
	if w.Unread != 12 {
		t.Fatalf("widget unread = %d, want the counsellor's 12", w.Unread)
	}

	// Reading up to message 11 leaves the counsellor's 13, 15, ..., 23.
	if err := alice.MarkRead(ctx, convID, sent[11]); err != nil {
		t.Fatal(err)
	}
	if w, err = alice.Widget(ctx); err != nil {
		t.Fatal(err)
	}
	if w.Unread != 6 || w.Conversation.Unread != 6 {
		t.Fatalf("after reading up to message 11: unread = %d (conversation %d), want 6", w.Unread, w.Conversation.Unread)
	}

	closedClient := newPerson(t, false)
	closedID := startConversation(t, closedClient)
	if _, err := sam.Close(ctx, closedID); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name   string
		who    *e2ekit.Person
		status int
		code   string
	}{
		{"client who never started a session", newPerson(t, false), 404, "not_found"},
		{"client whose session was closed", closedClient, 404, "not_found"},
		{"counsellor", sam, 403, "forbidden"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			_, err := r.who.Widget(ctx)
			wantCode(t, "GET /widget/messages", err, r.status, r.code)
		})
	}
}
