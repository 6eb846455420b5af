package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
)

var cutOffUsers atomic.Int64

// signedInSocket creates a client in the stack's pool, signs it in, opens a
// conversation and a WebSocket on it, and returns the socket with the
// username and sub.
func signedInSocket(t *testing.T, s *Stack) (*client.Socket, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("cut-%d-%d", time.Now().UnixNano()%1e6, cutOffUsers.Add(1))
	const password = "Confide-test-password-1"
	sub, err := s.Cognito.CreateUser(ctx, name, password, false)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	token, _, err := s.Cognito.SignIn(ctx, name, password)
	if err != nil {
		t.Fatalf("sign in %s: %v", name, err)
	}
	u, _ := url.Parse(s.Endpoints.WidgetDemo)
	c := client.New(s.Endpoints.HTTPAPI, token, u.Scheme+"://"+u.Host)
	conv, err := c.CreateConversation(ctx, chat.Retention24h)
	if err != nil {
		t.Fatalf("create conversation: %v", err)
	}
	sock, err := c.Connect(ctx, s.Endpoints.WebSocket, conv.ID)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sock.Close() })
	return sock, name, sub
}

// wantClosedWithUnauthorized waits for sock to get the unauthorized frame
// and then be closed by the server.
func wantClosedWithUnauthorized(t *testing.T, sock *client.Socket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := sock.WaitType(ctx, "error", nil)
	if err != nil {
		t.Fatalf("no error frame before the close: %v", err)
	}
	if f.Code != chat.CodeUnauthorized {
		t.Errorf("error frame code %q, want unauthorized", f.Code)
	}
	if _, err := sock.Closed(ctx); err != nil {
		t.Fatalf("socket still open: %v", err)
	}
}

// TestCutOffOverTheLocalStack runs the cut-off of revoked and disabled
// accounts through the real gateway, cognito-local and the retention
// function.
func TestCutOffOverTheLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Root: "../../.."})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })

	t.Run("RevokedSocketIsClosedOnItsNextFrame", func(t *testing.T) {
		sock, _, sub := signedInSocket(t, s)
		if err := s.App.Store.Revoke(ctx, sub, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := sock.Send(ctx, map[string]string{"action": "ping"}); err != nil {
			t.Fatal(err)
		}
		wantClosedWithUnauthorized(t, sock)
	})

	t.Run("SweepClosesAnIdleSocketOfAnAccountDisabledInCognito", func(t *testing.T) {
		sock, name, sub := signedInSocket(t, s)
		other, _, _ := signedInSocket(t, s)
		// Disabled in the console, say: nothing tells Confide.
		if _, err := s.Cognito.Client().AdminDisableUser(ctx, &cip.AdminDisableUserInput{
			UserPoolId: aws.String(s.Endpoints.UserPoolID), Username: aws.String(name),
		}); err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(strings.TrimSuffix(s.Endpoints.WidgetDemo, "/widget/demo.html")+"/_devstack/retention", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		var rep chat.SweepReport
		err = json.NewDecoder(res.Body).Decode(&rep)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("retention: status %d, err %v", res.StatusCode, err)
		}
		if rep.CutOff != 1 {
			t.Errorf("retention cut off %d connections, want 1", rep.CutOff)
		}
		wantClosedWithUnauthorized(t, sock)
		if at, err := s.App.Store.RevokedAt(ctx, sub, s.Clock.Now()); err != nil || at.IsZero() {
			t.Errorf("revocation of the disabled account = %v, %v; want one recorded", at, err)
		}
		if err := other.Send(ctx, map[string]string{"action": "ping"}); err != nil {
			t.Fatal(err)
		}
		if _, err := other.WaitType(ctx, "pong", nil); err != nil {
			t.Errorf("an enabled account's socket: %v, want it open and answered", err)
		}
	})
}
