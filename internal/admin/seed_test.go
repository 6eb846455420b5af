package admin_test

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/confidechat/confide/internal/admin"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
)

func TestSeedCreatesConversationsStaffSee(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	made, err := a.Seed(ctx)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if len(made) != admin.DemoConversationCount {
		t.Fatalf("Seed made %d conversations, want %d", len(made), admin.DemoConversationCount)
	}
	var staff devstack.Account
	for _, acc := range devstack.DemoAccounts {
		if acc.Role == "staff" {
			staff = acc
		}
	}
	token, _, err := stack.Cognito.SignIn(ctx, staff.Username, staff.Password)
	if err != nil {
		t.Fatalf("sign in %s: %v", staff.Username, err)
	}
	list, err := client.New(stack.Endpoints.HTTPAPI, token, origin(t)).Conversations(ctx, url.Values{"limit": {"100"}})
	if err != nil {
		t.Fatalf("Conversations: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range list.Conversations {
		seen[c.ID] = true
	}
	for _, c := range made {
		if !seen[c.ID] {
			t.Errorf("seeded conversation %s (%s, %s) missing from the staff list", c.ID, c.Retention, c.Status)
		}
	}

	// Again: clients with an active conversation are skipped, not an error.
	again, err := a.Seed(ctx)
	if err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if len(again) != 1 {
		t.Errorf("Seed again made %d conversations, want 1 (only the closed one's client is free)", len(again))
	}
}
