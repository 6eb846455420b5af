package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/confidechat/confide/internal/chat"
)

// DemoUser is an account Seed creates when it is missing.
type DemoUser struct {
	Username, Password string
	Staff              bool
}

// DemoUsers are the accounts of the demo data. An existing account is used
// as it is (its password is not reset).
var DemoUsers = []DemoUser{
	{Username: "alex", Password: "Confide-demo-client-1"},
	{Username: "jordan", Password: "Confide-demo-client-2"},
	{Username: "riley", Password: "Confide-demo-client-3"},
	{Username: "sam", Password: "Confide-demo-staff-1", Staff: true},
}

// Line is one message of a scripted conversation: the client's, or (Staff)
// its counsellor's.
type Line struct {
	Staff bool
	Body  string
}

// Script is a conversation to play through the service, as its client and
// counsellor would: Claim has the counsellor claim it before the first line
// (staff reply only once they have), Close closes it after the last, and a
// Rating (with its Comment) is the client's feedback once it closed.
type Script struct {
	Retention    chat.Retention
	Claim, Close bool
	Lines        []Line
	Rating       int
	Comment      string
}

// Play plays s between client and counsellor through svc and returns the
// conversation it made; tag starts the clientMessageIds of its lines. A
// client who already has an active conversation gets the service's
// conflict, and nothing is made.
func Play(ctx context.Context, svc *chat.Service, client, counsellor chat.Identity, s Script, tag string) (chat.Conversation, error) {
	c, err := svc.CreateConversation(ctx, client, s.Retention)
	if err != nil {
		return chat.Conversation{}, err
	}
	if s.Claim {
		if _, err := svc.Claim(ctx, counsellor, c.ID); err != nil {
			return c, fmt.Errorf("claim %s: %w", c.ID, err)
		}
	}
	for j, l := range s.Lines {
		from := client
		if l.Staff {
			from = counsellor
		}
		in := chat.SendInput{ConversationID: c.ID, ClientMessageID: fmt.Sprintf("%s-%d", tag, j), Body: l.Body}
		if _, _, err := svc.SendMessage(ctx, from, in); err != nil {
			return c, fmt.Errorf("message in %s: %w", c.ID, err)
		}
	}
	if s.Close {
		if _, err := svc.Close(ctx, counsellor, c.ID); err != nil {
			return c, fmt.Errorf("close %s: %w", c.ID, err)
		}
	}
	if s.Rating > 0 {
		if err := svc.Feedback(ctx, client, c.ID, s.Rating, s.Comment); err != nil {
			return c, fmt.Errorf("feedback on %s: %w", c.ID, err)
		}
	}
	return c, nil
}

// demoConversation is one conversation of the demo data: its client's
// username and its script.
type demoConversation struct {
	client string
	Script
}

var demoConversations = []demoConversation{
	{client: "jordan", Script: Script{Retention: chat.RetentionPermanent, Claim: true, Close: true, Lines: []Line{
		{false, "Hi, I haven't been sleeping well and I don't know who to talk to."},
		{true, "Hi Jordan, I'm Sam. Thank you for reaching out. How long has it been like this?"},
		{false, "A few weeks. Since I started the new job."},
		{true, "That sounds exhausting. Would it help to talk through what a usual evening looks like?"},
		{false, "Yes, thank you. That helped a lot."},
	}}},
	{client: "riley", Script: Script{Retention: chat.Retention24h, Claim: true, Lines: []Line{
		{false, "Is anyone there?"},
		{true, "Yes, I'm here. Take your time."},
		{false, "I had an argument with my sister and I feel awful."},
	}}},
	{client: "alex", Script: Script{Retention: chat.RetentionPermanent, Lines: []Line{
		{false, "Hello, I'd like to talk about something that's been on my mind."},
	}}},
}

// Seed creates demo accounts and a few conversations between them, for
// screenshots and development: one closed, one claimed and active, one
// waiting. A client who already has an active conversation is skipped.
func (a *Admin) Seed(ctx context.Context) ([]chat.Conversation, error) {
	ids := map[string]chat.Identity{}
	for _, u := range DemoUsers {
		id, err := a.ensureUser(ctx, u)
		if err != nil {
			return nil, err
		}
		ids[u.Username] = id
	}
	svc := a.service()
	staff := ids["sam"]
	var made []chat.Conversation
	for i, d := range demoConversations {
		c, err := Play(ctx, svc, ids[d.client], staff, d.Script, fmt.Sprintf("seed-%d", i))
		var ce *chat.Error
		if errors.As(err, &ce) && ce.Code == chat.CodeConflict && c.ID == "" {
			a.printf("skipped %s: already has an active conversation\n", d.client)
			continue
		}
		if err != nil {
			return made, fmt.Errorf("seed conversation of %s: %w", d.client, err)
		}
		if c, err = a.Store.GetConversation(ctx, c.ID, a.now()); err != nil {
			return made, fmt.Errorf("seeded conversation %s: %w", c.ID, err)
		}
		made = append(made, c)
		a.printf("conversation %s: %s, %s, %s, %d message(s)\n", c.ID, d.client, c.Retention, c.Status, len(d.Lines))
	}
	return made, nil
}

// ensureUser returns the identity of a demo user, creating it if missing.
func (a *Admin) ensureUser(ctx context.Context, u DemoUser) (chat.Identity, error) {
	role := chat.RoleClient
	if u.Staff {
		role = chat.RoleStaff
	}
	got, err := a.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(u.Username)})
	var missing *types.UserNotFoundException
	switch {
	case err == nil:
		return chat.Identity{UserID: attribute(got.UserAttributes, "sub"), Username: u.Username, Role: role}, nil
	case !errors.As(err, &missing):
		return chat.Identity{}, fmt.Errorf("get user %s: %w", u.Username, err)
	}
	sub, err := a.AddUser(ctx, u.Username, u.Password, u.Staff)
	if err != nil {
		return chat.Identity{}, err
	}
	return chat.Identity{UserID: sub, Username: u.Username, Role: role}, nil
}
