package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// newSupervisor creates a supervisor and signs them in; the privacy check
// then looks for their access token in the logs.
func newSupervisor(t *testing.T) *e2ekit.Person {
	t.Helper()
	p := deployment.people.NewSupervisor(t)
	remember("access token", p.Token)
	return p
}

// TestFeedsCarryWordsOnlyToThoseWhoMayReadThem holds two counsellors' feeds
// and a supervisor's open while the client of one counsellor writes, types
// and reads: the other counsellor's feed gets the queue's events (the claim,
// the close) and no message body, typing or read event of it; the
// assignee's and the supervisor's feeds get all of it.
func TestFeedsCarryWordsOnlyToThoseWhoMayReadThem(t *testing.T) {
	alex, sam, ren, kai := newPerson(t, false), newPerson(t, true), newPerson(t, true), newSupervisor(t)
	feeds := map[string]*client.Socket{"assignee": connect(t, sam, ""), "other": connect(t, ren, ""), "supervisor": connect(t, kai, "")}
	conv := startConversation(t, alex)
	if _, err := sam.Claim(e2ekit.Context(t, 10*time.Second), conv); err != nil {
		t.Fatalf("claim: %v", err)
	}
	sock := connect(t, alex, conv)
	body := say("only for those who may read it")
	m := send(t, alex, conv, "ntk-1", body)
	ctx := e2ekit.Context(t, 20*time.Second)
	for _, f := range []map[string]any{
		{"action": "typing", "conversationId": conv, "typing": true},
		{"action": "markRead", "conversationId": conv, "messageId": m.ID},
	} {
		if err := sock.Send(ctx, f); err != nil {
			t.Fatalf("send %v: %v", f, err)
		}
	}
	// The supervisor's feed has the read marker: every frame before it was
	// fanned out (each invocation delivers before it returns).
	for _, name := range []string{"assignee", "supervisor"} {
		if _, err := feeds[name].WaitType(ctx, chat.EventRead, func(f client.Frame) bool { return f.ConversationID == conv }); err != nil {
			t.Fatalf("the %s's feed never got the read marker: %v", name, err)
		}
	}
	if _, err := sam.Close(ctx, conv); err != nil {
		t.Fatalf("close: %v", err)
	}
	for name, f := range feeds {
		if _, err := f.WaitType(ctx, chat.EventConversationClosed, func(f client.Frame) bool {
			return f.Conversation != nil && f.Conversation.ID == conv
		}); err != nil {
			t.Fatalf("the %s's feed never got the close: %v", name, err)
		}
	}

	tests := []struct {
		feed      string
		wantWords bool
	}{
		{"assignee", true},
		{"supervisor", true},
		{"other", false},
	}
	for _, tt := range tests {
		t.Run(tt.feed, func(t *testing.T) {
			seen := map[string]bool{}
			for _, f := range feeds[tt.feed].Frames() {
				if f.ConversationID == conv || (f.Conversation != nil && f.Conversation.ID == conv) {
					seen[f.Type] = true
				}
				if strings.Contains(string(f.Raw), body) && !tt.wantWords {
					t.Errorf("the %s's feed got the message's words: %s", tt.feed, f.Raw)
				}
			}
			for _, typ := range []string{chat.EventMessageCreated, chat.EventTyping, chat.EventRead} {
				if seen[typ] != tt.wantWords {
					t.Errorf("the %s's feed got %s: %t, want %t", tt.feed, typ, seen[typ], tt.wantWords)
				}
			}
			for _, typ := range []string{chat.EventConversationUpdated, chat.EventConversationClosed} {
				if !seen[typ] {
					t.Errorf("the %s's feed did not get the queue event %s", tt.feed, typ)
				}
			}
		})
	}
}

// TestSupervisorReadingIsRecorded: a supervisor reads a conversation
// assigned to a counsellor; the audit trail holds conversation.viewed (who,
// which, never what) once however often they read within the hour.
func TestSupervisorReadingIsRecorded(t *testing.T) {
	alex, sam, kai := newPerson(t, false), newPerson(t, true), newSupervisor(t)
	conv := startConversation(t, alex)
	ctx := e2ekit.Context(t, 20*time.Second)
	if _, err := sam.Claim(ctx, conv); err != nil {
		t.Fatalf("claim: %v", err)
	}
	send(t, alex, conv, "v-1", say("read by a supervisor"))
	for range 3 {
		if got := history(t, kai, conv); len(got) != 1 {
			t.Fatalf("the supervisor reads %d messages, want 1", len(got))
		}
	}
	history(t, sam, conv) // the assignee's own reading is not recorded
	views := 0
	for _, e := range auditEntries(t, kai) {
		if e.Action == chat.AuditConversationViewed && e.Target == conv {
			views++
			if e.Actor != kai.UserID {
				t.Errorf("viewed by %s, want the supervisor %s", e.Actor, kai.UserID)
			}
		}
	}
	if views != 1 {
		t.Errorf("%d conversation.viewed entries for three readings within the hour, want 1", views)
	}
}

// auditEntries reads the audit trail of the last hour as p, every page.
func auditEntries(t *testing.T, p *e2ekit.Person) []chat.AuditEntry {
	t.Helper()
	ctx := e2ekit.Context(t, 20*time.Second)
	q := url.Values{"from": {time.Now().Add(-time.Hour).Format(time.RFC3339Nano)}, "limit": {"200"}}
	var out []chat.AuditEntry
	for range 50 {
		list, err := p.Audit(ctx, q)
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		out = append(out, list.Entries...)
		if list.NextCursor == nil {
			return out
		}
		q.Set("cursor", *list.NextCursor)
	}
	t.Fatal("the audit trail of the last hour has more than 50 pages")
	return nil
}
