package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testTickets(t *testing.T, f factory) {
	e := f.new(t)
	tokenExp := chat.At(t0.Add(time.Hour))
	issued := t0.Add(-time.Minute)
	claims := chat.TicketClaims{
		Identity:       chat.Identity{UserID: "u1", Username: "alice", Role: chat.RoleClient, IssuedAt: issued},
		ExpiresAt:      chat.At(t0.Add(60 * time.Second)),
		TokenExpiresAt: &tokenExp,
	}

	t.Run("SingleUseUnderTwentyConcurrentConsumes", func(t *testing.T) {
		if err := e.PutTicket(t.Context(), "h1", claims); err != nil {
			t.Fatal(err)
		}
		const n = 20
		got := make([]chat.TicketClaims, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { got[i], errs[i] = e.ConsumeTicket(t.Context(), "h1", t0.Add(time.Second)) })
		}
		wg.Wait()
		winners := 0
		for i := range n {
			if errs[i] == nil {
				winners++
				if got[i].UserID != "u1" || got[i].Username != "alice" || got[i].Role != chat.RoleClient ||
					!got[i].ExpiresAt.Equal(claims.ExpiresAt.Time) || got[i].TokenExpiresAt == nil || !got[i].TokenExpiresAt.Equal(tokenExp.Time) ||
					!got[i].IssuedAt.Equal(issued) {
					t.Errorf("claims = %+v, want %+v", got[i], claims)
				}
				continue
			}
			wantCode(t, errs[i], chat.CodeUnauthorized)
		}
		if winners != 1 {
			t.Errorf("%d consumes succeeded, want exactly 1", winners)
		}
	})

	refused := []struct {
		name string
		hash string
		now  time.Time
	}{
		{"Expired", "h2", t0.Add(60 * time.Second)},
		{"Unknown", "nope", t0},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.PutTicket(t.Context(), "h2", claims); err != nil {
				t.Fatal(err)
			}
			_, err := e.ConsumeTicket(t.Context(), tt.hash, tt.now)
			wantCode(t, err, chat.CodeUnauthorized)
		})
	}
}

func testRateHit(t *testing.T, f factory) {
	e := f.new(t)
	const limit, n = 10, 30
	window := t0.Truncate(10 * time.Second)
	allowed := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ok, err := e.Hit(t.Context(), "u1", window, limit, time.Minute)
			if err != nil {
				t.Error(err)
			}
			allowed[i] = ok
		})
	}
	wg.Wait()
	if got := count(allowed); got != limit {
		t.Errorf("%d of %d concurrent hits allowed, want %d", got, n, limit)
	}
	tests := []struct {
		name   string
		user   string
		window time.Time
		want   bool
	}{
		{"SameWindowStaysClosed", "u1", window, false},
		{"NextWindowOpens", "u1", window.Add(10 * time.Second), true},
		{"OtherPeopleAreSeparate", "u2", window, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Hit(t.Context(), tt.user, tt.window, limit, time.Minute)
			if err != nil || got != tt.want {
				t.Errorf("Hit = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// testPassTyping is the contract of chat.TypingGate, for the stores that
// are one as well.
func testPassTyping(t *testing.T, f factory) {
	e := f.new(t)
	gate, ok := e.Store.(chat.TypingGate)
	if !ok {
		t.Fatalf("%T is no chat.TypingGate: both stores are one", e.Store)
	}
	e.mustConnect(t, connection("k1", "u1", chat.RoleClient, "c1"))
	gap := 2 * time.Second
	tests := []struct {
		conn string
		at   time.Duration
		want bool
	}{
		{"k1", 0, true},
		{"k1", time.Second, false},
		{"k1", 2 * time.Second, true},
		{"k1", 3 * time.Second, false},
		{"unknown", 10 * time.Second, false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d_%s_at_%v", i, tt.conn, tt.at), func(t *testing.T) {
			got, err := gate.PassTyping(t.Context(), tt.conn, t0.Add(tt.at), gap)
			if err != nil || got != tt.want {
				t.Errorf("PassTyping = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
