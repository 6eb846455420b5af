package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
)

// memTickets is an in-memory chat.TicketStore with the contract's semantics:
// consume deletes under a lock, so exactly one of concurrent consumers wins.
type memTickets struct {
	mu       sync.Mutex
	tickets  map[string]chat.TicketClaims
	consumes atomic.Int32
	fail     error
}

var _ chat.TicketStore = (*memTickets)(nil)

func newMemTickets() *memTickets { return &memTickets{tickets: map[string]chat.TicketClaims{}} }

func (m *memTickets) PutTicket(_ context.Context, hash string, t chat.TicketClaims) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.tickets[hash] = t
	return nil
}

func (m *memTickets) ConsumeTicket(_ context.Context, hash string, now time.Time) (chat.TicketClaims, error) {
	m.consumes.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return chat.TicketClaims{}, m.fail
	}
	t, ok := m.tickets[hash]
	delete(m.tickets, hash)
	if !ok || !t.ExpiresAt.After(now) {
		return chat.TicketClaims{}, chat.Unauthorized()
	}
	return t, nil
}

var alice = chat.Identity{UserID: testSub, Username: "alice", Role: chat.RoleClient}

func newTickets() (*auth.Tickets, *memTickets, *apptest.Clock) {
	store := newMemTickets()
	clk := apptest.NewClock(time.Date(2026, 11, 26, 22, 10, 0, 0, time.UTC))
	return &auth.Tickets{Store: store, Now: clk.Now}, store, clk
}

// assertTicketRefused checks err is unauthorized and does not hold ticket.
func assertTicketRefused(t *testing.T, err error, ticket string) {
	t.Helper()
	if got := chat.CodeOf(err); got != chat.CodeUnauthorized {
		t.Fatalf("Redeem error = %v, want unauthorized", err)
	}
	if ticket != "" && strings.Contains(err.Error(), ticket) {
		t.Errorf("error contains the ticket: %v", err)
	}
}

func TestTicketIssueAndRedeemOnce(t *testing.T) {
	tickets, store, clk := newTickets()
	tokenExp := clk.Now().Add(time.Hour)
	ticket, exp, err := tickets.Issue(context.Background(), alice, tokenExp)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if want := clk.Now().Add(60 * time.Second); !exp.Equal(want) {
		t.Errorf("expiry = %v, want %v", exp, want)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(ticket)
	if err != nil || len(raw) != 32 {
		t.Errorf("ticket %q decodes to %d bytes (err %v), want 32 bytes of base64url without padding", ticket, len(raw), err)
	}
	if _, ok := store.tickets[auth.HashTicket(ticket)]; !ok || len(store.tickets) != 1 {
		t.Errorf("store holds %d tickets, want exactly the hash of the ticket", len(store.tickets))
	}
	if _, ok := store.tickets[ticket]; ok {
		t.Error("store holds the raw ticket")
	}

	claims, err := tickets.Redeem(context.Background(), ticket)
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	if claims.Identity != alice {
		t.Errorf("claims identity = %+v, want %+v", claims.Identity, alice)
	}
	if !claims.ExpiresAt.Equal(exp) {
		t.Errorf("claims expiry = %v, want %v", claims.ExpiresAt, exp)
	}
	if claims.TokenExpiresAt == nil || !claims.TokenExpiresAt.Equal(tokenExp) {
		t.Errorf("claims token expiry = %v, want %v", claims.TokenExpiresAt, tokenExp)
	}

	_, err = tickets.Redeem(context.Background(), ticket)
	assertTicketRefused(t, err, ticket)
}

func TestTicketRefusals(t *testing.T) {
	tests := []struct {
		name string
		// ticket returns the ticket to redeem, given a valid one just issued.
		ticket func(valid string, clk *apptest.Clock) string
		// wantStoreCall is whether the store is asked at all.
		wantStoreCall bool
	}{
		{"Expired", func(v string, clk *apptest.Clock) string { clk.Advance(60 * time.Second); return v }, true},
		{"ExpiredLongAgo", func(v string, clk *apptest.Clock) string { clk.Advance(time.Hour); return v }, true},
		{"Unknown", func(string, *apptest.Clock) string { return strings.Repeat("A", 43) }, true},
		{"Empty", func(string, *apptest.Clock) string { return "" }, false},
		{"TooShort", func(v string, _ *apptest.Clock) string { return v[:42] }, false},
		{"TooLong", func(v string, _ *apptest.Clock) string { return v + "A" }, false},
		{"Padded", func(v string, _ *apptest.Clock) string { return v + "=" }, false},
		{"StandardAlphabet", func(v string, _ *apptest.Clock) string { return "+/" + v[2:] }, false},
		{"Whitespace", func(v string, _ *apptest.Clock) string { return " " + v[1:] }, false},
		{"HashInsteadOfTicket", func(v string, _ *apptest.Clock) string { return auth.HashTicket(v) }, false},
		{"NonCanonicalLastChar", func(v string, _ *apptest.Clock) string { return v[:42] + "B" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tickets, store, clk := newTickets()
			valid, _, err := tickets.Issue(context.Background(), alice, time.Time{})
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			ticket := tt.ticket(valid, clk)
			_, err = tickets.Redeem(context.Background(), ticket)
			assertTicketRefused(t, err, ticket)
			if got := store.consumes.Load() > 0; got != tt.wantStoreCall {
				t.Errorf("store consulted = %v, want %v", got, tt.wantStoreCall)
			}
		})
	}
}

func TestTicketExpiryNeverOutlivesTheToken(t *testing.T) {
	tickets, _, clk := newTickets()
	tokenExp := clk.Now().Add(20 * time.Second)
	ticket, exp, err := tickets.Issue(context.Background(), alice, tokenExp)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if !exp.Equal(tokenExp) {
		t.Errorf("expiry = %v, want the token's %v", exp, tokenExp)
	}
	clk.Advance(20 * time.Second)
	_, err = tickets.Redeem(context.Background(), ticket)
	assertTicketRefused(t, err, ticket)

	_, _, err = tickets.Issue(context.Background(), alice, clk.Now())
	if chat.CodeOf(err) != chat.CodeUnauthorized {
		t.Errorf("Issue for an expired token: error %v, want unauthorized", err)
	}
}

func TestTicketTTLIsConfigurable(t *testing.T) {
	tickets, _, clk := newTickets()
	tickets.TTL = 5 * time.Second
	ticket, exp, err := tickets.Issue(context.Background(), alice, time.Time{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if want := clk.Now().Add(5 * time.Second); !exp.Equal(want) {
		t.Errorf("expiry = %v, want %v", exp, want)
	}
	clk.Advance(5 * time.Second)
	_, err = tickets.Redeem(context.Background(), ticket)
	assertTicketRefused(t, err, ticket)
}

func TestTicketsAreUnique(t *testing.T) {
	tickets, store, _ := newTickets()
	seen := map[string]bool{}
	for range 200 {
		ticket, _, err := tickets.Issue(context.Background(), alice, time.Time{})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		if seen[ticket] {
			t.Fatalf("ticket issued twice")
		}
		seen[ticket] = true
	}
	if len(store.tickets) != 200 {
		t.Errorf("store holds %d tickets, want 200", len(store.tickets))
	}
}

func TestTicketRedeemedOnceUnderConcurrency(t *testing.T) {
	tickets, _, _ := newTickets()
	ticket, _, err := tickets.Issue(context.Background(), alice, time.Time{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	const redeemers = 20
	var wg sync.WaitGroup
	var accepted, refused atomic.Int32
	start := make(chan struct{})
	for range redeemers {
		wg.Go(func() {
			<-start
			_, err := tickets.Redeem(context.Background(), ticket)
			switch chat.CodeOf(err) {
			case chat.CodeUnauthorized:
				refused.Add(1)
			default:
				if err == nil {
					accepted.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if accepted.Load() != 1 || refused.Load() != redeemers-1 {
		t.Errorf("accepted %d, refused %d; want 1 and %d", accepted.Load(), refused.Load(), redeemers-1)
	}
}

func TestTicketStoreFailureIsNotUnauthorized(t *testing.T) {
	tickets, store, _ := newTickets()
	ticket, _, err := tickets.Issue(context.Background(), alice, time.Time{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	boom := errors.New("dynamodb: throttled")
	store.fail = boom
	_, err = tickets.Redeem(context.Background(), ticket)
	if !errors.Is(err, boom) || chat.CodeOf(err) != chat.CodeInternal {
		t.Errorf("Redeem error = %v, want internal wrapping the store error", err)
	}
	if strings.Contains(err.Error(), ticket) {
		t.Errorf("error contains the ticket: %v", err)
	}
	if _, _, err := tickets.Issue(context.Background(), alice, time.Time{}); !errors.Is(err, boom) {
		t.Errorf("Issue error = %v, want the store error", err)
	}
}

func TestTicketIssueNeedsAUser(t *testing.T) {
	tickets, _, _ := newTickets()
	if _, _, err := tickets.Issue(context.Background(), chat.Identity{Role: chat.RoleClient}, time.Time{}); err == nil {
		t.Error("Issue without a user id succeeded")
	}
}

func TestHashTicket(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := auth.HashTicket("abc"); got != want {
		t.Errorf("HashTicket(abc) = %s, want %s", got, want)
	}
}
