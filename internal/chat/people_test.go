package chat_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// TestSetDisplayName: a member of staff chooses the name clients see; it
// is checked, trimmed, kept in the staff directory, returned by Me and
// audited without the name; clients may not choose one.
func TestSetDisplayName(t *testing.T) {
	tests := []struct {
		name     string
		who      chat.Identity
		in       string
		want     string
		wantCode chat.Code
	}{
		{"AFirstName", sam, "Sam", "Sam", ""},
		{"TrimmedAndFolded", sam, "  Mary   Ann  ", "Mary Ann", ""},
		{"AccentsApostrophesHyphensDots", sam, "Zoë O'Neil-Smith Jr.", "Zoë O'Neil-Smith Jr.", ""},
		{"FortyCharacters", sam, strings.Repeat("a", 40), strings.Repeat("a", 40), ""},
		{"FortyOneCharacters", sam, strings.Repeat("a", 41), "", chat.CodeBadRequest},
		{"Empty", sam, "   ", "", chat.CodeBadRequest},
		{"Digits", sam, "Sam 2", "", chat.CodeBadRequest},
		{"Markup", sam, "<b>Sam</b>", "", chat.CodeBadRequest},
		{"AnEmailAddress", sam, "sam@example.org", "", chat.CodeBadRequest},
		{"AClient", alice, "Alice", "", chat.CodeForbidden},
		{"ASupervisor", kai, "Kai", "Kai", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, chat.Limits{})
			before := w.auditCount(t)
			me, err := w.svc.SetDisplayName(t.Context(), tt.who, tt.in)
			if tt.wantCode != "" {
				wantError(t, err, tt.wantCode, "")
				if n := w.auditCount(t); n != before {
					t.Errorf("a refused name wrote %d audit entries", n-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if me.DisplayName != tt.want || me.UserID != tt.who.UserID {
				t.Errorf("SetDisplayName = %+v, want displayName %q", me, tt.want)
			}
			again, err := w.svc.Me(t.Context(), tt.who)
			if err != nil || again.DisplayName != tt.want {
				t.Errorf("Me afterwards = %+v, %v; want displayName %q", again, err, tt.want)
			}
			staff, err := w.svc.Staff(t.Context(), tt.who)
			if err != nil || len(staff) != 1 || staff[0].DisplayName != tt.want {
				t.Errorf("Staff = %+v, %v; want the name", staff, err)
			}
			page, _ := w.store.ListAudit(t.Context(), t0.Add(-time.Hour), w.clock.Now(), "", 100)
			last := page.Items[len(page.Items)-1]
			if last.Action != chat.AuditDisplayNameSet || last.Target != tt.who.UserID || last.Detail != "" || last.Actor != tt.who.UserID {
				t.Errorf("audit entry = %+v, want %s of %s without detail", last, chat.AuditDisplayNameSet, tt.who.UserID)
			}
		})
	}
}

// TestTheClientSeesWhoJoined: claiming and assigning stamp the assignee's
// display name at that moment on the conversation (null when they chose
// none); the client's connections get it in conversation.updated, and a
// later change of name does not rewrite it.
func TestTheClientSeesWhoJoined(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	if _, err := w.svc.Me(t.Context(), kim); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetDisplayName(t.Context(), sam, "Sam"); err != nil {
		t.Fatal(err)
	}
	c := w.open(t, alice, chat.Retention24h)
	w.connect(t, alice, "a1", c.ID)
	w.pusher.take()

	claimed, err := w.svc.Claim(t.Context(), sam, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if claimed.AssigneeName == nil || *claimed.AssigneeName != "Sam" {
		t.Fatalf("claimed assigneeName = %v, want Sam", claimed.AssigneeName)
	}
	frames := w.pusher.take()["a1"]
	if len(frames) != 1 || frames[0].Type != chat.EventConversationUpdated || frames[0].Conversation["assigneeName"] != "Sam" {
		t.Fatalf("the client got %+v, want conversation.updated with assigneeName Sam", frames)
	}
	if _, err := w.svc.SetDisplayName(t.Context(), sam, "Samuel"); err != nil {
		t.Fatal(err)
	}
	mine, err := w.svc.GetConversation(t.Context(), alice, c.ID)
	if err != nil || mine.AssigneeName == nil || *mine.AssigneeName != "Sam" {
		t.Errorf("the client's view after a rename = %v, %v; want the name at the claim", mine.AssigneeName, err)
	}

	if _, err := w.svc.Assign(t.Context(), kai, c.ID, kim.UserID); err != nil {
		t.Fatal(err)
	}
	frames = w.pusher.take()["a1"]
	if len(frames) != 1 || frames[0].Conversation["assigneeName"] != nil {
		t.Fatalf("after assigning to kim (no name), the client got %+v, want assigneeName null", frames)
	}
	if _, ok := frames[0].Conversation["assigneeName"]; !ok {
		t.Errorf("assigneeName is absent, want null")
	}
}

// TestStaffSeeFeedback: staff who may read a closed conversation see its
// rating and comment; the client's own view does not carry it; the stats
// list the newest comments of the conversations the caller may read,
// without the client's id.
func TestStaffSeeFeedback(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	rate := func(who chat.Identity, claimer chat.Identity, rating int, comment string) chat.Conversation {
		c := w.open(t, who, chat.Retention24h)
		w.send(t, who, c.ID, "hello")
		w.send(t, claimer, c.ID, "hello, I am here")
		if _, err := w.svc.Close(t.Context(), claimer, c.ID); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute)
		if err := w.svc.Feedback(t.Context(), who, c.ID, rating, comment); err != nil {
			t.Fatal(err)
		}
		return c
	}
	samsOld := rate(alice, sam, 4, "it helped")
	kims := rate(bob, kim, 2, "slow to answer")
	samsNew := rate(alice, sam, 5, "")

	got, err := w.svc.GetConversation(t.Context(), sam, samsOld.ID)
	if err != nil || got.Feedback == nil || got.Feedback.Rating != 4 || got.Feedback.Comment != "it helped" {
		t.Fatalf("sam's view = %+v, %v; want feedback 4 \"it helped\"", got.Feedback, err)
	}
	if got, _ := w.svc.GetConversation(t.Context(), sam, samsNew.ID); got.Feedback == nil || got.Feedback.Rating != 5 || got.Feedback.Comment != "" {
		t.Errorf("a rating without a comment = %+v, want rating 5 alone", got.Feedback)
	}
	if got, _ := w.svc.GetConversation(t.Context(), alice, samsOld.ID); got.Feedback != nil {
		t.Errorf("the client's own view carries %+v, want no feedback", got.Feedback)
	}

	tests := []struct {
		name string
		who  chat.Identity
		want []string // conversation ids, newest first
	}{
		{"ASupervisorSeesAll", kai, []string{kims.ID, samsOld.ID}},
		{"ACounsellorSeesTheirs", sam, []string{samsOld.ID}},
		{"AnotherCounsellorSeesTheirs", kim, []string{kims.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := w.svc.Stats(t.Context(), tt.who)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range st.RecentFeedback {
				ids = append(ids, f.ConversationID)
				if f.Comment == "" || f.Rating == 0 || f.At.IsZero() || f.Handle != chat.Handle(f.ConversationID) {
					t.Errorf("entry %+v is incomplete", f)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("recentFeedback = %v, want %v", ids, tt.want)
			}
			b, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			raw := string(b)
			for _, client := range []string{alice.UserID, bob.UserID} {
				if strings.Contains(raw, client) {
					t.Errorf("the stats name client %s: %s", client, raw)
				}
			}
		})
	}
}

// TestHandlesAndHistory: staff views carry the conversation's handle (the
// same every time, in no client view); a staff read of one conversation
// lists the same client's other permanent conversations the caller may
// see, newest first.
func TestHandlesAndHistory(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	// Alice's earlier conversations, an hour apart: permanent with sam, 24h
	// unanswered, permanent with kim.
	var earlier []chat.Conversation
	for _, e := range []struct {
		r     chat.Retention
		staff *chat.Identity
	}{{chat.RetentionPermanent, &sam}, {chat.Retention24h, nil}, {chat.RetentionPermanent, &kim}} {
		c := w.open(t, alice, e.r)
		if e.staff != nil {
			w.send(t, alice, c.ID, "hello")
			w.send(t, *e.staff, c.ID, "welcome")
		}
		w.close(t, c.ID)
		w.clock.Advance(time.Hour)
		earlier = append(earlier, c)
	}
	perm1, perm2 := earlier[0], earlier[2]
	now := w.open(t, alice, chat.Retention24h)
	w.open(t, bob, chat.RetentionPermanent)

	if h := chat.Handle(now.ID); h == "" || h != chat.Handle(now.ID) || len(strings.Fields(h)) != 2 {
		t.Fatalf("Handle = %q, want two words, the same every time", h)
	}
	tests := []struct {
		name string
		who  chat.Identity
		want []string
	}{
		{"ASupervisorSeesEveryPermanentOne", kai, []string{perm2.ID, perm1.ID}},
		{"ACounsellorSeesTheOnesTheyMayRead", sam, []string{perm1.ID}},
		{"TheOtherCounsellorTheirs", kim, []string{perm2.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.svc.GetConversation(t.Context(), tt.who, now.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Handle != chat.Handle(now.ID) {
				t.Errorf("handle = %q, want %q", got.Handle, chat.Handle(now.ID))
			}
			var ids []string
			for _, h := range got.History {
				ids = append(ids, h.ID)
				if h.Handle != chat.Handle(h.ID) || h.ClosedAt == nil {
					t.Errorf("history entry %+v: want its handle and when it closed", h)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("history = %v, want %v", ids, tt.want)
			}
		})
	}
	mine, err := w.svc.GetConversation(t.Context(), alice, now.ID)
	if err != nil || mine.Handle != "" || mine.History != nil {
		t.Errorf("the client's view = handle %q, history %v (%v); want neither", mine.Handle, mine.History, err)
	}
}

// TestAuditNamesConversationAndMessage: audit entries name the
// conversation an action was about (with its handle) and, for an edit or
// delete, the message, apart from the raw target.
func TestAuditNamesConversationAndMessage(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	c := w.open(t, alice, chat.Retention24h)
	m := w.send(t, alice, c.ID, "helo")
	if _, err := w.svc.EditMessage(t.Context(), alice, c.ID, m.ID, "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetDisplayName(t.Context(), sam, "Sam"); err != nil {
		t.Fatal(err)
	}
	list, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		chat.AuditConversationCreated: {c.ID, ""},
		chat.AuditMessageEdited:       {c.ID, m.ID},
		chat.AuditDisplayNameSet:      {"", ""},
	}
	for _, e := range list.Entries {
		w, ok := want[e.Action]
		if !ok {
			continue
		}
		delete(want, e.Action)
		if e.ConversationID != w[0] || e.MessageID != w[1] {
			t.Errorf("%s: conversationId %q messageId %q, want %q %q", e.Action, e.ConversationID, e.MessageID, w[0], w[1])
		}
		if wantHandle := chat.Handle(w[0]); e.Handle != wantHandle {
			t.Errorf("%s: handle %q, want %q", e.Action, e.Handle, wantHandle)
		}
	}
	if len(want) != 0 {
		t.Errorf("entries missing: %v", want)
	}
}
