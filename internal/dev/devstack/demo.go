package devstack

import (
	"context"
	"fmt"

	"github.com/confidechat/confide/internal/admin"
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

// demoConversation is a made-up client's conversation and its
// counsellor ("" for one waiting for a counsellor): a demo account or one
// of DemoAccounts.
type demoConversation struct {
	client, counsellor string
	admin.Script
}

// demoConversations are the demo's conversations: three waiting for a
// counsellor (the second's words are mild, but the safeguarding screening
// flags them as a concern), one claimed with a short exchange, one closed
// with feedback.
var demoConversations = []demoConversation{
	{client: demoPrefix + "robin", Script: admin.Script{Retention: chat.Retention24h, Lines: []admin.Line{
		{Body: "Hi. I'm not sure how this works. Is someone there?"},
	}}},
	{client: demoPrefix + "jo", Script: admin.Script{Retention: chat.Retention24h, Lines: []admin.Line{
		{Body: "Everything has been really hard lately and I feel so hopeless."},
	}}},
	{client: demoPrefix + "casey", Script: admin.Script{Retention: chat.Retention24h, Lines: []admin.Line{
		{Body: "I had an argument with my flatmate and I can't stop going over it in my head."},
	}}},
	{client: demoPrefix + "morgan", counsellor: demoPrefix + "priya", Script: admin.Script{Retention: chat.Retention24h, Claim: true, Lines: []admin.Line{
		{Body: "Hi, I've been feeling really anxious about my exams."},
		{Staff: true, Body: "Hi, I'm Priya. Thank you for reaching out. What has been on your mind about the exams?"},
		{Body: "Mostly that I'll let everyone down."},
	}}},
	{client: demoPrefix + "river", counsellor: "sam", Script: admin.Script{Retention: chat.RetentionPermanent, Claim: true, Close: true, Lines: []admin.Line{
		{Body: "I just needed to talk to someone tonight."},
		{Staff: true, Body: "I'm glad you did. I'm here, take your time."},
		{Body: "Thank you. I feel a bit calmer now."},
	}, Rating: 5, Comment: "Thank you, it really helped to talk it through."}},
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
		if _, err := admin.Play(ctx, svc, people[dc.client], people[dc.counsellor], dc.Script, fmt.Sprintf("demo-%d", i)); err != nil {
			return sum, fmt.Errorf("demo conversation of %s: %w", dc.client, err)
		}
		switch {
		case dc.Close:
			sum.Closed++
		case dc.Claim:
			sum.Claimed++
		default:
			sum.Waiting++
		}
	}
	return sum, nil
}
