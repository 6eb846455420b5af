package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testCreateConversation(t *testing.T, f factory) {
	t.Run("OneActiveSessionUnderFiftyConcurrentCreates", func(t *testing.T) {
		e := f.new(t)
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = e.CreateConversation(t.Context(), conversation(fmt.Sprintf("c%02d", i), "u1", chat.Retention24h, t0))
			})
		}
		wg.Wait()
		var winners []string
		for i, err := range errs {
			if err == nil {
				winners = append(winners, fmt.Sprintf("c%02d", i))
			}
		}
		if len(winners) != 1 {
			t.Fatalf("%d creates succeeded, want exactly 1", len(winners))
		}
		for i, err := range errs {
			if err == nil {
				continue
			}
			var ce *chat.Error
			if !errors.As(err, &ce) || ce.Code != chat.CodeConflict || ce.ConversationID != winners[0] {
				t.Errorf("create c%02d error = %v, want conflict naming %s", i, err, winners[0])
			}
		}
		if got, _ := e.ActiveConversationID(t.Context(), "u1"); got != winners[0] {
			t.Errorf("ActiveConversationID = %q, want %q", got, winners[0])
		}
		for i, err := range errs {
			if err != nil {
				if _, gerr := e.GetConversation(t.Context(), fmt.Sprintf("c%02d", i), t0); !errors.Is(gerr, chat.Sentinel(chat.CodeNotFound)) {
					t.Errorf("losing conversation c%02d was stored (get error %v)", i, gerr)
				}
			}
		}
	})

	t.Run("ClosingReleasesTheLock", func(t *testing.T) {
		e := f.new(t)
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		e.mustClose(t, "c1", t0.Add(time.Minute), nil)
		if got, err := e.ActiveConversationID(t.Context(), "u1"); err != nil || got != "" {
			t.Fatalf("ActiveConversationID after close = %q, %v; want none", got, err)
		}
		e.mustCreate(t, conversation("c2", "u1", chat.Retention24h, t0.Add(time.Hour)))
		if got, _ := e.ActiveConversationID(t.Context(), "u1"); got != "c2" {
			t.Errorf("ActiveConversationID = %q, want c2", got)
		}
	})

	t.Run("OtherClientsAreIndependent", func(t *testing.T) {
		e := f.new(t)
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		e.mustCreate(t, conversation("c2", "u2", chat.Retention24h, t0))
	})

	t.Run("ReusedIDIsAConflict", func(t *testing.T) {
		e := f.new(t)
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		wantCode(t, e.CreateConversation(t.Context(), conversation("c1", "u2", chat.Retention24h, t0)), chat.CodeConflict)
	})
}

func testGetConversation(t *testing.T, f factory) {
	e := f.new(t)
	c := conversation("c1", "u1", chat.Retention24h, t0)
	e.mustCreate(t, c)
	got, err := e.GetConversation(t.Context(), "c1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.UserID != c.UserID || got.Status != chat.StatusActive || got.Retention != chat.Retention24h || !got.CreatedAt.Equal(c.CreatedAt.Time) {
		t.Errorf("GetConversation = %+v, want %+v", got, c)
	}
	_, err = e.GetConversation(t.Context(), "missing", t0)
	wantCode(t, err, chat.CodeNotFound)

	expires := t0.Add(25 * time.Hour)
	e.mustClose(t, "c1", t0.Add(time.Hour), &expires)
	tests := []struct {
		name    string
		now     time.Time
		visible bool
	}{
		{"BeforeExpiry", expires.Add(-time.Millisecond), true},
		{"AtExpiry", expires, false},
		{"AfterExpiry", expires.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.GetConversation(t.Context(), "c1", tt.now)
			if got := err == nil; got != tt.visible {
				t.Errorf("visible = %v (error %v), want %v", got, err, tt.visible)
			}
			user, err := e.ListUserConversations(t.Context(), "u1", "", 10, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			staff, err := e.ListConversations(t.Context(), "", "", 10, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(user.Items) == 1 && len(staff.Items) == 1; got != tt.visible {
				t.Errorf("listed: user %d, staff %d; want visible %v", len(user.Items), len(staff.Items), tt.visible)
			}
		})
	}
}

// seedConversations creates n conversations of two clients, active ones and
// closed ones alternating, each active at t0 + i minutes. It returns their
// ids, most recently active first.
func seedConversations(t *testing.T, e *env, n int) []string {
	t.Helper()
	var order []string
	for i := range n {
		id := fmt.Sprintf("c%02d", i)
		user := fmt.Sprintf("u%d", i%2)
		c := conversation(id, user, chat.RetentionPermanent, t0.Add(time.Duration(i)*time.Minute))
		if i%3 == 0 {
			c.Status = chat.StatusClosed
		}
		if c.Status == chat.StatusActive {
			// Only one active per client: close the previous active one.
			if prev, _ := e.ActiveConversationID(t.Context(), user); prev != "" {
				e.mustClose(t, prev, t0, nil)
			}
		}
		e.mustCreate(t, c)
		order = append([]string{id}, order...)
	}
	return order
}

func testListConversations(t *testing.T, f factory) {
	e := f.new(t)
	order := seedConversations(t, e, 14)
	byStatus := map[chat.Status][]string{}
	for _, id := range order {
		c, err := e.GetConversation(t.Context(), id, t0)
		if err != nil {
			t.Fatal(err)
		}
		byStatus[c.Status] = append(byStatus[c.Status], id)
	}
	tests := []struct {
		name   string
		status chat.Status
		want   []string
	}{
		{"EveryStatus", "", order},
		{"Active", chat.StatusActive, byStatus[chat.StatusActive]},
		{"Closed", chat.StatusClosed, byStatus[chat.StatusClosed]},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 3, 5, 100} {
			t.Run(fmt.Sprintf("%s/PagesOf%d", tt.name, limit), func(t *testing.T) {
				got := walk(t, func(after string) (chat.Page[chat.Conversation], error) {
					return e.ListConversations(t.Context(), tt.status, after, limit, t0)
				}, limit)
				if !slices.Equal(got, tt.want) {
					t.Errorf("listed %v, want %v", got, tt.want)
				}
			})
		}
	}
}

// walk pages through a listing and returns the ids in order, checking that
// no page is longer than limit.
func walk(t *testing.T, list func(after string) (chat.Page[chat.Conversation], error), limit int) []string {
	t.Helper()
	var got []string
	after := ""
	for range 100 {
		page, err := list(after)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit {
			t.Fatalf("page of %d items, limit %d", len(page.Items), limit)
		}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if page.Next == "" {
			return got
		}
		after = page.Next
	}
	t.Fatal("listing never ended")
	return nil
}

func testListUserConversations(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	var want []string
	for i := range 6 {
		id := fmt.Sprintf("c%d", i)
		e.mustCreate(t, conversation(id, "u1", chat.RetentionPermanent, t0.Add(time.Duration(i)*time.Hour)))
		e.mustClose(t, id, t0.Add(time.Duration(i)*time.Hour+time.Minute), nil)
		want = append([]string{id}, want...)
	}
	e.mustCreate(t, conversation("other", "u2", chat.RetentionPermanent, t0))

	// A message moves c0 to the front.
	e.mustCreate(t, conversation("c6", "u1", chat.RetentionPermanent, t0.Add(10*time.Hour)))
	e.mustPut(t, message(ids.at(t0.Add(20*time.Hour)), "c6", "u1", chat.RoleClient, t0.Add(20*time.Hour)), chat.RetentionPermanent)
	want = append([]string{"c6"}, want...)

	// User-deleted: hidden from the client, visible to staff.
	deleted := true
	if _, err := e.UpdateConversation(t.Context(), "c3", chat.ConversationUpdate{If: chat.Condition{Status: chat.StatusClosed, Owner: "u1"}, UserDeleted: &deleted}); err != nil {
		t.Fatal(err)
	}
	visible := slices.DeleteFunc(slices.Clone(want), func(id string) bool { return id == "c3" })

	for _, limit := range []int{1, 2, 4, 50} {
		t.Run(fmt.Sprintf("PagesOf%d", limit), func(t *testing.T) {
			got := walk(t, func(after string) (chat.Page[chat.Conversation], error) {
				return e.ListUserConversations(t.Context(), "u1", after, limit, t0)
			}, limit)
			if !slices.Equal(got, visible) {
				t.Errorf("listed %v, want %v", got, visible)
			}
		})
	}
	t.Run("StaffStillSeeUserDeleted", func(t *testing.T) {
		page, err := e.ListConversations(t.Context(), chat.StatusClosed, "", 50, t0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range page.Items {
			if c.ID == "c3" {
				found = c.Deleted
			}
		}
		if !found {
			t.Errorf("staff list lacks c3 flagged deleted: %+v", page.Items)
		}
	})
}

func testListIdle(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	for i, user := range []string{"u1", "u2", "u3", "u4"} {
		e.mustCreate(t, conversation(fmt.Sprintf("c%d", i), user, chat.RetentionPermanent, t0.Add(time.Duration(i)*time.Hour)))
	}
	// c0 answered recently; c3 closed.
	e.mustPut(t, message(ids.at(t0.Add(5*time.Hour)), "c0", "u1", chat.RoleClient, t0.Add(5*time.Hour)), chat.RetentionPermanent)
	e.mustClose(t, "c3", t0.Add(4*time.Hour), nil)

	tests := []struct {
		name   string
		cutoff time.Time
		limit  int
		want   []string
	}{
		{"OldestFirst", t0.Add(4 * time.Hour), 10, []string{"c1", "c2"}},
		{"Limited", t0.Add(4 * time.Hour), 1, []string{"c1"}},
		{"CutoffIsExclusive", t0.Add(time.Hour), 10, nil},
		{"RecentMessageCounts", t0.Add(6 * time.Hour), 10, []string{"c1", "c2", "c0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idle, err := e.ListIdle(t.Context(), tt.cutoff, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range idle {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListIdle = %v, want %v", got, tt.want)
			}
		})
	}
}

func testStatsSample(t *testing.T, f factory) {
	e := f.new(t)
	seedConversations(t, e, 9)
	active, closed, err := e.StatsSample(t.Context(), 2, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 2 || len(closed) != 2 {
		t.Fatalf("StatsSample = %d active, %d closed; want 2 and 2", len(active), len(closed))
	}
	for _, c := range active {
		if c.Status != chat.StatusActive {
			t.Errorf("active sample holds %s %s", c.ID, c.Status)
		}
	}
	for _, c := range closed {
		if c.Status != chat.StatusClosed {
			t.Errorf("closed sample holds %s %s", c.ID, c.Status)
		}
	}
	if closed[0].ID != "c06" {
		t.Errorf("most recent closed = %s, want c06", closed[0].ID)
	}
}
