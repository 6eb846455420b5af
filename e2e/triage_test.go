package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestTheUrgentOneIsAnsweredFirst: three clients wait, the last to arrive
// writes an urgent message. The supervisor's feed hears at once that its
// conversation became urgent; the queue lists it first; the audit trail
// holds the level change without the words (and the suite's log check,
// TestMain, finds no message text in any log).
func TestTheUrgentOneIsAnsweredFirst(t *testing.T) {
	kai := newSupervisor(t)
	feed := connect(t, kai, "")
	var (
		convs  []string
		sentAt time.Time
	)
	for i, body := range []string{say("hello, is anyone there?"), say("can I talk to someone"), "I have the rope ready " + say("")} {
		p := newPerson(t, false)
		id := startConversation(t, p)
		if i == 2 {
			remember("message body", body)
		}
		send(t, p, id, "t-1", body)
		sentAt = time.Now()
		convs = append(convs, id)
	}
	urgent := convs[2]
	ctx := e2ekit.Context(t, e2ekit.Patience)
	f, err := feed.WaitType(ctx, chat.EventConversationUpdated, func(f client.Frame) bool {
		return f.Conversation != nil && f.Conversation.ID == urgent && f.Conversation.Risk == chat.RiskUrgent
	})
	if err != nil {
		t.Fatalf("the supervisor's feed never heard the conversation became urgent: %v", err)
	}
	if f.Conversation.RiskCategory == "" || f.Conversation.RiskAt == nil {
		t.Errorf("the urgent conversation says no category or time: %+v", f.Conversation)
	}
	// Measured, not asserted (no wall-clock budgets in make test).
	t.Logf("urgent on the supervisor's feed %v after the message was stored", f.At.Sub(sentAt).Round(time.Millisecond))

	res, err := kai.Do(ctx, "GET", "/queue", nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("GET /queue: %d, %v", res.Status, err)
	}
	var q struct {
		Conversations []chat.Conversation `json:"conversations"`
	}
	if err := json.Unmarshal(res.Body, &q); err != nil {
		t.Fatal(err)
	}
	if len(q.Conversations) == 0 || q.Conversations[0].ID != urgent {
		t.Fatalf("the queue starts with %+v, want the urgent conversation %s", q.Conversations[:min(len(q.Conversations), 1)], urgent)
	}
	pos := map[string]int{}
	for i, c := range q.Conversations {
		pos[c.ID] = i
	}
	if !(pos[convs[0]] < pos[convs[1]]) {
		t.Errorf("after the urgent one the queue should follow who waited longest: %s at %d, %s at %d", convs[0], pos[convs[0]], convs[1], pos[convs[1]])
	}

	for _, e := range auditEntries(t, kai) {
		if e.Target == urgent && e.Action == chat.AuditRiskChanged {
			if !strings.HasPrefix(e.Detail, "urgent ") || strings.Contains(e.Detail, "rope") {
				t.Errorf("risk audit entry %+v: want the level and category, no words", e)
			}
			return
		}
	}
	t.Errorf("the audit trail holds no %s for %s", chat.AuditRiskChanged, urgent)
}
