package chat_test

import (
	"slices"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// TestAssign: a supervisor assigns a conversation to a counsellor in the
// staff directory; the new assignee may then read it and the previous one
// no longer; everyone watching is told; the assignment is audited.
func TestAssign(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	for _, who := range []chat.Identity{sam, kim} {
		if _, err := w.svc.Me(t.Context(), who); err != nil { // enters the directory
			t.Fatal(err)
		}
	}
	if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
		t.Fatal(err)
	}
	feed := w.connect(t, kim, "feed-kim", "")
	w.pusher.take()

	tests := []struct {
		name    string
		caller  chat.Identity
		to      string
		code    chat.Code
		message string
	}{
		{"ByACounsellor", sam, kim.UserID, chat.CodeForbidden, "Only a supervisor can assign a conversation."},
		{"ToNobody", kai, "", chat.CodeBadRequest, "to must name the counsellor (their user id)."},
		{"ToSomeoneNotInTheDirectory", kai, "stranger", chat.CodeBadRequest, "to must be a counsellor who has signed in to the dashboard."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.svc.Assign(t.Context(), tt.caller, c.ID, tt.to)
			wantError(t, err, tt.code, tt.message)
		})
	}

	got, err := w.svc.Assign(t.Context(), kai, c.ID, kim.UserID)
	if err != nil || !got.AssignedTo(kim.UserID) {
		t.Fatalf("Assign = %+v, %v; want assigned to kim", got, err)
	}
	if _, err := w.svc.ListMessages(t.Context(), kim, c.ID, chat.MessageQuery{}); err != nil {
		t.Errorf("the new assignee reads: %v", err)
	}
	_, err = w.svc.ListMessages(t.Context(), sam, c.ID, chat.MessageQuery{})
	wantError(t, err, chat.CodeForbidden, "This conversation is assigned to a colleague; only they and a supervisor can read it.")
	if frames := w.pusher.take()[feed.ID]; len(frames) != 1 || frames[0].Type != chat.EventConversationUpdated {
		t.Errorf("kim's feed got %+v, want conversation.updated", frames)
	}
	audit, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(audit.Entries, func(e chat.AuditEntry) bool {
		return e.Action == chat.AuditConversationAssigned && e.Actor == kai.UserID && e.Target == c.ID+"/"+kim.UserID
	}) {
		t.Errorf("audit %+v holds no assignment by kai", audit.Entries)
	}
}

// TestSupervisorReadingIsNotedOnceAnHour: a supervisor's reading of a
// conversation not assigned to them is audited as conversation.viewed, at
// most once an hour; the assignee's own reading, and a supervisor reading
// their own, are not.
func TestSupervisorReadingIsNotedOnceAnHour(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
		t.Fatal(err)
	}
	views := func() int {
		t.Helper()
		list, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{From: t0.Add(-time.Hour), To: w.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range list.Entries {
			if e.Action == chat.AuditConversationViewed && e.Target == c.ID && e.Actor == kai.UserID {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name   string
		reader chat.Identity
		after  time.Duration
		want   int
	}{
		{"TheAssigneeReads", sam, 0, 0},
		{"TheSupervisorReads", kai, 0, 1},
		{"AgainWithinTheHour", kai, 10 * time.Minute, 1},
		{"TheNextHour", kai, time.Hour, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			w.clock.Advance(st.after)
			if _, err := w.svc.ListMessages(t.Context(), st.reader, c.ID, chat.MessageQuery{}); err != nil {
				t.Fatal(err)
			}
			if got := views(); got != st.want {
				t.Errorf("conversation.viewed entries = %d, want %d", got, st.want)
			}
		})
	}
}

// TestClosingAnUnclaimedOneMakesItTheClosers: staff who close a
// conversation nobody claimed have handled it, and can still read it; the
// retention sweep's closing assigns it to no one.
func TestClosingAnUnclaimedOneMakesItTheClosers(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	got, err := w.svc.Close(t.Context(), sam, c.ID)
	if err != nil || !got.AssignedTo(sam.UserID) {
		t.Fatalf("Close = %+v, %v; want closed and sam's", got, err)
	}
	if _, err := w.svc.ListMessages(t.Context(), sam, c.ID, chat.MessageQuery{}); err != nil {
		t.Errorf("the closer reads it afterwards: %v", err)
	}
	_, err = w.svc.ListMessages(t.Context(), kim, c.ID, chat.MessageQuery{})
	wantError(t, err, chat.CodeForbidden, "This conversation is assigned to a colleague; only they and a supervisor can read it.")
}

// TestUnreadCountsOnlyWhatTheCallerMayRead: the queue shows every active
// conversation to every counsellor, but its unread count only to those who
// may read it (a colleague's stays 0, so no total or alert follows words
// they cannot see).
func TestUnreadCountsOnlyWhatTheCallerMayRead(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
		t.Fatal(err)
	}
	w.send(t, alice, c.ID, "are you there?")
	tests := []struct {
		name   string
		caller chat.Identity
		want   int
	}{
		{"TheAssignee", sam, 1},
		{"ASupervisor", kai, 1},
		{"AColleague", kim, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.svc.GetConversation(t.Context(), tt.caller, c.ID)
			if err != nil || got.Unread != tt.want {
				t.Errorf("GetConversation unread = %d, %v; want %d", got.Unread, err, tt.want)
			}
			list, err := w.svc.ListConversations(t.Context(), tt.caller, chat.ListQuery{})
			if err != nil || len(list.Conversations) != 1 || list.Conversations[0].Unread != tt.want {
				t.Errorf("ListConversations = %+v, %v; want it with unread %d", list.Conversations, err, tt.want)
			}
		})
	}
}

// TestWaitingSinceShowsStaffHowLongSomeoneWaits: staff see since when the
// client's first unanswered message waits, without reading it (writing
// again does not restart the wait); an answer ends it, and the next client
// message starts a new one; clients never see the field.
func TestWaitingSinceShowsStaffHowLongSomeoneWaits(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
		t.Fatal(err)
	}
	sent := w.send(t, alice, c.ID, "hello?")
	var again chat.Message
	steps := []struct {
		name   string
		caller chat.Identity
		do     func()
		want   func() *chat.Time
	}{
		{"AColleagueSeesTheWait", kim, nil, func() *chat.Time { return &sent.CreatedAt }},
		{"WritingAgainKeepsItsStart", kim, func() { w.clock.Advance(time.Minute); w.send(t, alice, c.ID, "hello??") },
			func() *chat.Time { return &sent.CreatedAt }},
		{"TheClientDoesNot", alice, nil, func() *chat.Time { return nil }},
		{"AnAnswerEndsIt", kim, func() { w.send(t, sam, c.ID, "I'm here") }, func() *chat.Time { return nil }},
		{"TheNextMessageStartsANewWait", kim, func() { w.clock.Advance(time.Minute); again = w.send(t, alice, c.ID, "thanks") },
			func() *chat.Time { return &again.CreatedAt }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.do != nil {
				st.do()
			}
			got, err := w.svc.GetConversation(t.Context(), st.caller, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := st.want()
			if (got.WaitingSince == nil) != (want == nil) || (want != nil && !got.WaitingSince.Equal(want.Time)) {
				t.Errorf("waitingSince = %v, want %v", got.WaitingSince, want)
			}
		})
	}
}
