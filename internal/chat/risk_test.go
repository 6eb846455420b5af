package chat_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/triage"
)

// screeningWorld is a world whose service screens client messages with the
// shipped rules.
func screeningWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, chat.Limits{})
	w.svc = chat.NewService(chat.Options{
		Store: w.store, Pusher: w.pusher, Now: w.clock.Now, TokenNow: w.tokens.Now,
		Logger: slog.New(slog.DiscardHandler), Screener: triage.ForChat(triage.Default()),
	})
	return w
}

// TestScreeningRaisesTheRisk: a client's message or edit raises the
// conversation's risk to what the screening finds, never lowers it; staff
// messages are not screened; the audit holds the level and category, never
// the words; the queue hears of it; clients never see it.
func TestScreeningRaisesTheRisk(t *testing.T) {
	w := screeningWorld(t)
	c := w.open(t, alice, chat.Retention24h)
	feed := w.connect(t, kai, "feed-kai", "")
	own := w.connect(t, alice, "alice-conn", c.ID)
	steps := []struct {
		name     string
		who      chat.Identity
		body     string
		edit     bool
		want     chat.RiskLevel
		category string
		updated  bool
	}{
		{"OrdinarySpeech", alice, "this homework is killing me", false, "", "", false},
		{"StaffWordsAreNotScreened", sam, "have you taken all your tablets?", false, "", "", false},
		{"Concern", alice, "I cut myself again last night", false, chat.RiskConcern, "self-harm", true},
		{"Urgent", alice, "I've taken all my tablets", false, chat.RiskUrgent, "act", true},
		{"NeverLowered", alice, "thanks for listening", false, chat.RiskUrgent, "act", false},
		{"AnEditIsScreenedToo", alice, "i have the rope", true, chat.RiskUrgent, "act", false},
	}
	var last chat.Message
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			w.pusher.take()
			if st.edit {
				if _, err := w.svc.EditMessage(t.Context(), st.who, c.ID, last.ID, st.body); err != nil {
					t.Fatal(err)
				}
			} else {
				last = w.send(t, st.who, c.ID, st.body)
			}
			got, err := w.svc.GetConversation(t.Context(), kai, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Risk != st.want || got.RiskCategory != st.category {
				t.Errorf("risk %q (%q), want %q (%q)", got.Risk, got.RiskCategory, st.want, st.category)
			}
			sent := w.pusher.take()
			updated := false
			for _, f := range sent[feed.ID] {
				if f.Type == chat.EventConversationUpdated && f.Conversation["risk"] == string(st.want) {
					updated = true
				}
			}
			if updated != st.updated {
				t.Errorf("the supervisor's feed got conversation.updated with the risk: %t, want %t", updated, st.updated)
			}
			for _, f := range sent[own.ID] {
				if f.Conversation != nil && f.Conversation["risk"] != nil {
					t.Errorf("the client's connection was told the risk: %+v", f)
				}
			}
			mine, err := w.svc.GetConversation(t.Context(), alice, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(mine); strings.Contains(string(b), "risk") {
				t.Errorf("the client's view holds the risk: %s", b)
			}
		})
	}
	audit, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{From: t0.Add(-time.Hour), To: w.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range audit.Entries {
		if e.Action == chat.AuditRiskChanged {
			details = append(details, e.Detail)
			if strings.Contains(e.Detail, "tablets") || strings.Contains(e.Detail, "cut") {
				t.Errorf("the audit holds words: %+v", e)
			}
		}
	}
	if want := []string{"concern self-harm", "urgent act"}; strings.Join(details, "|") != strings.Join(want, "|") {
		t.Errorf("risk audit details = %q, want %q", details, want)
	}
}

// TestSetRiskByHand: staff who may read a conversation set its level with a
// reason code (audited, no words); anything else is refused, exactly.
func TestSetRiskByHand(t *testing.T) {
	w := screeningWorld(t)
	c := w.open(t, alice, chat.Retention24h)
	if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		caller  chat.Identity
		level   chat.RiskLevel
		reason  string
		code    chat.Code
		message string
	}{
		{"ByTheClient", alice, chat.RiskNone, "risk-resolved", chat.CodeForbidden, "Only counsellors can set a conversation's risk."},
		{"ByAColleague", kim, chat.RiskUrgent, "disclosed-to-counsellor", chat.CodeForbidden, ""},
		{"UnknownLevel", sam, "severe", "risk-resolved", chat.CodeBadRequest, ""},
		{"FreeTextReason", sam, chat.RiskUrgent, "she told me about her plan", chat.CodeBadRequest, ""},
		{"ByTheAssignee", sam, chat.RiskUrgent, "disclosed-to-counsellor", "", ""},
		{"LoweredByASupervisor", kai, chat.RiskConcern, "risk-resolved", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.svc.SetRisk(t.Context(), tt.caller, c.ID, tt.level, tt.reason)
			if tt.code != "" {
				wantError(t, err, tt.code, tt.message)
				return
			}
			if err != nil || got.Risk != tt.level {
				t.Fatalf("SetRisk = %+v, %v; want level %s", got, err, tt.level)
			}
		})
	}
	audit, err := w.svc.Audit(t.Context(), kai, chat.AuditQuery{From: t0.Add(-time.Hour), To: w.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range audit.Entries {
		if e.Action == chat.AuditRiskChanged {
			got = append(got, e.Actor+" "+e.Detail)
		}
	}
	if want := []string{"sam-sub urgent disclosed-to-counsellor", "kai-sub concern risk-resolved"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

// TestQueueOrdersByRiskThenWaiting: urgent first, then concern, then the
// rest; within a level the longest waiting first, counted from the first
// unanswered message (a client who writes again keeps their place), and
// conversations whose client has an answer after those who wait.
func TestQueueOrdersByRiskThenWaiting(t *testing.T) {
	w := screeningWorld(t)
	eve := chat.Identity{UserID: "eve-sub", Username: "eve", Role: chat.RoleClient}
	clients := []chat.Identity{eve, alice, bob, {UserID: "cleo-sub", Username: "cleo", Role: chat.RoleClient}, {UserID: "dan-sub", Username: "dan", Role: chat.RoleClient}}
	bodies := []string{"can we talk?", "hello, is anyone there?", "I feel hopeless, nothing will ever get better", "hi", "I'm going to end it tonight"}
	ids := make([]string, len(clients))
	for i, who := range clients {
		c := w.open(t, who, chat.Retention24h)
		ids[i] = c.ID
		w.send(t, who, c.ID, bodies[i])
		w.clock.Advance(time.Minute)
	}
	// Eve, the first to write, has had an answer; Alice writes again.
	if _, err := w.svc.Claim(t.Context(), kim, ids[0]); err != nil {
		t.Fatal(err)
	}
	w.send(t, kim, ids[0], "I'm here. What's on your mind?")
	w.send(t, alice, ids[1], "please, I need to talk to someone")
	q, err := w.svc.Queue(t.Context(), kim)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range q {
		got = append(got, c.ID)
	}
	want := []string{ids[4], ids[2], ids[1], ids[3], ids[0]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("queue = %v, want urgent %s, concern %s, then the longest waiting %s (who wrote again), %s, then the answered %s",
			got, ids[4], ids[2], ids[1], ids[3], ids[0])
	}
	_, err = w.svc.Queue(t.Context(), alice)
	wantError(t, err, chat.CodeForbidden, "")
}

// TestStatsMeasureUrgentToClaim: how long urgent conversations waited for a
// claim, median and 90th percentile; one still waiting counts with its wait
// so far.
func TestStatsMeasureUrgentToClaim(t *testing.T) {
	w := screeningWorld(t)
	waits := []time.Duration{time.Minute, 3 * time.Minute, 10 * time.Minute}
	for i, d := range waits {
		who := chat.Identity{UserID: "client-" + string(rune('a'+i)), Role: chat.RoleClient}
		c := w.open(t, who, chat.Retention24h)
		w.send(t, who, c.ID, "I have the pills in my hand")
		w.clock.Advance(d)
		if _, err := w.svc.Claim(t.Context(), sam, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	still := chat.Identity{UserID: "client-z", Role: chat.RoleClient}
	c := w.open(t, still, chat.Retention24h)
	w.send(t, still, c.ID, "I'm going to jump")
	w.clock.Advance(20 * time.Minute)
	st, err := w.svc.Stats(t.Context(), sam)
	if err != nil {
		t.Fatal(err)
	}
	u := st.UrgentToClaim
	if u.Count != 4 || st.UrgentWaiting != 1 || u.MedianSeconds == nil || u.P90Seconds == nil {
		t.Fatalf("urgent to claim = %+v, waiting %d; want 4 measured, 1 waiting", u, st.UrgentWaiting)
	}
	// Waits: 1, 3, 10 (claimed) and 20 minutes so far.
	if *u.MedianSeconds != 6.5*60 || *u.P90Seconds != 20*60 {
		t.Errorf("median %v s, p90 %v s; want 390 and 1200", *u.MedianSeconds, *u.P90Seconds)
	}
}

// alerts records the conversations an Alerter is told of.
type alerts struct{ ids []string }

func (a *alerts) Urgent(_ context.Context, id string) error {
	a.ids = append(a.ids, id)
	return nil
}

// TestUrgentWhileWaitingAlertsOutside: a conversation that becomes urgent
// while it waits for a counsellor is told to the alerter once (its id
// only); one already with a counsellor is not (its counsellor is reading).
func TestUrgentWhileWaitingAlertsOutside(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	told := &alerts{}
	w.svc = chat.NewService(chat.Options{
		Store: w.store, Pusher: w.pusher, Now: w.clock.Now, TokenNow: w.tokens.Now,
		Logger: slog.New(slog.DiscardHandler), Screener: triage.ForChat(triage.Default()), Alerter: told,
	})
	waiting := w.open(t, alice, chat.Retention24h)
	claimed := w.open(t, bob, chat.Retention24h)
	if _, err := w.svc.Claim(t.Context(), sam, claimed.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who chat.Identity
		id  string
	}{{alice, waiting.ID}, {alice, waiting.ID}, {bob, claimed.ID}} {
		w.send(t, c.who, c.id, "I'm going to end it tonight")
	}
	if len(told.ids) != 1 || told.ids[0] != waiting.ID {
		t.Errorf("alerted %v, want the waiting conversation %s once", told.ids, waiting.ID)
	}
}
