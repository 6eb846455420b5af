package chat_test

import (
	"slices"
	"testing"

	"github.com/confidechat/confide/internal/chat"
)

// room is the scene of the fan-out tests: alice's conversation c with her
// two tabs (a1, a2) and counsellors sam (s1) and kim (s3) in it; kim's staff
// feed (f1); bob's conversation other with bob (b1) and sam (s2) in it.
type room struct {
	w        *world
	c, other chat.Conversation
	conns    map[string]chat.Connection
}

func newRoom(t *testing.T) room {
	t.Helper()
	w := newWorld(t, chat.Limits{})
	r := room{w: w, c: w.open(t, alice, chat.Retention24h), other: w.open(t, bob, chat.Retention24h), conns: map[string]chat.Connection{}}
	for _, k := range []struct {
		id   string
		who  chat.Identity
		conv string
	}{
		{"a1", alice, r.c.ID}, {"a2", alice, r.c.ID}, {"s1", sam, r.c.ID}, {"s3", kim, r.c.ID},
		{"f1", kim, ""}, {"b1", bob, r.other.ID}, {"s2", sam, r.other.ID},
	} {
		r.conns[k.id] = w.connect(t, k.who, k.id, k.conv)
	}
	w.pusher.take()
	return r
}

// everyoneInC is the audience of an event of conversation c: its
// connections and the staff feed, no one of the other conversation.
var everyoneInC = []string{"a1", "a2", "f1", "s1", "s3"}

// afterSamClaims is the audience of conversation c's words once sam has
// claimed it: alice's connections and sam's; kim's no longer.
var afterSamClaims = []string{"a1", "a2", "s1"}

// TestMessageEventsReachTheConversationAndTheFeed: a message created,
// edited or deleted is sent to every connection of its conversation (the
// sender's own too, as its acknowledgement) and to the staff feed, once
// each; a deleted message's frame carries no text.
func TestMessageEventsReachTheConversationAndTheFeed(t *testing.T) {
	tests := []struct {
		name string
		// act does what is measured, after clearing what setting it up sent,
		// and returns the message the frames are about.
		act  func(t *testing.T, r room) chat.Message
		typ  string
		body string // "" for a frame without a message
		// to is who gets the frames (nil: everyoneInC). Staff reply once
		// they have claimed the conversation: its words then reach the
		// client and the assignee, no longer their colleagues.
		to []string
	}{
		{"ClientSends", func(t *testing.T, r room) chat.Message {
			return r.w.send(t, alice, r.c.ID, "hello")
		}, chat.EventMessageCreated, "hello", nil},
		{"StaffSends", func(t *testing.T, r room) chat.Message {
			r.w.claimIfWaiting(t, sam, r.c.ID)
			r.w.pusher.take()
			return r.w.send(t, sam, r.c.ID, "hello, I am here")
		}, chat.EventMessageCreated, "hello, I am here", afterSamClaims},
		{"ClientSendsFromAConnection", func(t *testing.T, r room) chat.Message {
			m, _, err := r.w.svc.SendFromConnection(t.Context(), r.conns["a2"], chat.SendInput{ConversationID: r.c.ID, ClientMessageID: "tab-2", Body: "from the tab"})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, chat.EventMessageCreated, "from the tab", nil},
		{"ClientEdits", func(t *testing.T, r room) chat.Message {
			m := r.w.send(t, alice, r.c.ID, "helo")
			r.w.pusher.take()
			m, err := r.w.svc.EditMessage(t.Context(), alice, r.c.ID, m.ID, "hello")
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, chat.EventMessageUpdated, "hello", nil},
		{"StaffEdits", func(t *testing.T, r room) chat.Message {
			m := r.w.send(t, sam, r.c.ID, "hi")
			r.w.pusher.take()
			m, err := r.w.svc.EditMessage(t.Context(), sam, r.c.ID, m.ID, "hi there")
			if err != nil {
				t.Fatal(err)
			}
			return m
		}, chat.EventMessageUpdated, "hi there", afterSamClaims},
		{"ClientDeletes", func(t *testing.T, r room) chat.Message {
			m := r.w.send(t, alice, r.c.ID, "I should not have said that")
			r.w.pusher.take()
			if err := r.w.svc.DeleteMessage(t.Context(), alice, r.c.ID, m.ID); err != nil {
				t.Fatal(err)
			}
			return m
		}, chat.EventMessageDeleted, "", nil},
		{"StaffDeletes", func(t *testing.T, r room) chat.Message {
			m := r.w.send(t, sam, r.c.ID, "wrong window")
			r.w.pusher.take()
			if err := r.w.svc.DeleteMessage(t.Context(), sam, r.c.ID, m.ID); err != nil {
				t.Fatal(err)
			}
			return m
		}, chat.EventMessageDeleted, "", afterSamClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoom(t)
			m := tt.act(t, r)
			got := r.w.pusher.take()
			want := everyoneInC
			if tt.to != nil {
				want = tt.to
			}
			if to := audience(got); !slices.Equal(to, want) {
				t.Fatalf("sent to %v, want %v", to, want)
			}
			for id, fs := range got {
				if len(fs) != 1 {
					t.Fatalf("%s got %d frames, want 1", id, len(fs))
				}
				f := fs[0]
				if f.Type != tt.typ || f.ConversationID != r.c.ID {
					t.Errorf("%s got %s of %s, want %s of %s", id, f.Type, f.ConversationID, tt.typ, r.c.ID)
				}
				if tt.body == "" {
					if f.message() != nil || f.MessageID != m.ID {
						t.Errorf("%s got message %v, id %q; want only the id %s", id, f.message(), f.MessageID, m.ID)
					}
					continue
				}
				if got := f.message(); got["id"] != m.ID || got["body"] != tt.body {
					t.Errorf("%s got message %v, want %s with its body", id, got["id"], m.ID)
				}
			}
		})
	}
}

// TestRelaysGoToTheOtherSideOnly: typing and read receipts go to the other
// side of the conversation: a client's to the counsellors in it and the
// staff feed, a counsellor's to the client's connections; never back to
// the sender's side, never to another conversation.
func TestRelaysGoToTheOtherSideOnly(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		act    func(t *testing.T, r room) error
		typ    string
		role   chat.Role
		typing *bool
		want   []string
	}{
		{"ClientTypes", func(t *testing.T, r room) error {
			return r.w.svc.Typing(t.Context(), r.conns["a1"], r.c.ID, true)
		}, chat.EventTyping, chat.RoleClient, &yes, []string{"f1", "s1", "s3"}},
		{"ClientStopsTyping", func(t *testing.T, r room) error {
			return r.w.svc.Typing(t.Context(), r.conns["a2"], r.c.ID, false)
		}, chat.EventTyping, chat.RoleClient, &no, []string{"f1", "s1", "s3"}},
		{"StaffTypes", func(t *testing.T, r room) error {
			return r.w.svc.Typing(t.Context(), r.conns["s1"], r.c.ID, true)
		}, chat.EventTyping, chat.RoleStaff, &yes, []string{"a1", "a2"}},
		{"StaffTypesFromTheFeed", func(t *testing.T, r room) error {
			return r.w.svc.Typing(t.Context(), r.conns["f1"], r.c.ID, true)
		}, chat.EventTyping, chat.RoleStaff, &yes, []string{"a1", "a2"}},
		{"ClientReads", func(t *testing.T, r room) error {
			return r.w.svc.MarkRead(t.Context(), alice, r.c.ID, r.readable(t))
		}, chat.EventRead, chat.RoleClient, nil, []string{"f1", "s1", "s3"}},
		{"ClientReadsOnAConnection", func(t *testing.T, r room) error {
			return r.w.svc.MarkReadFromConnection(t.Context(), r.conns["a1"], r.c.ID, r.readable(t))
		}, chat.EventRead, chat.RoleClient, nil, []string{"f1", "s1", "s3"}},
		{"StaffReads", func(t *testing.T, r room) error {
			return r.w.svc.MarkRead(t.Context(), sam, r.c.ID, r.readable(t))
		}, chat.EventRead, chat.RoleStaff, nil, []string{"a1", "a2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoom(t)
			if err := tt.act(t, r); err != nil {
				t.Fatal(err)
			}
			got := r.w.pusher.take()
			if to := audience(got); !slices.Equal(to, tt.want) {
				t.Fatalf("sent to %v, want %v", to, tt.want)
			}
			for id, fs := range got {
				f := fs[0]
				if len(fs) != 1 || f.Type != tt.typ || f.Role != tt.role || f.ConversationID != r.c.ID {
					t.Errorf("%s got %d frames, first %+v; want one %s from %s", id, len(fs), f, tt.typ, tt.role)
				}
				if tt.typing != nil && (f.Typing == nil || *f.Typing != *tt.typing) {
					t.Errorf("%s got typing %v, want %v", id, f.Typing, *tt.typing)
				}
			}
		})
	}
}

// readable sends a message from each side, forgets what that sent, and
// returns the id of the last.
func (r room) readable(t *testing.T) string {
	t.Helper()
	r.w.send(t, alice, r.c.ID, "are you there?")
	m := r.w.send(t, alice, r.c.ID, "hello?")
	r.w.pusher.take()
	return m.ID
}

// TestConversationEventsShowEachRoleItsView: a conversation event is
// rendered once per role: staff see whether the client hid it, clients do
// not; nobody gets an unread count in an event. Started conversations go
// to the staff feed alone.
func TestConversationEventsShowEachRoleItsView(t *testing.T) {
	carol := chat.Identity{UserID: "carol-sub", Username: "carol", Role: chat.RoleClient}
	tests := []struct {
		name  string
		act   func(t *testing.T, r room) error
		typ   string
		want  []string
		field string // a field of the conversation in every frame
		value any
	}{
		{"Started", func(t *testing.T, r room) error {
			_, err := r.w.svc.CreateConversation(t.Context(), carol, "")
			return err
		}, chat.EventConversationCreated, []string{"f1"}, "userId", carol.UserID},
		{"Claimed", func(t *testing.T, r room) error {
			_, err := r.w.svc.Claim(t.Context(), sam, r.c.ID)
			return err
		}, chat.EventConversationUpdated, everyoneInC, "assignee", sam.UserID},
		{"RetentionChanged", func(t *testing.T, r room) error {
			_, err := r.w.svc.SetRetention(t.Context(), alice, r.c.ID, chat.RetentionPermanent)
			return err
		}, chat.EventConversationUpdated, everyoneInC, "retention", string(chat.RetentionPermanent)},
		{"Closed", func(t *testing.T, r room) error {
			_, err := r.w.svc.Close(t.Context(), sam, r.c.ID)
			return err
		}, chat.EventConversationClosed, everyoneInC, "status", string(chat.StatusClosed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoom(t)
			r.w.send(t, sam, r.c.ID, "unread by alice") // so that there is an unread count to leave out
			r.w.pusher.take()
			if err := tt.act(t, r); err != nil {
				t.Fatal(err)
			}
			got := r.w.pusher.take()
			if to := audience(got); !slices.Equal(to, tt.want) {
				t.Fatalf("sent to %v, want %v", to, tt.want)
			}
			for id, fs := range got {
				if len(fs) != 1 || fs[0].Type != tt.typ {
					t.Fatalf("%s got %+v, want one %s", id, fs, tt.typ)
				}
				c := fs[0].Conversation
				if c[tt.field] != tt.value || c["unread"] != float64(0) {
					t.Errorf("%s got %s %v, unread %v; want %v, 0", id, tt.field, c[tt.field], c["unread"], tt.value)
				}
				deleted, shown := c["userDeleted"]
				if staff := r.conns[id].Role == chat.RoleStaff; staff != shown || (staff && deleted != false) {
					t.Errorf("%s (%s) got userDeleted %v (shown %v); want it shown, false, to staff only", id, r.conns[id].Role, deleted, shown)
				}
			}
		})
	}
}

// TestGoneConnectionsAreForgotten: a connection the pusher finds gone is
// deleted, and the next event no longer addresses it.
func TestGoneConnectionsAreForgotten(t *testing.T) {
	r := newRoom(t)
	r.w.pusher.gone["a2"] = true
	r.w.send(t, alice, r.c.ID, "first")
	if to := audience(r.w.pusher.take()); !slices.Equal(to, everyoneInC) {
		t.Fatalf("first message sent to %v, want %v", to, everyoneInC)
	}
	if _, err := r.w.store.GetConnection(t.Context(), "a2", r.w.clock.Now()); chat.CodeOf(err) != chat.CodeNotFound {
		t.Errorf("the gone connection is still stored: %v", err)
	}
	r.w.send(t, alice, r.c.ID, "second")
	want := slices.DeleteFunc(slices.Clone(everyoneInC), func(id string) bool { return id == "a2" })
	if to := audience(r.w.pusher.take()); !slices.Equal(to, want) {
		t.Errorf("second message sent to %v, want %v", to, want)
	}
}

// TestAResendIsDeliveredAgainToItsAudience: the same clientMessageId
// again stores nothing and is acknowledged with the first message; and
// since a resend means the acknowledgement never came (the invocation
// that stored it may have ended before its fan-out), the first message
// goes again to everyone who may read it. A deleted one goes back to the
// sender alone.
func TestAResendIsDeliveredAgainToItsAudience(t *testing.T) {
	r := newRoom(t)
	in := chat.SendInput{ConversationID: r.c.ID, ClientMessageID: "once", Body: "hello"}
	first, created, err := r.w.svc.SendFromConnection(t.Context(), r.conns["a1"], in)
	if err != nil || !created {
		t.Fatalf("first send = created %v, %v", created, err)
	}
	firstTo := audience(r.w.pusher.take())
	in.Body = "hello again"
	again, created, err := r.w.svc.SendFromConnection(t.Context(), r.conns["a1"], in)
	if err != nil || created || again.ID != first.ID || again.Body != "hello" {
		t.Fatalf("resend = %s %q created %v, %v; want the first, not created", again.ID, again.Body, created, err)
	}
	got := r.w.pusher.take()
	if to := audience(got); !slices.Equal(to, firstTo) || got["a1"][0].message()["id"] != first.ID {
		t.Errorf("resend delivered to %v (%v), want the first delivery's %v with %s", to, got, firstTo, first.ID)
	}

	if err := r.w.svc.DeleteMessage(t.Context(), alice, r.c.ID, first.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	r.w.pusher.take()
	if _, _, err := r.w.svc.SendFromConnection(t.Context(), r.conns["a1"], in); err != nil {
		t.Fatalf("resend of a deleted message: %v", err)
	}
	if to := audience(r.w.pusher.take()); !slices.Equal(to, []string{"a1"}) {
		t.Errorf("resend of a deleted message delivered to %v, want a1 alone", to)
	}
}
