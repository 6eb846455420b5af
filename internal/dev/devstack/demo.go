package devstack

import (
	"context"
	"fmt"

	"github.com/confidechat/confide/internal/chat"
)

// The demo (devstack -demo, which make dev turns on): a few made-up clients
// and counsellors, and their conversations, so that a newcomer opening the
// dashboard sees the product at work. Everything is made through the
// service, as the functions make it (no table writes), and every made-up
// account's username starts with "demo-". Tests never seed it.

// demoPrefix starts the username of every made-up demo account.
const demoPrefix = "demo-"

// demoStaff are the made-up counsellors, with the names clients see.
var demoStaff = []struct{ username, displayName string }{
	{demoPrefix + "priya", "Priya"},
}

// demoLine is one message of a demo conversation: from the client, or
// from its counsellor.
type demoLine struct {
	staff bool
	body  string
}

// demoConversation is a made-up client's conversation: waiting for a
// counsellor (no counsellor), claimed by one, or closed with feedback.
type demoConversation struct {
	client    string
	retention chat.Retention
	// counsellor claims it ("" leaves it waiting); it is a demo account or
	// one of DemoAccounts.
	counsellor string
	lines      []demoLine
	// rating, when set, closes it and gives this feedback.
	rating  int
	comment string
}

// demoConversations are the demo's conversations. The second one's words
// are mild, but the safeguarding screening flags them as a concern.
var demoConversations = []demoConversation{
	{client: demoPrefix + "robin", retention: chat.Retention24h, lines: []demoLine{
		{body: "Hi. I'm not sure how this works. Is someone there?"},
	}},
	{client: demoPrefix + "jo", retention: chat.Retention24h, lines: []demoLine{
		{body: "Everything has been really hard lately and I feel so hopeless."},
	}},
	{client: demoPrefix + "casey", retention: chat.Retention24h, lines: []demoLine{
		{body: "I had an argument with my flatmate and I can't stop going over it in my head."},
	}},
	{client: demoPrefix + "morgan", retention: chat.Retention24h, counsellor: demoPrefix + "priya", lines: []demoLine{
		{body: "Hi, I've been feeling really anxious about my exams."},
		{staff: true, body: "Hi, I'm Priya. Thank you for reaching out. What has been on your mind about the exams?"},
		{body: "Mostly that I'll let everyone down."},
	}},
	{client: demoPrefix + "river", retention: chat.RetentionPermanent, counsellor: "sam", lines: []demoLine{
		{body: "I just needed to talk to someone tonight."},
		{staff: true, body: "I'm glad you did. I'm here, take your time."},
		{body: "Thank you. I feel a bit calmer now."},
	}, rating: 5, comment: "Thank you, it really helped to talk it through."},
}

// DemoSummary says what SeedDemo made.
type DemoSummary struct {
	// Waiting, Claimed and Closed count the demo conversations in each state.
	Waiting, Claimed, Closed int
	// Accounts counts the made-up accounts.
	Accounts int
}

// SeedDemo makes the demo: the made-up accounts in cognito-local, display
// names for the counsellors (sam is "Sam", kai "Kai"), and the demo
// conversations, through the chat service. It needs the seeded demo
// accounts (Options.Seed).
func (s *Stack) SeedDemo(ctx context.Context) (DemoSummary, error) {
	var sum DemoSummary
	if s.Cognito == nil {
		return sum, fmt.Errorf("demo: the demo needs the local Cognito")
	}
	people := map[string]chat.Identity{}
	for _, a := range s.Accounts {
		id := chat.Identity{UserID: a.UserID, Username: a.Username, Role: chat.RoleClient}
		if a.Role != "client" {
			id.Role, id.Supervisor = chat.RoleStaff, a.Role == "supervisor"
		}
		people[a.Username] = id
	}
	if _, ok := people["sam"]; !ok {
		return sum, fmt.Errorf("demo: the demo accounts are not seeded")
	}
	add := func(username string, staff bool) error {
		sub, err := s.Cognito.CreateUser(ctx, username, "Confide-demo-"+username, staff)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", username, err)
		}
		id := chat.Identity{UserID: sub, Username: username, Role: chat.RoleClient}
		if staff {
			id.Role = chat.RoleStaff
		}
		people[username] = id
		sum.Accounts++
		return nil
	}
	svc := s.App.Service
	names := map[string]string{"sam": "Sam", "kai": "Kai"}
	for _, m := range demoStaff {
		if err := add(m.username, true); err != nil {
			return sum, err
		}
		names[m.username] = m.displayName
	}
	for username, name := range names {
		if _, err := svc.SetDisplayName(ctx, people[username], name); err != nil {
			return sum, fmt.Errorf("demo: name %s: %w", username, err)
		}
	}
	for i, dc := range demoConversations {
		if err := add(dc.client, false); err != nil {
			return sum, err
		}
		client, counsellor := people[dc.client], people[dc.counsellor]
		c, err := svc.CreateConversation(ctx, client, dc.retention)
		if err != nil {
			return sum, fmt.Errorf("demo conversation of %s: %w", dc.client, err)
		}
		if dc.counsellor != "" {
			if _, err := svc.Claim(ctx, counsellor, c.ID); err != nil {
				return sum, fmt.Errorf("demo claim by %s: %w", dc.counsellor, err)
			}
		}
		for j, l := range dc.lines {
			who := client
			if l.staff {
				who = counsellor
			}
			in := chat.SendInput{ConversationID: c.ID, ClientMessageID: fmt.Sprintf("demo-%d-%d", i, j), Body: l.body}
			if _, _, err := svc.SendMessage(ctx, who, in); err != nil {
				return sum, fmt.Errorf("demo message of %s: %w", who.Username, err)
			}
		}
		switch {
		case dc.rating > 0:
			if _, err := svc.Close(ctx, counsellor, c.ID); err != nil {
				return sum, fmt.Errorf("demo close: %w", err)
			}
			if err := svc.Feedback(ctx, client, c.ID, dc.rating, dc.comment); err != nil {
				return sum, fmt.Errorf("demo feedback: %w", err)
			}
			sum.Closed++
		case dc.counsellor != "":
			sum.Claimed++
		default:
			sum.Waiting++
		}
	}
	return sum, nil
}
