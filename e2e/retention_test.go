package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestRetentionForgetsAfterADay: a private (24h) conversation's messages
// are gone for everyone 24 h after they were sent, before any clean-up has
// run; a permanent one keeps them; switching to 24h applies to what was
// already said. The retention run then deletes what expired and closes the
// idle sessions. Only the local stack's clock can be moved.
func TestRetentionForgetsAfterADay(t *testing.T) {
	if !local() {
		t.Skip("retention needs the local stack's movable clock; not checked against a deployment")
	}
	ctx := e2ekit.Context(t, 60*time.Second)
	alice := newPerson(t, false) // 24h, the default
	bob := newPerson(t, false)   // permanent
	carol := newPerson(t, false) // permanent, then 24h
	sam := newPerson(t, true)

	private := startConversation(t, alice)
	if _, err := sam.Claim(ctx, private); err != nil { // sam may read it after it closes
		t.Fatal(err)
	}
	send(t, alice, private, "a-1", say("something private"))
	send(t, sam, private, "s-1", say("we hear you"))

	kept, err := bob.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatal(err)
	}
	bobs := []string{send(t, bob, kept.ID, "b-1", say("keep this")).ID, send(t, sam, kept.ID, "s-1", say("kept")).ID}

	switched, err := carol.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatal(err)
	}
	send(t, carol, switched.ID, "c-1", say("said while permanent"))
	send(t, carol, switched.ID, "c-2", say("also said while permanent"))
	c, err := carol.SetRetention(ctx, switched.ID, chat.Retention24h)
	if err != nil || c.Retention != chat.Retention24h {
		t.Fatalf("switch to 24h: %+v, %v", c, err)
	}

	e2ekit.DevstackControl(t, deployment.web, "/_devstack/clock", map[string]string{"advance": "25h"})

	t.Run("expired messages are gone before the clean-up", func(t *testing.T) {
		for _, r := range []struct {
			name string
			who  *e2ekit.Person
			conv string
		}{
			{"client of the 24h conversation", alice, private},
			{"counsellor on the 24h conversation", sam, private},
			{"client who switched to 24h", carol, switched.ID},
			{"counsellor on the switched conversation", sam, switched.ID},
		} {
			if got := history(t, r.who, r.conv); len(got) != 0 {
				t.Errorf("%s still reads %d messages, want none", r.name, len(got))
			}
		}
		w, err := alice.Widget(ctx)
		if err != nil {
			t.Fatalf("widget: %v", err)
		}
		if len(w.Messages) != 0 || w.Unread != 0 {
			t.Errorf("widget shows %d messages, %d unread; want none", len(w.Messages), w.Unread)
		}
		if got := ids(history(t, bob, kept.ID)); !slices.Equal(got, bobs) {
			t.Errorf("permanent conversation holds %v, want %v", got, bobs)
		}
	})

	aliceWS := connect(t, alice, private)
	feed := connect(t, sam, "")
	rep := runRetention(t)
	if rep.Expired < 4 || rep.Closed < 3 || !rep.Complete {
		t.Fatalf("retention reported %+v, want at least 4 expired messages and 3 idle sessions closed, complete", rep)
	}
	for who, ws := range map[string]*client.Socket{"client": aliceWS, "staff feed": feed} {
		f, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.closed", ofConversation(private))
		if err != nil {
			t.Fatalf("%s was not told the idle session closed: %v", who, err)
		}
		if f.Conversation.ClosedBy == nil || *f.Conversation.ClosedBy != chat.ClosedBySystem {
			t.Fatalf("%s saw closedBy %v, want system", who, f.Conversation.ClosedBy)
		}
	}
	if got := ids(history(t, bob, kept.ID)); !slices.Equal(got, bobs) {
		t.Fatalf("after the retention run the permanent conversation holds %v, want %v", got, bobs)
	}
	if got := history(t, sam, private); len(got) != 0 {
		t.Fatalf("after the retention run the 24h conversation holds %d messages, want none", len(got))
	}
	again := runRetention(t)
	if again.Expired != 0 || again.Closed != 0 {
		t.Fatalf("a second run reported %+v, want nothing left to do", again)
	}
}
