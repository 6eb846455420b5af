package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// connection returns a connection opened at t0.
func connection(id, user string, role chat.Role, conv string) chat.Connection {
	return chat.Connection{
		ID: id, UserID: user, Username: "name-" + user, Role: role, ConversationID: conv,
		SourceIP: "203.0.113.7", ConnectedAt: chat.At(t0), ExpiresAt: chat.At(t0.Add(chat.ConnectionLifetime)),
	}
}

func connIDs(conns []chat.Connection) []string {
	var ids []string
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestConnections(t *testing.T) {
	e := newEnv(t)
	conns := []chat.Connection{
		connection("k1", "u1", chat.RoleClient, "c1"),
		connection("k2", "u1", chat.RoleClient, "c1"),
		connection("k3", "u2", chat.RoleClient, "c2"),
		connection("f1", "s1", chat.RoleStaff, ""),
		connection("f2", "s1", chat.RoleStaff, ""),
		connection("s2", "s2", chat.RoleStaff, "c1"),
	}
	tokenExp, tokenIssued := chat.At(t0.Add(time.Hour)), chat.At(t0.Add(-time.Minute))
	conns[0].TokenExpiresAt, conns[0].TokenIssuedAt = &tokenExp, &tokenIssued
	short := connection("old", "s3", chat.RoleStaff, "c1")
	short.ExpiresAt = chat.At(t0.Add(time.Minute))
	conns = append(conns, short)
	for _, c := range conns {
		if err := e.PutConnection(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(2 * time.Minute) // "old" has expired

	got, err := e.GetConnection(t.Context(), "k1", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "k1" || got.UserID != "u1" || got.Username != "name-u1" || got.ConversationID != "c1" ||
		got.SourceIP != "203.0.113.7" || !got.ConnectedAt.Equal(t0) || !got.ExpiresAt.Equal(conns[0].ExpiresAt.Time) ||
		got.TokenExpiresAt == nil || !got.TokenExpiresAt.Equal(tokenExp.Time) ||
		got.TokenIssuedAt == nil || !got.TokenIssuedAt.Equal(tokenIssued.Time) {
		t.Errorf("GetConnection = %+v, want %+v", got, conns[0])
	}
	_, err = e.GetConnection(t.Context(), "old", now)
	wantCode(t, err, chat.CodeNotFound)

	tests := []struct {
		name string
		list func(ctx context.Context) ([]chat.Connection, error)
		want []string
	}{
		{"Conversation", func(ctx context.Context) ([]chat.Connection, error) { return e.ConversationConnections(ctx, "c1", now) }, []string{"k1", "k2", "s2"}},
		{"OtherConversation", func(ctx context.Context) ([]chat.Connection, error) { return e.ConversationConnections(ctx, "c2", now) }, []string{"k3"}},
		{"Feed", func(ctx context.Context) ([]chat.Connection, error) { return e.FeedConnections(ctx, now) }, []string{"f1", "f2"}},
		{"User", func(ctx context.Context) ([]chat.Connection, error) { return e.UserConnections(ctx, "u1", now) }, []string{"k1", "k2"}},
		{"Staff", func(ctx context.Context) ([]chat.Connection, error) { return e.UserConnections(ctx, "s1", now) }, []string{"f1", "f2"}},
		{"Nobody", func(ctx context.Context) ([]chat.Connection, error) { return e.UserConnections(ctx, "u9", now) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.ops.count()
			got, err := tt.list(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if ids := connIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("connections = %v, want %v", ids, tt.want)
			}
			if calls := e.ops.since(before); !slices.Equal(calls, []string{"Query"}) {
				t.Errorf("fan-out issued %v, want exactly one Query", calls)
			}
		})
	}

	t.Run("Presence", func(t *testing.T) {
		online, err := e.OnlineStaff(t.Context(), now)
		if err != nil || online != 2 {
			t.Errorf("OnlineStaff = %d, %v; want 2 (s1, s2; s3 expired)", online, err)
		}
		n, err := e.CountConnections(t.Context(), now)
		if err != nil || n != 6 {
			t.Errorf("CountConnections = %d, %v; want 6", n, err)
		}
		open, err := e.OpenConnections(t.Context(), now)
		if want := []string{"f1", "f2", "k1", "k2", "k3", "s2"}; err != nil || !slices.Equal(connIDs(open), want) {
			t.Errorf("OpenConnections = %v, %v; want %v (every open one, old expired)", connIDs(open), err, want)
		}
	})

	t.Run("DeleteRemovesEveryMembership", func(t *testing.T) {
		for _, id := range []string{"s2", "s2", "never-existed"} {
			if err := e.DeleteConnection(t.Context(), id); err != nil {
				t.Fatalf("DeleteConnection(%s) error = %v", id, err)
			}
		}
		_, err := e.GetConnection(t.Context(), "s2", now)
		wantCode(t, err, chat.CodeNotFound)
		// Read as if nothing had expired, so only deletion can hide it.
		listed := func(conns []chat.Connection, err error) []chat.Connection {
			if err != nil {
				t.Fatal(err)
			}
			return conns
		}
		for _, list := range [][]chat.Connection{
			listed(e.ConversationConnections(t.Context(), "c1", t0)),
			listed(e.UserConnections(t.Context(), "s2", t0)),
		} {
			if slices.Contains(connIDs(list), "s2") {
				t.Errorf("s2 still listed: %v", connIDs(list))
			}
		}
		if n, _ := e.OnlineStaff(t.Context(), now); n != 1 {
			t.Errorf("OnlineStaff after delete = %d, want 1", n)
		}
	})
}

func TestTickets(t *testing.T) {
	e := newEnv(t)
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

func TestRateHit(t *testing.T) {
	e := newEnv(t)
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

func TestPassTyping(t *testing.T) {
	e := newEnv(t)
	if err := e.PutConnection(t.Context(), connection("k1", "u1", chat.RoleClient, "c1")); err != nil {
		t.Fatal(err)
	}
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
			got, err := e.PassTyping(t.Context(), tt.conn, t0.Add(tt.at), gap)
			if err != nil || got != tt.want {
				t.Errorf("PassTyping = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
