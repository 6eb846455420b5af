package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func connIDs(conns []chat.Connection) []string {
	var ids []string
	for _, c := range conns {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// SeedConnections stores the connections the contract's Connections test
// reads, and returns the instant to read them at: client u1 twice and u2
// in conversations c1 and c2, counsellor s1 twice on the staff feed, s2 in
// c1, supervisor v1 on the staff feed, and s3 in c1 on a connection that
// has expired by then.
func SeedConnections(t *testing.T, s chat.Store) (now time.Time) {
	t.Helper()
	conns := seededConnections()
	(&env{Store: s}).mustConnect(t, conns...)
	return t0.Add(2 * time.Minute)
}

// seededConnections are SeedConnections' connections; k1 carries its
// access token's times.
func seededConnections() []chat.Connection {
	conns := []chat.Connection{
		connection("k1", "u1", chat.RoleClient, "c1"),
		connection("k2", "u1", chat.RoleClient, "c1"),
		connection("k3", "u2", chat.RoleClient, "c2"),
		connection("f1", "s1", chat.RoleStaff, ""),
		connection("f2", "s1", chat.RoleStaff, ""),
		connection("s2", "s2", chat.RoleStaff, "c1"),
		connection("v1", "v1", chat.RoleStaff, ""),
	}
	conns[len(conns)-1].Supervisor = true
	tokenExp, tokenIssued := chat.At(t0.Add(time.Hour)), chat.At(t0.Add(-time.Minute))
	conns[0].TokenExpiresAt, conns[0].TokenIssuedAt = &tokenExp, &tokenIssued
	short := connection("old", "s3", chat.RoleStaff, "c1")
	short.ExpiresAt = chat.At(t0.Add(time.Minute))
	return append(conns, short)
}

// ConnectionListing is one lookup of connections, what a fan-out or the
// connection cap asks, with the ids it finds among SeedConnections'.
type ConnectionListing struct {
	Name string
	List func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error)
	// Want are the ids found, sorted.
	Want []string
}

// ConnectionListings are the lookups the contract checks on
// SeedConnections' connections.
var ConnectionListings = []ConnectionListing{
	{"Conversation", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.ConversationConnections(ctx, "c1", now)
	}, []string{"k1", "k2", "s2"}},
	{"OtherConversation", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.ConversationConnections(ctx, "c2", now)
	}, []string{"k3"}},
	{"Feed", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.FeedConnections(ctx, now)
	}, []string{"f1", "f2", "v1"}},
	{"SupervisorFeeds", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.SupervisorFeedConnections(ctx, now)
	}, []string{"v1"}},
	{"User", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.UserConnections(ctx, "u1", now)
	}, []string{"k1", "k2"}},
	{"Staff", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.UserConnections(ctx, "s1", now)
	}, []string{"f1", "f2"}},
	{"Nobody", func(ctx context.Context, s chat.Store, now time.Time) ([]chat.Connection, error) {
		return s.UserConnections(ctx, "u9", now)
	}, nil},
}

func testConnections(t *testing.T, f factory) {
	e := f.new(t)
	now := SeedConnections(t, e) // "old" has expired
	conns := seededConnections()

	got, err := e.GetConnection(t.Context(), "k1", now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "k1" || got.UserID != "u1" || got.Username != "name-u1" || got.ConversationID != "c1" ||
		got.SourceIP != "203.0.113.7" || !got.ConnectedAt.Equal(t0) || !got.ExpiresAt.Equal(conns[0].ExpiresAt.Time) ||
		got.TokenExpiresAt == nil || !got.TokenExpiresAt.Equal(conns[0].TokenExpiresAt.Time) ||
		got.TokenIssuedAt == nil || !got.TokenIssuedAt.Equal(conns[0].TokenIssuedAt.Time) {
		t.Errorf("GetConnection = %+v, want %+v", got, conns[0])
	}
	_, err = e.GetConnection(t.Context(), "old", now)
	wantCode(t, err, chat.CodeNotFound)

	for _, tt := range ConnectionListings {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := tt.List(t.Context(), e, now)
			if err != nil {
				t.Fatal(err)
			}
			if ids := connIDs(got); !slices.Equal(ids, tt.Want) {
				t.Errorf("connections = %v, want %v", ids, tt.Want)
			}
		})
	}

	t.Run("Presence", func(t *testing.T) {
		online, err := e.OnlineStaff(t.Context(), now)
		if err != nil || online != 3 {
			t.Errorf("OnlineStaff = %d, %v; want 3 (s1, s2, v1; s3 expired)", online, err)
		}
		n, err := e.CountConnections(t.Context(), now)
		if err != nil || n != 7 {
			t.Errorf("CountConnections = %d, %v; want 7", n, err)
		}
		open, err := e.OpenConnections(t.Context(), now)
		if want := []string{"f1", "f2", "k1", "k2", "k3", "s2", "v1"}; err != nil || !slices.Equal(connIDs(open), want) {
			t.Errorf("OpenConnections = %v, %v; want %v (every open one, old expired)", connIDs(open), err, want)
		}
	})

	t.Run("DeleteRemovesEveryMembership", func(t *testing.T) {
		for _, id := range []string{"s2", "s2", "v1", "never-existed"} {
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
			listed(e.FeedConnections(t.Context(), t0)),
			listed(e.SupervisorFeedConnections(t.Context(), t0)),
		} {
			if ids := connIDs(list); slices.Contains(ids, "s2") || slices.Contains(ids, "v1") {
				t.Errorf("s2 or v1 still listed: %v", ids)
			}
		}
		if n, _ := e.OnlineStaff(t.Context(), now); n != 1 {
			t.Errorf("OnlineStaff after delete = %d, want 1", n)
		}
	})
}

// testConversationAndConnections checks the one read of a message's
// conversation with its connections: the same answers as GetConversation
// and ConversationConnections, whatever else its partition holds.
func testConversationAndConnections(t *testing.T, f factory) {
	e := f.new(t)
	now := SeedConnections(t, e) // "old" in c1 has expired
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	// Messages, their client ids and a read marker share the partition.
	g := newIDs()
	m := e.mustPut(t, message(g.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
	if err := e.PutReadMarker(t.Context(), "c1", "s2", m.ID, m.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	expires := now.Add(time.Hour)
	e.mustCreate(t, conversation("c3", "u3", chat.Retention24h, t0))
	e.mustConnect(t, connection("k4", "u3", chat.RoleClient, "c3"))
	e.mustClose(t, "c3", t0.Add(time.Minute), &expires)

	tests := []struct {
		name      string
		id        string
		now       time.Time
		wantConns []string // nil with wantErr
		wantErr   bool
	}{
		{"WithItsOpenConnections", "c1", now, []string{"k1", "k2", "s2"}, false},
		{"ConnectionsWithoutAConversation", "c2", now, nil, true},
		{"Missing", "c9", now, nil, true},
		{"ClosedBeforeExpiry", "c3", expires.Add(-time.Millisecond), []string{"k4"}, false},
		{"Expired", "c3", expires, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv, conns, err := e.ConversationAndConnections(t.Context(), tt.id, tt.now)
			if tt.wantErr {
				wantCode(t, err, chat.CodeNotFound)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			single, err := e.GetConversation(t.Context(), tt.id, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if conv.ID != tt.id || !reflect.DeepEqual(conv, single) {
				t.Errorf("conversation = %+v, want %+v (GetConversation's)", conv, single)
			}
			if ids := connIDs(conns); !slices.Equal(ids, tt.wantConns) {
				t.Errorf("connections = %v, want %v", ids, tt.wantConns)
			}
		})
	}
}
