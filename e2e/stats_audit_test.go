package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestStatsCountWhatHappened: the dashboard's counts move with what
// clients and counsellors do (by difference: other tests share the stack);
// clients may not see them.
func TestStatsCountWhatHappened(t *testing.T) {
	alice := newPerson(t, false) // waits for an answer
	bob := newPerson(t, false)   // answered
	carol := newPerson(t, false) // no message yet, then closed and rated
	sam := newPerson(t, true)
	ctx := e2ekit.Context(t, 30*time.Second)

	before := stats(t, sam)
	aliceConv := startConversation(t, alice)
	send(t, alice, aliceConv, "a-1", say("is anyone there"))
	bobConv := startConversation(t, bob)
	send(t, bob, bobConv, "b-1", say("hello"))
	send(t, sam, bobConv, "s-1", say("hello bob"))
	carolConv := startConversation(t, carol)

	opened := stats(t, sam)
	if d := opened.ActiveConversations - before.ActiveConversations; d != 3 {
		t.Errorf("active conversations went up by %d, want 3", d)
	}
	if d := opened.WaitingConversations - before.WaitingConversations; d != 1 {
		t.Errorf("waiting conversations went up by %d, want 1 (alice's)", d)
	}
	if opened.MedianFirstResponseSeconds == nil {
		t.Errorf("median first response is null after sam answered bob")
	}

	if _, err := sam.Close(ctx, carolConv); err != nil {
		t.Fatal(err)
	}
	closed := stats(t, sam)
	if d := closed.ActiveConversations - opened.ActiveConversations; d != -1 {
		t.Errorf("closing one session moved active conversations by %d, want -1", d)
	}
	if err := carol.Feedback(ctx, carolConv, 5, say("thank you")); err != nil {
		t.Fatal(err)
	}
	rated := stats(t, sam)
	if d := rated.Satisfaction.Count - closed.Satisfaction.Count; d != 1 || rated.Satisfaction.Average == nil {
		t.Errorf("satisfaction count moved by %d (average %v), want +1 with an average", d, rated.Satisfaction.Average)
	}

	_, err := alice.Stats(ctx)
	wantCode(t, "client reads stats", err, 403, "forbidden")
}

func stats(t *testing.T, staff *e2ekit.Person) chat.Stats {
	t.Helper()
	st, err := staff.Stats(e2ekit.Context(t, 10*time.Second))
	if err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	return st
}

// TestAuditRecordsSensitiveActionsWithoutText: every sensitive action of a
// session appears in the audit trail with who did it to what, and the trail
// never holds what was said; supervisors read it, clients and counsellors
// may not.
func TestAuditRecordsSensitiveActionsWithoutText(t *testing.T) {
	alice := newPerson(t, false)
	sam := newPerson(t, true)
	kai := newSupervisor(t)
	ctx := e2ekit.Context(t, 30*time.Second)

	conv, err := alice.CreateConversation(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	first, second := say("my first words"), say("my better words")
	m := send(t, alice, conv.ID, "a-1", first)
	if _, err := alice.Edit(ctx, conv.ID, m.ID, second); err != nil {
		t.Fatal(err)
	}
	if err := alice.DeleteMessage(ctx, conv.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SetRetention(ctx, conv.ID, chat.RetentionPermanent); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Claim(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Close(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.DeleteConversation(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}

	// Read the trail from the conversation's start, in small pages, the
	// raw answers too.
	from := conv.CreatedAt.Add(-time.Second).Format(time.RFC3339Nano)
	q := url.Values{"from": {from}, "limit": {"3"}}
	var entries []chat.AuditEntry
	for page := 0; page < 50; page++ {
		res, err := kai.Do(ctx, "GET", "/audit?"+q.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 {
			t.Fatalf("audit page %d: status %d %s", page+1, res.Status, res.Body)
		}
		for _, said := range []string{first, second} {
			if strings.Contains(string(res.Body), said) {
				t.Fatalf("the audit trail holds message text")
			}
		}
		var list chat.AuditList
		if err := json.Unmarshal(res.Body, &list); err != nil {
			t.Fatalf("decode audit page %d: %v", page+1, err)
		}
		entries = append(entries, list.Entries...)
		if list.NextCursor == nil {
			break
		}
		q.Set("cursor", *list.NextCursor)
	}

	// Each entry names its conversation (with its handle) and, for an edit
	// or delete, its message, apart from the raw target.
	h := chat.Handle(conv.ID)
	want := []chat.AuditEntry{
		{Actor: alice.UserID, Action: chat.AuditConversationCreated, Target: conv.ID, ConversationID: conv.ID, Handle: h},
		{Actor: alice.UserID, Action: chat.AuditMessageEdited, Target: conv.ID + "/" + m.ID, ConversationID: conv.ID, MessageID: m.ID, Handle: h},
		{Actor: alice.UserID, Action: chat.AuditMessageDeleted, Target: conv.ID + "/" + m.ID, ConversationID: conv.ID, MessageID: m.ID, Handle: h},
		{Actor: alice.UserID, Action: chat.AuditRetentionChanged, Target: conv.ID, ConversationID: conv.ID, Handle: h},
		{Actor: sam.UserID, Action: chat.AuditConversationClaimed, Target: conv.ID, ConversationID: conv.ID, Handle: h},
		{Actor: sam.UserID, Action: chat.AuditConversationClosed, Target: conv.ID, ConversationID: conv.ID, Handle: h},
		{Actor: alice.UserID, Action: chat.AuditUserDeleted, Target: conv.ID, ConversationID: conv.ID, Handle: h},
	}
	var got []chat.AuditEntry
	for _, e := range entries {
		if strings.HasPrefix(e.Target, conv.ID) {
			if e.At.IsZero() {
				t.Errorf("audit entry %+v has no time", e)
			}
			e.At = chat.Time{}
			got = append(got, e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("audit entries of the conversation:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("audit entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	_, err = alice.Audit(ctx, nil)
	wantCode(t, "client reads the audit trail", err, 403, "forbidden")
	_, err = sam.Audit(ctx, nil)
	wantCode(t, "a counsellor reads the audit trail", err, 403, "forbidden")
}
