package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

func testPutMessage(t *testing.T, f factory) {
	t.Run("StoresAndMovesTheConversation", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		m := message(ids.at(t0.Add(time.Minute)), "c1", "u1", chat.RoleClient, t0.Add(time.Minute))
		stored := e.mustPut(t, m, chat.Retention24h)
		if stored.ExpiresAt == nil || !stored.ExpiresAt.Equal(m.CreatedAt.Add(24*time.Hour)) {
			t.Errorf("ExpiresAt = %v, want sent + 24h", stored.ExpiresAt)
		}
		got, err := e.GetMessage(t.Context(), "c1", m.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Body != m.Body || got.SenderID != "u1" || got.ClientMessageID != m.ClientMessageID || !got.CreatedAt.Equal(m.CreatedAt.Time) {
			t.Errorf("GetMessage = %+v, want %+v", got, m)
		}
		c, _ := e.GetConversation(t.Context(), "c1", t0)
		if c.LastMessageAt == nil || !c.LastMessageAt.Equal(m.CreatedAt.Time) || c.LastSenderRole != chat.RoleClient || c.FirstResponseAt != nil {
			t.Errorf("after a client message: lastMessageAt %v, lastSenderRole %q, firstResponseAt %v", c.LastMessageAt, c.LastSenderRole, c.FirstResponseAt)
		}
		for i, at := range []time.Time{t0.Add(2 * time.Minute), t0.Add(3 * time.Minute)} {
			e.mustPut(t, message(ids.at(at), "c1", "staff-1", chat.RoleStaff, at), chat.Retention24h)
			c, _ = e.GetConversation(t.Context(), "c1", t0)
			if c.FirstResponseAt == nil || !c.FirstResponseAt.Equal(t0.Add(2*time.Minute)) || c.LastSenderRole != chat.RoleStaff {
				t.Errorf("after staff message %d: firstResponseAt %v, lastSenderRole %q; want the first staff message", i, c.FirstResponseAt, c.LastSenderRole)
			}
		}
	})

	t.Run("SameClientMessageIDStoresOnce", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		first := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
		again := message(ids.at(t0.Add(time.Second)), "c1", "u1", chat.RoleClient, t0.Add(time.Second))
		again.ClientMessageID = first.ClientMessageID
		got, created, err := e.putMessage(t.Context(), again, chat.Retention24h, "u1")
		if err != nil || created || got.ID != first.ID {
			t.Fatalf("resend = %s created %v error %v; want %s, not created", got.ID, created, err, first.ID)
		}
		page, _ := e.ListMessages(t.Context(), "c1", chat.MessageRange{Limit: 10}, t0)
		if len(page.Items) != 1 {
			t.Errorf("conversation holds %d messages, want 1", len(page.Items))
		}
		if c, _ := e.GetConversation(t.Context(), "c1", t0); c.LastMessageAt == nil || !c.LastMessageAt.Equal(first.CreatedAt.Time) {
			t.Errorf("lastMessageAt after a resend = %v, want the first's %v", c.LastMessageAt, first.CreatedAt)
		}
	})

	t.Run("ClientMessageIDOfAnotherSenderIsAConflict", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		first := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
		theirs := message(ids.at(t0.Add(time.Second)), "c1", "staff-1", chat.RoleStaff, t0.Add(time.Second))
		theirs.ClientMessageID = first.ClientMessageID
		_, created, err := e.putMessage(t.Context(), theirs, chat.Retention24h, "")
		if created {
			t.Errorf("stored a message under another sender's clientMessageId")
		}
		wantCode(t, err, chat.CodeConflict)
		if _, err := e.GetMessage(t.Context(), "c1", theirs.ID, t0); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
			t.Errorf("the conflicting message was stored (get error %v)", err)
		}
		if c, _ := e.GetConversation(t.Context(), "c1", t0); c.LastSenderRole != chat.RoleClient || c.FirstResponseAt != nil {
			t.Errorf("the conflict moved the conversation: last sender %q, first response %v", c.LastSenderRole, c.FirstResponseAt)
		}
	})

	t.Run("ConcurrentResendsStoreOnce", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.RetentionPermanent, t0))
		const n = 20
		got := make([]chat.Message, n)
		created := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			m := message(ids.at(t0), "c1", "u1", chat.RoleClient, t0)
			m.ClientMessageID = "same"
			wg.Go(func() { got[i], created[i], errs[i] = e.putMessage(t.Context(), m, chat.RetentionPermanent, "u1") })
		}
		wg.Wait()
		winners := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("put %d error = %v", i, errs[i])
			}
			if created[i] {
				winners++
			}
			if got[i].ID != got[0].ID {
				t.Errorf("put %d answered %s, put 0 answered %s", i, got[i].ID, got[0].ID)
			}
		}
		if winners != 1 {
			t.Errorf("%d puts created a message, want 1", winners)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("open", "u1", chat.Retention24h, t0))
		e.mustCreate(t, conversation("closed", "u2", chat.Retention24h, t0))
		e.mustClose(t, "closed", t0, nil)
		e.mustCreate(t, conversation("gone", "u3", chat.Retention24h, t0))
		expires := t0.Add(time.Minute)
		e.mustClose(t, "gone", t0, &expires)
		sent := expires // "gone" has expired when the messages are sent
		tests := []struct {
			name      string
			conv      string
			retention chat.Retention
			owner     string
			want      error
		}{
			{"ClosedConversation", "closed", chat.Retention24h, "", chat.Sentinel(chat.CodeConflict)},
			{"SomeoneElsesConversation", "open", chat.Retention24h, "u2", chat.Sentinel(chat.CodeNotFound)},
			{"UnknownConversation", "missing", chat.Retention24h, "", chat.Sentinel(chat.CodeNotFound)},
			{"ExpiredConversation", "gone", chat.Retention24h, "", chat.Sentinel(chat.CodeNotFound)},
			{"RetentionChanged", "open", chat.RetentionPermanent, "u1", chat.ErrStale},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := message(ids.at(sent), tt.conv, "u1", chat.RoleClient, sent)
				_, created, err := e.putMessage(t.Context(), m, tt.retention, tt.owner)
				if created || !errors.Is(err, tt.want) {
					t.Fatalf("PutMessage = created %v, error %v; want %v", created, err, tt.want)
				}
				if _, err := e.GetMessage(t.Context(), tt.conv, m.ID, t0); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
					t.Errorf("refused message was stored (get error %v)", err)
				}
			})
		}
		t.Run("NothingMoved", func(t *testing.T) {
			for _, id := range []string{"open", "closed"} {
				if c, _ := e.GetConversation(t.Context(), id, t0); c.LastMessageAt != nil || c.LastSenderRole != "" {
					t.Errorf("%s after refused messages: lastMessageAt %v, last sender %q; want none", id, c.LastMessageAt, c.LastSenderRole)
				}
			}
		})
	})

	t.Run("ResendAfterCloseGetsTheFirstAnswer", func(t *testing.T) {
		e := f.new(t)
		ids := newIDs()
		e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
		first := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
		e.mustClose(t, "c1", t0.Add(time.Minute), nil)
		again := message(ids.at(t0.Add(time.Hour)), "c1", "u1", chat.RoleClient, t0.Add(time.Hour))
		again.ClientMessageID = first.ClientMessageID
		got, created, err := e.putMessage(t.Context(), again, chat.Retention24h, "u1")
		if err != nil || created || got.ID != first.ID {
			t.Errorf("resend after close = %s created %v error %v; want %s", got.ID, created, err, first.ID)
		}
		_, _, err = e.putMessage(t.Context(), again, chat.Retention24h, "u2")
		wantCode(t, err, chat.CodeNotFound)
	})
}

// testUpdateMessage: edits and soft deletions of one message, in order;
// every refusal is not found and changes nothing.
func testUpdateMessage(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	m := e.mustPut(t, message(ids.at(t0), "c1", "u1", chat.RoleClient, t0), chat.Retention24h)
	edited := t0.Add(time.Minute)
	edit := func(body string) *string { return &body }
	tests := []struct {
		name   string
		id     string
		sender string
		body   *string
		delete bool
		at     time.Time
		want   chat.Code // "" for success
		// after is the message as stored afterwards: body and deleted.
		afterBody    string
		afterDeleted bool
	}{
		{"TheSenderEdits", m.ID, "u1", edit("edited"), false, edited, "", "edited", false},
		{"AnotherSenderIsNotFound", m.ID, "u2", edit("theirs"), false, edited, chat.CodeNotFound, "edited", false},
		{"AnotherSenderCannotDelete", m.ID, "u2", nil, true, edited, chat.CodeNotFound, "edited", false},
		{"UnknownIsNotFound", "missing", "u1", edit("again"), false, edited, chat.CodeNotFound, "edited", false},
		{"ExpiredIsNotFound", m.ID, "u1", edit("late"), false, m.ExpiresAt.Time, chat.CodeNotFound, "edited", false},
		{"TheSenderDeletes", m.ID, "u1", nil, true, edited, "", "", true},
		{"EditAfterDeleteIsNotFound", m.ID, "u1", edit("back"), false, edited, chat.CodeNotFound, "", true},
		{"DeleteTwiceIsNotFound", m.ID, "u1", nil, true, edited, chat.CodeNotFound, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.UpdateMessage(t.Context(), "c1", tt.id, chat.MessageUpdate{
				If: chat.EditCondition(chat.Identity{UserID: tt.sender}), Body: tt.body, Delete: tt.delete, At: tt.at,
			})
			if tt.want != "" {
				wantCode(t, err, tt.want)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if got.Body != tt.afterBody || got.Deleted != tt.afterDeleted {
					t.Errorf("answer = %+v, want body %q deleted %v", got, tt.afterBody, tt.afterDeleted)
				}
				if tt.body != nil && (got.EditedAt == nil || !got.EditedAt.Equal(tt.at)) {
					t.Errorf("EditedAt = %v, want %v", got.EditedAt, tt.at)
				}
			}
			stored, err := e.GetMessage(t.Context(), "c1", m.ID, edited)
			if err != nil || stored.Body != tt.afterBody || stored.Deleted != tt.afterDeleted {
				t.Errorf("stored = %+v, %v; want body %q deleted %v", stored, err, tt.afterBody, tt.afterDeleted)
			}
		})
	}
}

func testListMessages(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	e.mustCreate(t, conversation("c1", "u1", chat.RetentionPermanent, t0))
	var all []string
	for i := range 120 {
		at := t0.Add(time.Duration(i) * time.Second)
		role, sender := chat.RoleClient, "u1"
		if i%4 == 3 {
			role, sender = chat.RoleStaff, "staff-1"
		}
		all = append(all, e.mustPut(t, message(ids.at(at), "c1", sender, role, at), chat.RetentionPermanent).ID)
	}
	tests := []struct {
		name     string
		q        chat.MessageRange
		want     []string
		wantNext string
	}{
		{"Newest", chat.MessageRange{Limit: 50}, all[70:], all[70]},
		{"BeforeNext", chat.MessageRange{Before: all[70], Limit: 50}, all[20:70], all[20]},
		{"LastPageBackwards", chat.MessageRange{Before: all[20], Limit: 50}, all[:20], ""},
		{"ExactlyTheRestBackwards", chat.MessageRange{Before: all[20], Limit: 20}, all[:20], ""},
		{"BeforeTheFirst", chat.MessageRange{Before: all[0], Limit: 50}, nil, ""},
		{"After", chat.MessageRange{After: all[9], Limit: 50}, all[10:60], all[59]},
		{"AfterNext", chat.MessageRange{After: all[59], Limit: 50}, all[60:110], all[109]},
		{"AfterToTheEnd", chat.MessageRange{After: all[109], Limit: 50}, all[110:], ""},
		{"AfterTheLast", chat.MessageRange{After: all[119], Limit: 50}, nil, ""},
		{"Everything", chat.MessageRange{Limit: 120}, all, ""},
		{"OneNewest", chat.MessageRange{Limit: 1}, all[119:], all[119]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := e.ListMessages(t.Context(), "c1", tt.q, t0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range page.Items {
				got = append(got, m.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids = %d items %v..., want %d items", len(got), head(got), len(tt.want))
			}
			if page.Next != tt.wantNext {
				t.Errorf("Next = %q, want %q", page.Next, tt.wantNext)
			}
		})
	}
	t.Run("WalkBackThroughEverything", func(t *testing.T) {
		var got []string
		q := chat.MessageRange{Limit: 7}
		for range 30 {
			page, err := e.ListMessages(t.Context(), "c1", q, t0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range page.Items {
				ids = append(ids, m.ID)
			}
			got = append(ids, got...)
			if page.Next == "" {
				break
			}
			q.Before = page.Next
		}
		if !slices.Equal(got, all) {
			t.Errorf("walked %d messages, want all %d in order", len(got), len(all))
		}
	})
	t.Run("BothBoundsIsABadRequest", func(t *testing.T) {
		_, err := e.ListMessages(t.Context(), "c1", chat.MessageRange{Before: all[5], After: all[1], Limit: 5}, t0)
		wantCode(t, err, chat.CodeBadRequest)
	})
}

func head(ids []string) []string { return ids[:min(len(ids), 3)] }

func testExpiredMessagesAreInvisible(t *testing.T, f factory) {
	e := f.new(t)
	ids := newIDs()
	e.mustCreate(t, conversation("c1", "u1", chat.Retention24h, t0))
	var sent []chat.Message
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Hour)
		sent = append(sent, e.mustPut(t, message(ids.at(at), "c1", "staff-1", chat.RoleStaff, at), chat.Retention24h))
	}
	// At t0+25h30m the first two (sent t0, t0+1h) have expired.
	now := t0.Add(25*time.Hour + 30*time.Minute)
	page, err := e.ListMessages(t.Context(), "c1", chat.MessageRange{Limit: 10}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].ID != sent[2].ID || page.Next != "" {
		t.Errorf("listed %d messages (next %q), want the 2 unexpired", len(page.Items), page.Next)
	}
	page, _ = e.ListMessages(t.Context(), "c1", chat.MessageRange{After: sent[0].ID, Limit: 10}, now)
	if len(page.Items) != 2 {
		t.Errorf("after the first: %d messages, want 2", len(page.Items))
	}
	if _, err := e.GetMessage(t.Context(), "c1", sent[1].ID, now); !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
		t.Errorf("GetMessage of an expired message error = %v, want not found", err)
	}
	if n, _ := e.Unread(t.Context(), "c1", "u1", chat.RoleClient, now); n != 2 {
		t.Errorf("Unread = %d, want 2 unexpired", n)
	}
	// An expired clientMessageId record no longer blocks its id.
	reuse := message(ids.at(now), "c1", "u1", chat.RoleClient, now)
	reuse.ClientMessageID = sent[0].ClientMessageID
	if _, created, err := e.putMessage(t.Context(), reuse, chat.Retention24h, "u1"); err != nil || !created {
		t.Errorf("reusing an expired clientMessageId: created %v error %v; want created", created, err)
	}
}
