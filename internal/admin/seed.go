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

// demoLine is one message of a demo conversation.
type demoLine struct {
	staff bool
	body  string
}

// demoConversation is one conversation of the demo data.
type demoConversation struct {
	client    string
	retention chat.Retention
	claim     bool
	close     bool
	lines     []demoLine
}

var demoConversations = []demoConversation{
	{client: "jordan", retention: chat.RetentionPermanent, claim: true, close: true, lines: []demoLine{
		{false, "Hi, I haven't been sleeping well and I don't know who to talk to."},
		{true, "Hi Jordan, I'm Sam. Thank you for reaching out. How long has it been like this?"},
		{false, "A few weeks. Since I started the new job."},
		{true, "That sounds exhausting. Would it help to talk through what a usual evening looks like?"},
		{false, "Yes, thank you. That helped a lot."},
	}},
	{client: "riley", retention: chat.Retention24h, claim: true, lines: []demoLine{
		{false, "Is anyone there?"},
		{true, "Yes, I'm here. Take your time."},
		{false, "I had an argument with my sister and I feel awful."},
	}},
	{client: "alex", retention: chat.RetentionPermanent, lines: []demoLine{
		{false, "Hello, I'd like to talk about something that's been on my mind."},
	}},
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
		client := ids[d.client]
		c, err := svc.CreateConversation(ctx, client, d.retention)
		var ce *chat.Error
		if errors.As(err, &ce) && ce.Code == chat.CodeConflict {
			a.printf("skipped %s: already has an active conversation\n", d.client)
			continue
		}
		if err != nil {
			return made, fmt.Errorf("seed conversation of %s: %w", d.client, err)
		}
		if d.claim {
			if _, err := svc.Claim(ctx, staff, c.ID); err != nil {
				return made, fmt.Errorf("seed claim %s: %w", c.ID, err)
			}
		}
		for j, l := range d.lines {
			from := client
			if l.staff {
				from = staff
			}
			in := chat.SendInput{ConversationID: c.ID, ClientMessageID: fmt.Sprintf("seed-%d-%d", i, j), Body: l.body}
			if _, _, err := svc.SendMessage(ctx, from, in); err != nil {
				return made, fmt.Errorf("seed message in %s: %w", c.ID, err)
			}
		}
		if d.close {
			if _, err := svc.Close(ctx, staff, c.ID); err != nil {
				return made, fmt.Errorf("seed close %s: %w", c.ID, err)
			}
		}
		if c, err = a.Store.GetConversation(ctx, c.ID, a.now()); err != nil {
			return made, fmt.Errorf("seeded conversation %s: %w", c.ID, err)
		}
		made = append(made, c)
		a.printf("conversation %s: %s, %s, %s, %d message(s)\n", c.ID, d.client, c.Retention, c.Status, len(d.lines))
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
