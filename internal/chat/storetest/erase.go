package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// SeedErasure stores what the contract's EraseUser test erases: client
// alice-sub's closed, hidden 24h conversation alice-old and active
// permanent one alice-now, with messages both ways, the read markers of
// alice-sub and staff-sub, connections (alice's, a counsellor's to
// alice-now, the counsellor's staff feed) and a rate window; and client
// bob-sub's conversation bob-now, with a message and a connection. Every
// id, key and value of alice's starts with "alice-" and of bob's with
// "bob-".
func SeedErasure(t *testing.T, s chat.Store) {
	t.Helper()
	e := &env{Store: s}
	ids := newIDs()
	e.mustCreate(t, conversation("alice-old", "alice-sub", chat.Retention24h, t0))
	e.mustPut(t, message(ids.at(t0), "alice-old", "alice-sub", chat.RoleClient, t0), chat.Retention24h)
	e.mustClose(t, "alice-old", t0.Add(time.Hour), nil)
	yes := true
	if _, err := e.UpdateConversation(t.Context(), "alice-old", chat.ConversationUpdate{UserDeleted: &yes}); err != nil {
		t.Fatal(err)
	}
	e.mustCreate(t, conversation("alice-now", "alice-sub", chat.RetentionPermanent, t0.Add(2*time.Hour)))
	for i, role := range []chat.Role{chat.RoleClient, chat.RoleStaff} {
		sender := map[chat.Role]string{chat.RoleClient: "alice-sub", chat.RoleStaff: "staff-sub"}[role]
		at := t0.Add(2*time.Hour + time.Duration(i)*time.Minute)
		m := e.mustPut(t, message(ids.at(at), "alice-now", sender, role, at), chat.RetentionPermanent)
		for _, reader := range []string{"alice-sub", "staff-sub"} {
			if err := e.PutReadMarker(t.Context(), "alice-now", reader, m.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.mustConnect(t,
		connection("alice-conn", "alice-sub", chat.RoleClient, "alice-now"),
		connection("staff-conn", "staff-sub", chat.RoleStaff, "alice-now"),
		connection("staff-feed", "staff-sub", chat.RoleStaff, ""),
		connection("bob-conn", "bob-sub", chat.RoleClient, "bob-now"),
	)
	if _, err := e.Hit(t.Context(), "alice-sub", t0, 10, time.Minute); err != nil {
		t.Fatal(err)
	}
	e.mustCreate(t, conversation("bob-now", "bob-sub", chat.RetentionPermanent, t0))
	e.mustPut(t, message(ids.at(t0), "bob-now", "bob-sub", chat.RoleClient, t0), chat.RetentionPermanent)
}

// testEraseUser: erasing a client leaves nothing of theirs that any read
// can find, even where expiry would not hide it, and touches no one else.
func testEraseUser(t *testing.T, f factory) {
	e := f.new(t)
	SeedErasure(t, e)
	erased := map[string][]chat.Message{}
	for _, id := range []string{"alice-old", "alice-now"} {
		page, err := e.ListMessages(t.Context(), id, chat.MessageRange{Limit: 10}, t0)
		if err != nil {
			t.Fatal(err)
		}
		erased[id] = page.Items
	}
	if len(erased["alice-old"]) != 1 || len(erased["alice-now"]) != 2 {
		t.Fatalf("setup: alice's messages %v", erased)
	}

	n, err := e.EraseUser(t.Context(), "alice-sub")
	if err != nil {
		t.Fatal(err)
	}
	// At least the two conversations, three messages and two read markers.
	if n < 7 {
		t.Errorf("EraseUser = %d, want at least 7", n)
	}

	// Everything is read at t0, when nothing has expired: only erasure can
	// hide it.
	now := t0
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"ErasingAgainRemovesNothing", func(t *testing.T) {
			if n, err := e.EraseUser(t.Context(), "alice-sub"); err != nil || n != 0 {
				t.Errorf("erasing again = %d, %v; want 0", n, err)
			}
		}},
		{"ConversationsAreGone", func(t *testing.T) {
			for _, id := range []string{"alice-old", "alice-now"} {
				_, err := e.GetConversation(t.Context(), id, now)
				wantCode(t, err, chat.CodeNotFound)
			}
			mine, err := e.ListUserConversations(t.Context(), "alice-sub", "", 10, now)
			if err != nil || len(mine.Items) != 0 {
				t.Errorf("alice's list = %v, %v; want empty", mine.Items, err)
			}
			all, err := e.ListConversations(t.Context(), "", "", 10, now)
			if err != nil || len(all.Items) != 1 || all.Items[0].ID != "bob-now" {
				t.Errorf("staff list = %v, %v; want bob-now alone", all.Items, err)
			}
		}},
		{"MessagesAreGone", func(t *testing.T) {
			for id, msgs := range erased {
				page, err := e.ListMessages(t.Context(), id, chat.MessageRange{Limit: 10}, now)
				if err != nil || len(page.Items) != 0 {
					t.Errorf("messages of %s = %d, %v; want none", id, len(page.Items), err)
				}
				for _, m := range msgs {
					_, err := e.GetMessage(t.Context(), id, m.ID, now)
					wantCode(t, err, chat.CodeNotFound)
				}
			}
		}},
		{"ReadMarkersAndClientMessageIDsAreGone", func(t *testing.T) {
			// The id is free again; a new conversation under it has no
			// trace of the old one.
			e.mustCreate(t, conversation("alice-now", "carol-sub", chat.RetentionPermanent, t0))
			old := erased["alice-now"][1] // staff's, read by both markers
			// Older than what the markers had read: a surviving marker
			// would count it as read.
			early := message(newIDs().at(t0.Add(-time.Hour)), "alice-now", "staff-sub", chat.RoleStaff, t0)
			early.ClientMessageID = old.ClientMessageID
			if _, created, err := e.putMessage(t.Context(), early, chat.RetentionPermanent, ""); err != nil || !created {
				t.Fatalf("reusing an erased clientMessageId: created %v, %v; want created", created, err)
			}
			if n, err := e.Unread(t.Context(), "alice-now", "alice-sub", chat.RoleClient, now); err != nil || n != 1 {
				t.Errorf("Unread for alice-sub = %d, %v; want 1 (no marker left)", n, err)
			}
		}},
		{"ActiveLockIsGone", func(t *testing.T) {
			if got, err := e.ActiveConversationID(t.Context(), "alice-sub"); err != nil || got != "" {
				t.Errorf("alice's lock survived: %q, %v", got, err)
			}
			e.mustCreate(t, conversation("alice-again", "alice-sub", chat.Retention24h, t0))
		}},
		{"ConnectionsOfHersAndToHerConversationsAreGone", func(t *testing.T) {
			for _, id := range []string{"alice-conn", "staff-conn"} {
				_, err := e.GetConnection(t.Context(), id, now)
				wantCode(t, err, chat.CodeNotFound)
			}
			staff, err := e.UserConnections(t.Context(), "staff-sub", now)
			if ids := connIDs(staff); err != nil || !slices.Equal(ids, []string{"staff-feed"}) {
				t.Errorf("staff-sub's connections = %v, %v; want the feed alone", ids, err)
			}
			if feed, _ := e.FeedConnections(t.Context(), now); len(feed) != 1 {
				t.Errorf("staff feed connections = %d, want 1", len(feed))
			}
			if open, _ := e.OpenConnections(t.Context(), now); !slices.Equal(connIDs(open), []string{"bob-conn", "staff-feed"}) {
				t.Errorf("open connections = %v, want bob-conn and staff-feed", connIDs(open))
			}
		}},
		{"RateWindowIsGone", func(t *testing.T) {
			// Her window held one hit: a limit of one refuses the next
			// unless the window went.
			if ok, err := e.Hit(t.Context(), "alice-sub", t0, 1, time.Minute); err != nil || !ok {
				t.Errorf("Hit after erasure = %v, %v; want a fresh window", ok, err)
			}
		}},
		{"OthersAreUntouched", func(t *testing.T) {
			if _, err := e.GetConversation(t.Context(), "bob-now", now); err != nil {
				t.Errorf("bob-now: %v", err)
			}
			page, err := e.ListMessages(t.Context(), "bob-now", chat.MessageRange{Limit: 10}, now)
			if err != nil || len(page.Items) != 1 {
				t.Errorf("bob's messages = %d, %v; want 1", len(page.Items), err)
			}
			if _, err := e.GetConnection(t.Context(), "bob-conn", now); err != nil {
				t.Errorf("bob-conn: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
