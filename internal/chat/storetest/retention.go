package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testSetRetention(t *testing.T, f factory) {
	t.Run("PermanentRemovesExpiry", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		m := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
		late := e.mustPut(t, message(ids.at(t0.Add(2*time.Hour)), "c1", "u1", chat.RoleClient, t0.Add(2*time.Hour)), chat.Retention24h)
		exp := t0.Add(26 * time.Hour)
		if err := e.PutReadMarker(t.Context(), "c1", "staff-1", late.ID, chat.At(exp).Ptr()); err != nil {
			t.Fatal(err)
		}
		// The first message has expired by the time retention changes:
		// it stays gone.
		e.clock.Set(t0.Add(25 * time.Hour))
		c, err := e.SetRetention(t.Context(), "c1", chat.RetentionPermanent)
		if err != nil {
			t.Fatal(err)
		}
		if c.Retention != chat.RetentionPermanent {
			t.Errorf("retention = %s, want permanent", c.Retention)
		}
		later := t0.Add(30 * 24 * time.Hour)
		got, err := e.GetMessage(t.Context(), "c1", late.ID, later)
		if err != nil {
			t.Fatalf("message a month later: %v, want it kept", err)
		}
		if got.ExpiresAt != nil {
			t.Errorf("ExpiresAt = %v, want none", got.ExpiresAt)
		}
		if _, err := e.GetMessage(t.Context(), "c1", m.ID, t0.Add(25*time.Hour)); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
			t.Errorf("already expired message came back: %v", err)
		}
		// The clientMessageId record went permanent with its message.
		again := message(ids.at(later), "c1", "u1", chat.RoleClient, later)
		again.ClientMessageID = late.ClientMessageID
		if stored, created, err := e.putMessage(t.Context(), again, chat.RetentionPermanent, "u1"); err != nil || created || stored.ID != late.ID {
			t.Errorf("resend a month later = %s created %v error %v; want %s", stored.ID, created, err, late.ID)
		}
		n, err := e.Unread(t.Context(), "c1", "staff-1", chat.RoleStaff, later)
		if err != nil || n != 0 {
			t.Errorf("Unread a month later = %d, %v; want 0 (the marker kept)", n, err)
		}
	})

	t.Run("TwentyFourHoursAddsExpiry", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.RetentionPermanent, t0))
		old := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.RetentionPermanent)
		recent := e.mustPut(t, message(ids.at(t0.Add(20*time.Hour)), "c1", "u1", chat.RoleClient, t0.Add(20*time.Hour)), chat.RetentionPermanent)
		if err := e.PutReadMarker(t.Context(), "c1", "staff-1", recent.ID, nil); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(t0.Add(21 * time.Hour))
		if _, err := e.SetRetention(t.Context(), "c1", chat.Retention24h); err != nil {
			t.Fatal(err)
		}
		now := t0.Add(25 * time.Hour)
		if _, err := e.GetMessage(t.Context(), "c1", old.ID, now); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
			t.Errorf("message sent 25h ago: error %v, want expired", err)
		}
		got, err := e.GetMessage(t.Context(), "c1", recent.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := recent.CreatedAt.Add(24 * time.Hour); got.ExpiresAt == nil || !got.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, want)
		}
		page, _ := e.ListMessages(t.Context(), "c1", chat.MessageRange{Limit: 10}, now)
		if len(page.Items) != 1 {
			t.Errorf("listed %d messages at +25h, want 1", len(page.Items))
		}
		// Messages now need the new retention.
		_, _, err = e.putMessage(t.Context(), message(ids.at(now), "c1", "u1", chat.RoleClient, now), chat.RetentionPermanent, "u1")
		if !errors.Is(err, chat.ErrStale) {
			t.Errorf("put with the old retention error = %v, want ErrStale", err)
		}
	})

	t.Run("ClosedRecordFollowsRetention", func(t *testing.T) {
		e := f.new(t)
		e.mustCreate(t, conversation("c1", "u1", chat.RetentionPermanent, t0))
		closedAt := t0.Add(time.Hour)
		e.mustClose(t, "c1", closedAt, nil)
		c, err := e.SetRetention(t.Context(), "c1", chat.Retention24h)
		if err != nil {
			t.Fatal(err)
		}
		if want := closedAt.Add(24 * time.Hour); c.ExpiresAt == nil || !c.ExpiresAt.Equal(want) {
			t.Errorf("record ExpiresAt = %v, want %v", c.ExpiresAt, want)
		}
		c, err = e.SetRetention(t.Context(), "c1", chat.RetentionPermanent)
		if err != nil {
			t.Fatal(err)
		}
		if c.ExpiresAt != nil {
			t.Errorf("record ExpiresAt = %v, want none", c.ExpiresAt)
		}
		if _, err := e.GetConversation(t.Context(), "c1", t0.Add(48*time.Hour)); err != nil {
			t.Errorf("permanent record later: %v", err)
		}
	})

	t.Run("UnknownConversation", func(t *testing.T) {
		e := f.new(t)
		_, err := e.SetRetention(t.Context(), "missing", chat.Retention24h)
		wantCode(t, err, chat.CodeNotFound)
	})
}

func testUnread(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	e.mustCreate(t, conversation("c1", "u1", chat.RetentionPermanent, t0))
	var msgs []chat.Message
	for i, role := range []chat.Role{chat.RoleClient, chat.RoleStaff, chat.RoleClient, chat.RoleStaff, chat.RoleStaff, chat.RoleClient} {
		sender := "u1"
		if role == chat.RoleStaff {
			sender = "staff-1"
		}
		at := t0.Add(time.Duration(i) * time.Minute)
		msgs = append(msgs, e.mustPut(t, message(ids.at(at), "c1", sender, role, at), chat.RetentionPermanent))
	}
	// staff messages: 1, 3, 4; client messages: 0, 2, 5.
	if _, err := e.UpdateMessage(t.Context(), "c1", msgs[4].ID, chat.MessageUpdate{If: chat.EditCondition(chat.Identity{UserID: "staff-1"}), Delete: true, At: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		user   string
		role   chat.Role
		marker int // index of the read message, -1 for none
		want   int
	}{
		{"ClientReadNothing", "u1", chat.RoleClient, -1, 2},
		{"ClientReadFirstStaffMessage", "u1", chat.RoleClient, 1, 1},
		{"ClientReadEverything", "u1", chat.RoleClient, 5, 0},
		{"StaffReadNothing", "staff-1", chat.RoleStaff, -1, 3},
		{"StaffReadUpToTheSecondClientMessage", "staff-1", chat.RoleStaff, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.marker >= 0 {
				if err := e.PutReadMarker(t.Context(), "c1", tt.user, msgs[tt.marker].ID, nil); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.Unread(t.Context(), "c1", tt.user, tt.role, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Unread = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("MarkerOnlyMovesForward", func(t *testing.T) {
		if err := e.PutReadMarker(t.Context(), "c1", "u1", msgs[0].ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.Unread(t.Context(), "c1", "u1", chat.RoleClient, t0); got != 0 {
			t.Errorf("Unread after an older marker = %d, want 0", got)
		}
	})
	t.Run("ExpiredMarkerCountsAsNone", func(t *testing.T) {
		exp := t0.Add(time.Hour)
		if err := e.PutReadMarker(t.Context(), "c1", "u9", msgs[5].ID, chat.At(exp).Ptr()); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.Unread(t.Context(), "c1", "u9", chat.RoleClient, t0.Add(2*time.Hour)); got != 2 {
			t.Errorf("Unread with an expired marker = %d, want 2", got)
		}
	})
}
