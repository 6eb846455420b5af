package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// say returns a message body unique to the suite, and remembers it so the
// privacy check can make sure no log line holds it.
func say(text string) string {
	body := text + " " + e2ekit.UniqueName("")
	remember("message body", body)
	return body
}

// send posts a message as p over HTTP, failing the test on error. A
// counsellor claims a conversation waiting for one first: staff reply only
// in the conversations assigned to them.
func send(t *testing.T, p *e2ekit.Person, conversationID, clientMessageID, body string) chat.Message {
	t.Helper()
	if p.Staff {
		claimIfWaiting(t, p, conversationID)
	}
	m, status, err := p.Send(e2ekit.Context(t, 10*time.Second), conversationID, clientMessageID, body)
	if err != nil {
		t.Fatalf("%s sends %s: %v", p.Username, clientMessageID, err)
	}
	if status != 201 {
		t.Fatalf("%s sends %s: status %d, want 201", p.Username, clientMessageID, status)
	}
	return m
}

// claimIfWaiting has counsellor p claim a conversation nobody has claimed.
func claimIfWaiting(t *testing.T, p *e2ekit.Person, conversationID string) {
	t.Helper()
	ctx := e2ekit.Context(t, 10*time.Second)
	c, err := p.Conversation(ctx, conversationID)
	if err != nil {
		t.Fatalf("%s reads %s: %v", p.Username, conversationID, err)
	}
	if !c.Unassigned() {
		return
	}
	if _, err := p.Claim(ctx, conversationID); err != nil {
		t.Fatalf("%s claims %s: %v", p.Username, conversationID, err)
	}
}

// history returns every message of a conversation p may see (at most 100).
func history(t *testing.T, p *e2ekit.Person, conversationID string) []chat.Message {
	t.Helper()
	list, err := p.Messages(e2ekit.Context(t, 10*time.Second), conversationID, url.Values{"limit": {"100"}})
	if err != nil {
		t.Fatalf("%s reads the history of %s: %v", p.Username, conversationID, err)
	}
	return list.Messages
}

// rawMessages returns the history as p receives it, field by field, to
// check what a JSON object leaves out.
func rawMessages(t *testing.T, p *e2ekit.Person, conversationID string) []map[string]any {
	t.Helper()
	res, err := p.Do(e2ekit.Context(t, 10*time.Second), "GET", "/conversations/"+conversationID+"/messages?limit=100", nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("%s reads the history of %s: %v (status %d)", p.Username, conversationID, err, res.Status)
	}
	var out struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatalf("decode history: %v", err)
	}
	return out.Messages
}

// ids returns the ids of messages, in order.
func ids(ms []chat.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// unknownID returns a well-formed id that names nothing.
func unknownID() string { return ulid.Make().String() }

// nth waits for the n-th frame (from 1) of type typ ("": any) that match
// (nil: any) accepts, counting from the first frame the socket received.
func nth(ctx context.Context, s *client.Socket, n int, typ string, match func(client.Frame) bool) (client.Frame, error) {
	seen := 0
	return s.Wait(ctx, func(f client.Frame) bool {
		if (typ != "" && f.Type != typ) || (match != nil && !match(f)) {
			return false
		}
		seen++
		return seen == n
	})
}

// count returns how many frames received so far are of type typ and match
// (nil: any) accepts.
func count(s *client.Socket, typ string, match func(client.Frame) bool) int {
	n := 0
	for _, f := range s.Frames() {
		if f.Type == typ && (match == nil || match(f)) {
			n++
		}
	}
	return n
}

// ofConversation matches the frames about one conversation.
func ofConversation(id string) func(client.Frame) bool {
	return func(f client.Frame) bool {
		return f.ConversationID == id || (f.Conversation != nil && f.Conversation.ID == id) ||
			(f.Message != nil && f.Message.ConversationID == id)
	}
}

// withClientMessageID matches the message frames of one clientMessageId.
func withClientMessageID(cmid string) func(client.Frame) bool {
	return func(f client.Frame) bool { return f.Message != nil && f.Message.ClientMessageID == cmid }
}

// settle sends a message as p over its socket s and waits for the
// acknowledgement. Frames on one connection arrive in order, so every frame
// the server sent s before it has been received when settle returns: a test
// can then check that some frame never came.
func settle(t *testing.T, p *e2ekit.Person, s *client.Socket, conversationID string) {
	t.Helper()
	cmid := "settle-" + e2ekit.UniqueName("")
	if err := s.SendMessage(e2ekit.Context(t, e2ekit.Patience), conversationID, cmid, say("settle")); err != nil {
		t.Fatalf("%s sends a settling message: %v", p.Username, err)
	}
	if _, err := s.WaitType(e2ekit.Context(t, e2ekit.Patience), "message.created", withClientMessageID(cmid)); err != nil {
		var errs []string
		for _, f := range s.Frames() {
			if f.Type == "error" {
				errs = append(errs, string(f.Code))
			}
		}
		t.Fatalf("%s got no acknowledgement of its settling message: %v (error frames: %v)", p.Username, err, errs)
	}
}
