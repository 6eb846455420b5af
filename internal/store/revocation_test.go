package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	if err := e.Revoke(t.Context(), "u1", t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// revoke, when not zero, is revoked before reading.
		revoke time.Time
		user   string
		now    time.Time
		want   time.Time
	}{
		{name: "NeverRevokedIsZero", user: "u2", now: t0, want: time.Time{}},
		{name: "RevokedIsTheInstant", user: "u1", now: t0.Add(time.Hour), want: t0},
		{name: "AnEarlierRevocationKeepsTheLater", revoke: t0.Add(-time.Hour), user: "u1", now: t0, want: t0},
		{name: "ALaterRevocationReplacesIt", revoke: t0.Add(time.Minute), user: "u1", now: t0.Add(time.Hour), want: t0.Add(time.Minute)},
		{name: "ExpiredRecordIsZero", user: "u1", now: t0.Add(time.Minute + chat.RevocationLifetime), want: time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.revoke.IsZero() {
				if err := e.Revoke(t.Context(), tt.user, tt.revoke); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.RevokedAt(t.Context(), tt.user, tt.now)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("RevokedAt = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	t.Run("ExpiredRecordIsSwept", func(t *testing.T) {
		if _, err := e.DeleteExpired(t.Context(), t0.Add(time.Minute+chat.RevocationLifetime), 0); err != nil {
			t.Fatal(err)
		}
		if got, err := e.RevokedAt(t.Context(), "u1", t0); err != nil || !got.IsZero() {
			t.Errorf("RevokedAt after the sweep = %v, %v; want the record gone", got, err)
		}
	})
}

func TestImportConversations(t *testing.T) {
	e := newEnv(t)
	g := newIDs()
	var convs []chat.Conversation
	for i := range 60 {
		c := conversation(g.at(t0.Add(time.Duration(i)*time.Second)), fmt.Sprintf("user-%d", i), chat.RetentionPermanent, t0)
		if i%3 != 0 {
			c.Status = chat.StatusClosed
		}
		convs = append(convs, c)
	}
	n, err := e.ImportConversations(t.Context(), convs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 80 {
		t.Errorf("wrote %d items, want 80 (60 conversations, 20 locks of the active ones)", n)
	}
	for i, c := range convs {
		got, err := e.GetConversation(t.Context(), c.ID, t0)
		if err != nil || got.Status != c.Status || got.UserID != c.UserID {
			t.Fatalf("conversation %d = %+v, %v; want %+v", i, got, err, c)
		}
		active, err := e.ActiveConversationID(t.Context(), c.UserID)
		if want := map[bool]string{true: c.ID, false: ""}[c.Status == chat.StatusActive]; err != nil || active != want {
			t.Errorf("active conversation of %s = %q, %v; want %q", c.UserID, active, err, want)
		}
	}
	page, err := e.ListConversations(t.Context(), chat.StatusActive, "", 100, t0)
	if err != nil || len(page.Items) != 20 {
		t.Errorf("active conversations listed = %d, %v; want 20", len(page.Items), err)
	}
}
