package e2e

import (
	"testing"
	"time"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestCounsellorsClaimAndASupervisorReassigns: a counsellor takes a
// waiting session and every counsellor's feed (and the client) sees who has
// it; a second counsellor cannot take it over (conflict), a supervisor
// assigns it to them and everyone sees that too; a client cannot claim.
func TestCounsellorsClaimAndASupervisorReassigns(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	stan := newPerson(t, true)
	kai := newSupervisor(t)
	convID := startConversation(t, alice)
	ctx := e2ekit.Context(t, 30*time.Second)
	aliceWS := connect(t, alice, convID)
	samFeed := connect(t, sam, "")
	stanFeed := connect(t, stan, "")

	av, err := alice.Availability(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if av.CounsellorsOnline < 2 {
		t.Fatalf("availability = %d with sam's and stan's feeds open, want at least 2", av.CounsellorsOnline)
	}

	_, err = alice.Claim(ctx, convID)
	wantCode(t, "client claims", err, 403, "forbidden")

	assignedTo := func(sub string) func(client.Frame) bool {
		return func(f client.Frame) bool {
			return f.Conversation != nil && f.Conversation.ID == convID && f.Conversation.Assignee != nil && *f.Conversation.Assignee == sub
		}
	}
	watchers := map[string]*client.Socket{"sam's feed": samFeed, "stan's feed": stanFeed, "the client": aliceWS}
	seen := func(who *e2ekit.Person) {
		t.Helper()
		for name, ws := range watchers {
			if _, err := ws.WaitType(e2ekit.Context(t, e2ekit.Patience), "conversation.updated", assignedTo(who.UserID)); err != nil {
				t.Fatalf("%s did not see %s get the session: %v", name, who.Username, err)
			}
		}
	}
	c, err := sam.Claim(ctx, convID)
	if err != nil || c.Assignee == nil || *c.Assignee != sam.UserID {
		t.Fatalf("sam claims: %+v, %v; want assignee sam", c, err)
	}
	seen(sam)
	_, err = stan.Claim(ctx, convID)
	wantCode(t, "a colleague claims a taken session", err, 409, "conflict")
	if _, err := stan.Me(ctx); err != nil { // enters the staff directory
		t.Fatal(err)
	}
	res, err := sam.Do(ctx, "POST", "/conversations/"+convID+"/assign", map[string]string{"to": stan.UserID})
	if err != nil || res.Status != 403 {
		t.Fatalf("a counsellor assigns: %d %s, %v; want 403", res.Status, res.Body, err)
	}
	res, err = kai.Do(ctx, "POST", "/conversations/"+convID+"/assign", map[string]string{"to": stan.UserID})
	if err != nil || res.Status != 200 {
		t.Fatalf("the supervisor assigns to stan: %d %s, %v", res.Status, res.Body, err)
	}
	seen(stan)
	c, err = alice.Conversation(ctx, convID)
	if err != nil || c.Assignee == nil || *c.Assignee != stan.UserID {
		t.Fatalf("the conversation's assignee is %v (%v), want stan %s", c.Assignee, err, stan.UserID)
	}
}
