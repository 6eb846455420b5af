package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testUpdateConversation(t *testing.T, f factory) {
	e := f.new(t)
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	e.mustCreate(t, conversation("gone", "u2", chat.Retention24h, t0))
	exp := t0.Add(time.Hour)
	e.mustClose(t, "gone", t0, &exp)
	e.clock.Set(t0.Add(2 * time.Hour))

	staff := "staff-1"
	closed := chat.StatusClosed
	yes := true
	conflict, notFound := chat.Sentinel(chat.CodeConflict), chat.Sentinel(chat.CodeNotFound)
	tests := []struct {
		name string
		id   string
		u    chat.ConversationUpdate
		want error // nil for success
	}{
		{"ClaimWhileActive", "c1", chat.ConversationUpdate{If: chat.Condition{Status: chat.StatusActive}, Assignee: &staff}, nil},
		{"StatusConditionFails", "c1", chat.ConversationUpdate{If: chat.Condition{Status: chat.StatusClosed}, UserDeleted: &yes}, conflict},
		{"OwnerConditionFails", "c1", chat.ConversationUpdate{If: chat.Condition{Owner: "u2"}, UserDeleted: &yes}, notFound},
		{"RetentionConditionFails", "c1", chat.ConversationUpdate{If: chat.Condition{Retention: chat.RetentionPermanent}, UserDeleted: &yes}, chat.ErrStale},
		{"Unknown", "missing", chat.ConversationUpdate{Assignee: &staff}, notFound},
		{"UnknownClose", "missing", chat.ConversationUpdate{Status: &closed}, notFound},
		{"ExpiredRecord", "gone", chat.ConversationUpdate{UserDeleted: &yes}, notFound},
		{"NoChangeStillChecks", "c1", chat.ConversationUpdate{If: chat.Condition{Owner: "u2"}}, notFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.UpdateConversation(t.Context(), tt.id, tt.u)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("error = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Assignee == nil || *c.Assignee != staff {
				t.Errorf("Assignee = %v, want %s", c.Assignee, staff)
			}
		})
	}

	t.Run("RefusedUpdatesChangedNothing", func(t *testing.T) {
		c, err := e.GetConversation(t.Context(), "c1", t0)
		if err != nil {
			t.Fatal(err)
		}
		if c.Deleted || c.Status != chat.StatusActive {
			t.Errorf("after refused updates: deleted %v, status %s; want neither changed", c.Deleted, c.Status)
		}
	})

	t.Run("CloseTwiceIsAConflict", func(t *testing.T) {
		closedAt := t0.Add(3 * time.Hour)
		expires := closedAt.Add(24 * time.Hour)
		c := e.mustClose(t, "c1", closedAt, &expires)
		if c.Status != chat.StatusClosed || c.ClosedAt == nil || !c.ClosedAt.Equal(closedAt) || c.ClosedBy == nil || c.ExpiresAt == nil || !c.ExpiresAt.Equal(expires) {
			t.Errorf("closed = %+v", c)
		}
		page, _ := e.ListConversations(t.Context(), chat.StatusClosed, "", 10, closedAt)
		if len(page.Items) != 1 || page.Items[0].ID != "c1" {
			t.Errorf("closed list holds %+v, want c1 alone (gone has expired)", page.Items)
		}
		by := "staff-2"
		_, err := e.UpdateConversation(t.Context(), "c1", chat.ConversationUpdate{If: chat.Condition{Status: chat.StatusActive}, Status: &closed, ClosedBy: &by})
		wantCode(t, err, chat.CodeConflict)
	})
}

// TestFeedback: feedback is given once, by the client, after the close.
func testFeedback(t *testing.T, f factory) {
	e := f.new(t)
	e.mustCreate(t, conversation("open", "u1", chat.RetentionPermanent, t0))
	e.mustCreate(t, conversation("done", "u2", chat.RetentionPermanent, t0))
	e.mustClose(t, "done", t0, nil)
	tests := []struct {
		name string
		id   string
		user string
		want chat.Code
	}{
		{"StillOpen", "open", "u1", chat.CodeConflict},
		{"NotTheirs", "done", "u1", chat.CodeNotFound},
		{"Unknown", "missing", "u1", chat.CodeNotFound},
		{"First", "done", "u2", ""},
		{"Twice", "done", "u2", chat.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.UpdateConversation(t.Context(), tt.id, chat.ConversationUpdate{
				If:       chat.RateCondition(chat.Identity{UserID: tt.user, Role: chat.RoleClient}),
				Feedback: &chat.Feedback{Rating: 4, Comment: "thanks", At: chat.At(t0.Add(time.Hour))},
			})
			if tt.want != "" {
				wantCode(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, _ := e.GetConversation(t.Context(), tt.id, t0)
			if c.Rating != 4 || c.Comment != "thanks" {
				t.Errorf("rating %d comment %q, want 4 and thanks", c.Rating, c.Comment)
			}
		})
	}
}
