package chat_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// history is a conversation of alice's with twelve messages, m[0] oldest,
// every third one sam's; m[2], m[3], m[4], m[8] and the newest, m[11], are
// deleted by their senders.
type history struct {
	w       *world
	c       chat.Conversation
	m       []chat.Message
	deleted map[string]bool
}

func newHistory(t *testing.T) history {
	t.Helper()
	w := newWorld(t, chat.Limits{})
	h := history{w: w, c: w.open(t, alice, chat.RetentionPermanent), deleted: map[string]bool{}}
	senders := map[bool]chat.Identity{false: alice, true: sam}
	for i := range 12 {
		h.m = append(h.m, w.send(t, senders[i%3 == 2], h.c.ID, fmt.Sprintf("message %d", i)))
	}
	for _, i := range []int{2, 3, 4, 8, 11} {
		if err := w.svc.DeleteMessage(t.Context(), senders[i%3 == 2], h.c.ID, h.m[i].ID); err != nil {
			t.Fatal(err)
		}
		h.deleted[h.m[i].ID] = true
	}
	return h
}

// visible returns the ids of the messages someone of role sees, oldest
// first, from index from on.
func (h history) visible(role chat.Role, from int) []string {
	out := []string{}
	for _, m := range h.m[from:] {
		if role == chat.RoleStaff || !h.deleted[m.ID] {
			out = append(out, m.ID)
		}
	}
	return out
}

// TestListMessagesPagesPastDeletedMessages: paging back through a
// conversation with cursors, a client gets every message but the deleted
// ones, in order, each once, in full pages until the last; staff get
// deleted ones too, without their text. Reading forward from a message
// skips the same way.
func TestListMessagesPagesPastDeletedMessages(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		caller chat.Identity
		limit  int
	}{
		{alice, 1}, {alice, 2}, {alice, 3}, {alice, 5}, {alice, 50},
		{sam, 1}, {sam, 3}, {sam, 5}, {sam, 50},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("Backwards/%s/PagesOf%d", tt.caller.Role, tt.limit), func(t *testing.T) {
			want := h.visible(tt.caller.Role, 0)
			var got []string
			cursor := ""
			for range 20 {
				page, err := h.w.svc.ListMessages(t.Context(), tt.caller, h.c.ID, chat.MessageQuery{Cursor: cursor, Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Messages) > tt.limit || (page.NextCursor != nil && len(page.Messages) != tt.limit) {
					t.Fatalf("a page of %d (more: %v), limit %d", len(page.Messages), page.NextCursor != nil, tt.limit)
				}
				h.checkRedacted(t, tt.caller, page.Messages)
				got = append(ids(page.Messages), got...)
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged %v\nwant  %v", got, want)
			}
		})
	}
	forward := []struct {
		name   string
		caller chat.Identity
		after  int
		limit  int
		want   []string
	}{
		{"ClientAfterTheSecond", alice, 1, 2, h.visible(chat.RoleClient, 5)[:2]},
		{"ClientAfterTheLastVisible", alice, 10, 5, []string{}},
		{"ClientAfterADeletedOne", alice, 3, 50, h.visible(chat.RoleClient, 4)},
		{"StaffAfterTheSecond", sam, 1, 2, h.visible(chat.RoleStaff, 2)[:2]},
	}
	for _, tt := range forward {
		t.Run("Forwards/"+tt.name, func(t *testing.T) {
			page, err := h.w.svc.ListMessages(t.Context(), tt.caller, h.c.ID, chat.MessageQuery{After: h.m[tt.after].ID, Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			h.checkRedacted(t, tt.caller, page.Messages)
			if got := ids(page.Messages); !slices.Equal(got, tt.want) || page.NextCursor != nil {
				t.Errorf("after %d: %v (cursor %v), want %v and no cursor", tt.after, got, page.NextCursor, tt.want)
			}
		})
	}
}

// checkRedacted fails when a client got a deleted message, or anyone got
// the text of one.
func (h history) checkRedacted(t *testing.T, caller chat.Identity, ms []chat.Message) {
	t.Helper()
	for _, m := range ms {
		switch {
		case h.deleted[m.ID] && !caller.IsStaff():
			t.Errorf("%s got deleted message %s", caller.Username, m.ID)
		case h.deleted[m.ID] && (!m.Deleted || m.Body != ""):
			t.Errorf("deleted message %s shown as %+v, want flagged without a body", m.ID, m)
		case !h.deleted[m.ID] && (m.Deleted || m.Body == ""):
			t.Errorf("message %s shown as %+v, want its body", m.ID, m)
		}
	}
}

// TestWidget: the widget shows a client their active conversation with its
// newest visible messages and what they have not read; nobody else.
func TestWidget(t *testing.T) {
	h := newHistory(t)
	if err := h.w.svc.MarkRead(t.Context(), alice, h.c.ID, h.m[5].ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		caller chat.Identity
		code   chat.Code
		msgs   []string
		unread int
	}{
		// sam's m[8] and m[11] are deleted: m[5] was read, so nothing of
		// his is unread.
		{"ClientWithAnActiveConversation", alice, "", h.visible(chat.RoleClient, 0), 0},
		{"ClientWithout", bob, chat.CodeNotFound, nil, 0},
		{"Staff", sam, chat.CodeForbidden, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := h.w.svc.Widget(t.Context(), tt.caller)
			if tt.code != "" {
				wantError(t, err, tt.code, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(v.Messages); !slices.Equal(got, tt.msgs) || v.Unread != tt.unread || v.Conversation.ID != h.c.ID || v.Conversation.UserDeleted != nil {
				t.Errorf("widget = %v unread %d (conversation %+v), want %v unread %d", got, v.Unread, v.Conversation, tt.msgs, tt.unread)
			}
		})
	}
}

// TestUnreadCountsTheOtherSide: a conversation's unread count is the other
// side's visible messages after the caller's read marker, which only moves
// forward.
func TestUnreadCountsTheOtherSide(t *testing.T) {
	h := newHistory(t)
	tests := []struct {
		name   string
		caller chat.Identity
		read   int // index of the message marked read, -1 for none
		want   int
	}{
		// sam's messages: m[2] (deleted), m[5], m[8] (deleted), m[11] (deleted).
		{"ClientReadNothing", alice, -1, 1},
		{"ClientReadSamsLast", alice, 5, 0},
		{"ClientMarksAnOlderOne", alice, 1, 0},
		// alice's visible: m[0], m[1], m[6], m[7], m[9], m[10].
		{"StaffReadNothing", sam, -1, 6},
		{"StaffReadUpToTheSixth", sam, 6, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.read >= 0 {
				if err := h.w.svc.MarkRead(t.Context(), tt.caller, h.c.ID, h.m[tt.read].ID); err != nil {
					t.Fatal(err)
				}
			}
			c, err := h.w.svc.GetConversation(t.Context(), tt.caller, h.c.ID)
			if err != nil || c.Unread != tt.want {
				t.Errorf("unread = %d, %v; want %d", c.Unread, err, tt.want)
			}
		})
	}
}

// TestSendingIsRateLimited: a person may send RateLimit messages per
// window; the next is rate_limited with the seconds until the next window
// (rounded, plus one), stored nowhere and sent to no one. Others are not
// held back, and the next window opens.
func TestSendingIsRateLimited(t *testing.T) {
	const window = 10 * time.Second
	tests := []struct {
		name       string
		into       time.Duration // how far into the window the messages go
		retryAfter time.Duration
	}{
		{"AtTheStartOfTheWindow", 0, 11 * time.Second},
		{"HalfASecondRoundsUp", 2500 * time.Millisecond, 9 * time.Second},
		{"AtTheEndOfTheWindow", 9600 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, chat.Limits{RateLimit: 3, RateWindow: window})
			c := w.open(t, alice, chat.Retention24h)
			w.connect(t, sam, "s1", c.ID)
			w.claimIfWaiting(t, sam, c.ID)
			w.clock.Set(t0.Add(tt.into))
			send := func(who chat.Identity, cmid string) error {
				_, _, err := w.svc.SendMessage(t.Context(), who, chat.SendInput{ConversationID: c.ID, ClientMessageID: cmid, Body: "hello"})
				return err
			}
			for i := range 3 {
				if err := send(alice, fmt.Sprintf("ok-%d", i)); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			w.pusher.take()
			err := send(alice, "one-too-many")
			wantError(t, err, chat.CodeRateLimited, "You are sending messages too quickly. Please wait a moment.")
			if got := chat.Public(err).RetryAfter; got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			if got := w.pusher.take(); len(got) != 0 {
				t.Errorf("the refused message was sent to %v", audience(got))
			}
			page, _ := w.svc.ListMessages(t.Context(), sam, c.ID, chat.MessageQuery{})
			if len(page.Messages) != 3 {
				t.Errorf("%d messages stored, want 3", len(page.Messages))
			}
			if err := send(sam, "staff"); err != nil {
				t.Errorf("another person in the same window: %v", err)
			}
			w.clock.Set(t0.Add(window))
			if err := send(alice, "next-window"); err != nil {
				t.Errorf("the next window: %v", err)
			}
		})
	}
}
