package chat_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// queued is an active conversation for the queue tables: created minutes
// after t0, claimed claimedAfter later (0: waiting), at risk level risk.
func queued(id string, minutes int, claimedAfter time.Duration, risk chat.RiskLevel) chat.Conversation {
	c := chat.Conversation{ID: id, Status: chat.StatusActive, CreatedAt: chat.At(t0.Add(time.Duration(minutes) * time.Minute)), Risk: risk}
	if claimedAfter > 0 {
		who := "sam-sub"
		at := chat.At(c.CreatedAt.Add(claimedAfter))
		c.Assignee, c.ClaimedAt = &who, &at
	}
	return c
}

func TestPlaceInQueue(t *testing.T) {
	mine := queued("mine", 10, 0, "")
	claimed := func(id string, after time.Duration) chat.Conversation { return queued(id, 0, after, "") }
	threeClaims := []chat.Conversation{claimed("c1", time.Minute), claimed("c2", 2*time.Minute), claimed("c3", 9*time.Minute)}
	closedClaim := claimed("c4", 4*time.Minute)
	closedClaim.Status = chat.StatusClosed
	seconds := func(n int) *int { return &n }
	// wroteAgain is mine after its client wrote at 12 and again at 30
	// minutes, still without a counsellor.
	wroteAgain := mine
	first, last := chat.At(t0.Add(12*time.Minute)), chat.At(t0.Add(30*time.Minute))
	wroteAgain.WaitingSince, wroteAgain.LastMessageAt, wroteAgain.LastSenderRole = &first, &last, chat.RoleClient
	tests := []struct {
		name     string
		mine     chat.Conversation
		active   []chat.Conversation
		recent   []chat.Conversation
		online   int
		wantNil  bool
		wantPos  int
		wantWait *int
	}{
		{name: "alone, nothing measured yet", mine: mine, active: []chat.Conversation{mine}, online: 2, wantPos: 1},
		{name: "older waiting ones go first", mine: mine,
			active: []chat.Conversation{queued("a", 1, 0, ""), queued("b", 5, 0, ""), mine, queued("later", 20, 0, "")}, online: 1, wantPos: 3},
		{name: "writing again keeps the place", mine: wroteAgain,
			active: []chat.Conversation{queued("a", 1, 0, ""), wroteAgain, queued("later", 20, 0, "")}, online: 1, wantPos: 2},
		{name: "claimed ones are not ahead", mine: mine,
			active: []chat.Conversation{queued("a", 1, time.Minute, ""), mine}, online: 1, wantPos: 1},
		{name: "an urgent later one goes ahead, as /queue answers it", mine: mine,
			active: []chat.Conversation{mine, queued("urgent", 30, 0, chat.RiskUrgent)}, online: 1, wantPos: 2},
		{name: "an urgent one is ahead of older ones", mine: queued("mine", 10, 0, chat.RiskUrgent),
			active: []chat.Conversation{queued("a", 1, 0, ""), queued("b", 2, 0, chat.RiskConcern)}, online: 1, wantPos: 1},
		{name: "median time to claim × position ÷ online", mine: mine,
			active: []chat.Conversation{queued("a", 1, 0, ""), mine}, recent: threeClaims, online: 2, wantPos: 2, wantWait: seconds(120)},
		{name: "closed conversations count in the median", mine: mine,
			active: []chat.Conversation{mine}, recent: append(threeClaims, closedClaim), online: 1, wantPos: 1, wantWait: seconds(180)},
		{name: "nobody online: no estimate", mine: mine, active: []chat.Conversation{mine}, recent: threeClaims, online: 0, wantPos: 1},
		{name: "too few claims to say", mine: mine, active: []chat.Conversation{mine}, recent: threeClaims[:2], online: 1, wantPos: 1},
		{name: "claimed: no place", mine: queued("mine", 10, time.Minute, ""), active: []chat.Conversation{queued("a", 1, 0, "")}, online: 1, wantNil: true},
		{name: "closed: no place", mine: chat.Conversation{ID: "mine", Status: chat.StatusClosed}, online: 1, wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chat.PlaceInQueue(tt.mine, tt.active, tt.recent, tt.online)
			if tt.wantNil {
				if got != nil {
					t.Fatalf("PlaceInQueue = %+v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("PlaceInQueue = nil, want a place")
			}
			if got.QueuePosition != tt.wantPos {
				t.Errorf("QueuePosition = %d, want %d", got.QueuePosition, tt.wantPos)
			}
			switch {
			case (got.ExpectedWaitSeconds == nil) != (tt.wantWait == nil):
				t.Errorf("ExpectedWaitSeconds = %v, want %v", got.ExpectedWaitSeconds, tt.wantWait)
			case got.ExpectedWaitSeconds != nil && *got.ExpectedWaitSeconds != *tt.wantWait:
				t.Errorf("ExpectedWaitSeconds = %d, want %d", *got.ExpectedWaitSeconds, *tt.wantWait)
			}
		})
	}
}

// TestAvailability: staff and a client without a waiting conversation get
// the count only; a waiting client gets its place, which moves as
// conversations ahead are claimed, and none once its own is claimed.
func TestAvailability(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	w.connect(t, sam, "sam-feed", "")
	ctx := t.Context()
	a := w.open(t, alice, chat.Retention24h)
	w.send(t, alice, a.ID, "hello")
	w.clock.Advance(time.Minute)
	b := w.open(t, bob, chat.Retention24h)
	w.send(t, bob, b.ID, "hi")

	tests := []struct {
		name    string
		who     chat.Identity
		claim   string
		wantPos int // 0: no place
	}{
		{name: "staff: the count only", who: sam},
		{name: "bob waits behind alice", who: bob, wantPos: 2},
		{name: "alice is next", who: alice, wantPos: 1},
		{name: "alice claimed: bob moves up", who: bob, claim: a.ID, wantPos: 1},
		{name: "alice claimed: no place", who: alice},
		{name: "no active conversation", who: chat.Identity{UserID: "cleo-sub", Username: "cleo", Role: chat.RoleClient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.claim != "" {
				if _, err := w.svc.Claim(ctx, sam, tt.claim); err != nil {
					t.Fatal(err)
				}
			}
			got, err := w.svc.Availability(ctx, tt.who)
			if err != nil {
				t.Fatal(err)
			}
			if got.CounsellorsOnline != 1 {
				t.Errorf("CounsellorsOnline = %d, want 1", got.CounsellorsOnline)
			}
			switch {
			case tt.wantPos == 0 && got.QueuePlace != nil:
				t.Errorf("QueuePlace = %+v, want none", *got.QueuePlace)
			case tt.wantPos != 0 && (got.QueuePlace == nil || got.QueuePosition != tt.wantPos):
				t.Errorf("QueuePlace = %+v, want position %d", got.QueuePlace, tt.wantPos)
			}
		})
	}
}

// TestExpectedWaitReadsClosedConversationsOnceAMinute: an instance reads
// the closed conversations expected waits come from at most once a minute
// (every waiting widget asks every 15 s), while the active ones are read
// on every ask: conversations that close within the minute are, until the
// next read, in neither list.
func TestExpectedWaitReadsClosedConversationsOnceAMinute(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	w.connect(t, sam, "sam-feed", "")
	ctx := t.Context()
	claimAfter := func(name string, after time.Duration, close bool) chat.Conversation {
		t.Helper()
		who := chat.Identity{UserID: name + "-sub", Username: name, Role: chat.RoleClient}
		c := w.open(t, who, chat.Retention24h)
		w.clock.Advance(after)
		if _, err := w.svc.Claim(ctx, sam, c.ID); err != nil {
			t.Fatal(err)
		}
		if close {
			if _, err := w.svc.Close(ctx, sam, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	for i := range 3 {
		claimAfter(fmt.Sprintf("quick%d", i), time.Minute, true)
	}
	var slow []chat.Conversation
	for i := range 3 {
		slow = append(slow, claimAfter(fmt.Sprintf("slow%d", i), 10*time.Minute, false))
	}
	a := w.open(t, alice, chat.Retention24h)
	w.send(t, alice, a.ID, "hello")
	wait := func() int {
		t.Helper()
		got, err := w.svc.Availability(ctx, alice)
		if err != nil || got.QueuePlace == nil || got.ExpectedWaitSeconds == nil {
			t.Fatalf("Availability = %+v, %v; want a place with a wait", got, err)
		}
		return *got.ExpectedWaitSeconds
	}
	all := wait() // three claims of a minute, three of ten
	for _, c := range slow {
		if _, err := w.svc.Close(ctx, sam, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := wait(); got >= all {
		t.Errorf("within the minute: expected wait %d s, want less than %d s (the slow ones closed since the closed were read)", got, all)
	}
	w.clock.Advance(time.Minute)
	if got := wait(); got != all {
		t.Errorf("a minute later: expected wait %d s, want %d s (the closed read again)", got, all)
	}
}
