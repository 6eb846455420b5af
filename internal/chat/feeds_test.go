package chat_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/chat/memstore"
	"github.com/confidechat/confide/internal/testkit"
)

// feedCounter is the in-memory store, counting the lookups of every staff
// feed.
type feedCounter struct {
	*memstore.Store
	everyFeed atomic.Int32
}

func (f *feedCounter) FeedConnections(ctx context.Context, now time.Time) ([]chat.Connection, error) {
	f.everyFeed.Add(1)
	return f.Store.FeedConnections(ctx, now)
}

// TestAnAssignedConversationsMessageReadsOnlyItsFeeds: with many
// counsellors online, a message of a conversation assigned to one of them
// looks up only that counsellor's and the supervisors' feeds (their words
// reach no one else's: need to know), not every feed; one waiting for a
// counsellor still reaches, and reads, every counsellor's feed.
func TestAnAssignedConversationsMessageReadsOnlyItsFeeds(t *testing.T) {
	clock := testkit.NewClock(t0)
	store := &feedCounter{Store: memstore.New(memstore.WithClock(clock.Now))}
	pusher := newPusher()
	svc := chat.NewService(chat.Options{Store: store, Pusher: pusher, Now: clock.Now, TokenNow: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	ctx := t.Context()
	connect := func(who chat.Identity, id, conv string) {
		t.Helper()
		who.IssuedAt = clock.Now()
		claims := chat.TicketClaims{Identity: who, ExpiresAt: chat.At(clock.Now().Add(time.Minute))}
		if _, err := svc.Connect(ctx, claims, chat.ConnectRequest{ConnectionID: id, ConversationID: conv}); err != nil {
			t.Fatalf("Connect(%s): %v", id, err)
		}
	}
	connect(sam, "sam-feed", "")
	connect(kai, "kai-feed", "")
	for i := range 20 {
		connect(chat.Identity{UserID: fmt.Sprintf("c%d-sub", i), Username: fmt.Sprintf("c%d", i), Role: chat.RoleStaff}, fmt.Sprintf("c%d-feed", i), "")
	}
	assigned, err := svc.CreateConversation(ctx, alice, chat.Retention24h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Claim(ctx, sam, assigned.ID); err != nil {
		t.Fatal(err)
	}
	waiting, err := svc.CreateConversation(ctx, bob, chat.Retention24h)
	if err != nil {
		t.Fatal(err)
	}
	connect(alice, "alice-1", assigned.ID)
	connect(bob, "bob-1", waiting.ID)
	pusher.take()

	tests := []struct {
		name      string
		sender    chat.Identity
		conv      string
		wantReads int32
		wantTo    []string
	}{
		{"AssignedFromTheClient", alice, assigned.ID, 0, []string{"alice-1", "kai-feed", "sam-feed"}},
		{"AssignedFromTheCounsellor", sam, assigned.ID, 0, []string{"alice-1", "kai-feed", "sam-feed"}},
		{"Waiting", bob, waiting.ID, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := store.everyFeed.Load()
			clock.Advance(time.Second)
			if _, _, err := svc.SendMessage(ctx, tt.sender, chat.SendInput{ConversationID: tt.conv, ClientMessageID: "m-" + tt.name, Body: "hi"}); err != nil {
				t.Fatal(err)
			}
			if got := store.everyFeed.Load() - before; got != tt.wantReads {
				t.Errorf("every feed looked up %d times, want %d", got, tt.wantReads)
			}
			to := audience(pusher.take())
			if tt.wantTo != nil && !slices.Equal(to, tt.wantTo) {
				t.Errorf("delivered to %v, want %v", to, tt.wantTo)
			}
			if tt.wantTo == nil && len(to) != 23 {
				t.Errorf("a waiting conversation's message reached %d connections, want its client's and all 22 feeds", len(to))
			}
		})
	}
}
