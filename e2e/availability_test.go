package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestAvailabilityQueuePlace: a client waiting for a counsellor learns its
// place in the queue and an expected wait from GET /availability; the
// figures move as conversations ahead are claimed, and a client whose
// conversation is claimed, or staff, get the count only. With nobody
// online there is no estimate.
func TestAvailabilityQueuePlace(t *testing.T) {
	ctx := e2ekit.Context(t, 60*time.Second)
	sam := newPerson(t, true)
	feed := connect(t, sam, "")
	// Three conversations claimed, so the stats have a time to claim.
	for range chat.MinWaitSamples {
		c := newPerson(t, false)
		id := startConversation(t, c)
		if _, err := sam.Claim(ctx, id); err != nil {
			t.Fatalf("claim: %v", err)
		}
	}
	alice, bob := newPerson(t, false), newPerson(t, false)
	aliceConv := startConversation(t, alice)
	bobConv := startConversation(t, bob)
	for i, who := range []*e2ekit.Person{alice, bob} {
		if _, _, err := who.Send(ctx, []string{aliceConv, bobConv}[i], "c-avail-1", "Is anyone there?"); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	place := func(who *e2ekit.Person) chat.Availability {
		t.Helper()
		av, err := who.Availability(ctx)
		if err != nil {
			t.Fatalf("availability of %s: %v", who.Username, err)
		}
		return av
	}

	a, b := place(alice), place(bob)
	if a.QueuePlace == nil || b.QueuePlace == nil {
		t.Fatalf("waiting clients got no place: alice %+v, bob %+v", a, b)
	}
	if b.QueuePosition != a.QueuePosition+1 {
		t.Errorf("bob, who started after alice, is at %d; alice at %d", b.QueuePosition, a.QueuePosition)
	}
	if a.CounsellorsOnline < 1 || a.ExpectedWaitSeconds == nil || b.ExpectedWaitSeconds == nil {
		t.Fatalf("with a counsellor online and %d claims measured, want an expected wait: alice %+v, bob %+v", chat.MinWaitSamples, *a.QueuePlace, *b.QueuePlace)
	}
	if *b.ExpectedWaitSeconds < *a.ExpectedWaitSeconds {
		t.Errorf("bob's expected wait %d s is shorter than alice's %d s, who is ahead", *b.ExpectedWaitSeconds, *a.ExpectedWaitSeconds)
	}
	if s := place(sam); s.QueuePlace != nil {
		t.Errorf("staff got a queue place: %+v", *s.QueuePlace)
	}

	if _, err := sam.Claim(ctx, aliceConv); err != nil {
		t.Fatalf("claim alice's: %v", err)
	}
	if got := place(alice); got.QueuePlace != nil {
		t.Errorf("alice, claimed, still has a place: %+v", *got.QueuePlace)
	}
	if got := place(bob); got.QueuePlace == nil || got.QueuePosition != a.QueuePosition {
		t.Errorf("after alice's was claimed bob has %+v, want position %d", got.QueuePlace, a.QueuePosition)
	}

	feed.Close()
	e2ekit.Eventually(t, "no estimate with nobody online", 30*time.Second, func(ctx context.Context) (bool, error) {
		av, err := bob.Availability(ctx)
		return err == nil && av.CounsellorsOnline == 0 && av.QueuePlace != nil && av.ExpectedWaitSeconds == nil, err
	})
}
