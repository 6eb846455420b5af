package admin_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/admin"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
)

func TestCutOffUsersTokensOpenNoNewConnection(t *testing.T) {
	tests := []struct {
		name    string
		cut     func(a *admin.Admin, ctx context.Context, username string) (int, error)
		printed string
	}{
		{"SignOut", (*admin.Admin).SignOutUser, "signed out"},
		{"Disable", (*admin.Admin).DisableUser, "disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			var out bytes.Buffer
			a := newAdmin(&out)
			c, name, _ := signedIn(t, ctx, a, "cut", false)
			conv, sock := openSocket(t, ctx, c)

			n, err := tt.cut(a, ctx, name)
			if err != nil || n != 1 {
				t.Fatalf("closed %d connections, err %v; want 1", n, err)
			}
			if _, err := sock.Closed(ctx); err != nil {
				t.Fatalf("socket still open: %v", err)
			}
			if !strings.Contains(out.String(), tt.printed+" "+name) {
				t.Errorf("output %q does not say %q", out.String(), tt.printed)
			}
			// The old access token gets no ticket for a new connection, and
			// nothing else from the HTTP API.
			_, err = c.Connect(ctx, stack.Endpoints.WebSocket, conv.ID)
			var refused *client.APIError
			if !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized {
				t.Errorf("connect with the old token: %v, want the ticket refused with 401", err)
			}
		})
	}
}

// openSocket opens a conversation for c and a WebSocket on it, closed when
// the test ends.
func openSocket(t *testing.T, ctx context.Context, c *client.Client) (chat.Conversation, *client.Socket) {
	t.Helper()
	conv, err := c.CreateConversation(ctx, chat.Retention24h)
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	sock, err := c.Connect(ctx, stack.Endpoints.WebSocket, conv.ID)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { sock.Close() })
	return conv, sock
}
