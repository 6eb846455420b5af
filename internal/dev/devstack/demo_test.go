package devstack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// TestSeedDemo: the demo makes, through the service, three conversations
// waiting for a counsellor (one a concern by screening), one claimed by a
// named counsellor with a short exchange, and one closed with a comment,
// all of made-up "demo-" clients; the stack a test starts has none of it.
func TestSeedDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Root: "../../..", Seed: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	kai := chat.Identity{Role: chat.RoleStaff, Supervisor: true}
	for _, a := range s.Accounts {
		if a.Username == "kai" {
			kai.UserID, kai.Username = a.UserID, a.Username
		}
	}
	list := func(status chat.Status) []chat.Conversation {
		l, err := s.App.Service.ListConversations(ctx, kai, chat.ListQuery{Status: status, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return l.Conversations
	}
	if n := len(list("")); n != 0 {
		t.Fatalf("a stack without -demo holds %d conversations, want none", n)
	}

	sum, err := s.SeedDemo(ctx)
	if err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	if sum != (DemoSummary{Waiting: 3, Claimed: 1, Closed: 1, Accounts: 6}) {
		t.Errorf("summary = %+v", sum)
	}
	var waiting, concern, claimed int
	for _, c := range list(chat.StatusActive) {
		switch {
		case c.Unassigned():
			waiting++
		case c.AssigneeName != nil && *c.AssigneeName == "Priya":
			claimed++
		}
		if c.Risk == chat.RiskConcern {
			concern++
		}
	}
	if waiting != 3 || claimed != 1 || concern != 1 {
		t.Errorf("active: %d waiting, %d claimed by Priya, %d concern; want 3, 1, 1", waiting, claimed, concern)
	}
	closed := list(chat.StatusClosed)
	if len(closed) != 1 {
		t.Fatalf("%d closed conversations, want 1", len(closed))
	}
	got, err := s.App.Service.GetConversation(ctx, kai, closed[0].ID)
	if err != nil || got.Feedback == nil || got.Feedback.Rating != 5 || got.Feedback.Comment == "" {
		t.Errorf("the closed conversation's feedback = %+v, %v; want a rating and a comment", got.Feedback, err)
	}
	for _, c := range append(list(chat.StatusActive), closed...) {
		msgs, err := s.App.Service.ListMessages(ctx, kai, c.ID, chat.MessageQuery{})
		if err != nil || len(msgs.Messages) == 0 {
			t.Errorf("conversation %s: %d messages, %v; want its words", c.ID, len(msgs.Messages), err)
		}
	}
	staff, err := s.App.Service.Staff(ctx, kai)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range staff {
		if m.DisplayName == "" {
			t.Errorf("%s has no display name", m.Username)
		}
		if m.Username != "sam" && m.Username != "kai" && !strings.HasPrefix(m.Username, demoPrefix) {
			t.Errorf("made-up counsellor %s is not labelled %s", m.Username, demoPrefix)
		}
	}
}
