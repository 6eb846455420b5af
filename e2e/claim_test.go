package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestCounsellorsClaimAndTakeOverASession: a counsellor takes a session and
// every counsellor's feed (and the client) sees who has it; a second one
// may take it over; a client cannot claim.
func TestCounsellorsClaimAndTakeOverASession(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	stan := newPerson(t, true)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 30*time.Second)
	aliceWS := connect(t, alice, convID)
	samFeed := connect(t, sam, "")
	stanFeed := connect(t, stan, "")

	n, err := alice.Availability(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("availability = %d with sam's and stan's feeds open, want at least 2", n)
	}

	_, err = alice.Claim(ctx, convID)
	wantCode(t, "client claims", err, 403, "forbidden")

	assignedTo := func(sub string) func(client.Frame) bool {
		return func(f client.Frame) bool {
			return f.Conversation != nil && f.Conversation.ID == convID && f.Conversation.Assignee != nil && *f.Conversation.Assignee == sub
		}
	}
	watchers := map[string]*client.Socket{"sam's feed": samFeed, "stan's feed": stanFeed, "the client": aliceWS}
	for _, claimant := range []*e2ekit.Person{sam, stan} {
		c, err := claimant.Claim(ctx, convID)
		if err != nil {
			t.Fatalf("%s claims: %v", claimant.Username, err)
		}
		if c.Assignee == nil || *c.Assignee != claimant.UserID {
			t.Fatalf("%s's claim answered assignee %v, want %s", claimant.Username, c.Assignee, claimant.UserID)
		}
		for who, ws := range watchers {
			if _, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.updated", assignedTo(claimant.UserID)); err != nil {
				t.Fatalf("%s did not see %s take the session: %v", who, claimant.Username, err)
			}
		}
	}
	c, err := alice.Conversation(ctx, convID)
	if err != nil || c.Assignee == nil || *c.Assignee != stan.UserID {
		t.Fatalf("the conversation's assignee is %v (%v), want stan %s", c.Assignee, err, stan.UserID)
	}
}
