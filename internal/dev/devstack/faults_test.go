package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/testkit"
)

// newSocketID opens a socket with open and returns it with the id the
// gateway gave it.
func newSocketID(t *testing.T, s *Stack, open func() (*client.Socket, error)) (*client.Socket, string) {
	t.Helper()
	before := s.Gateway.ConnectionIDs()
	sock, err := open()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sock.Close() })
	for _, id := range s.Gateway.ConnectionIDs() {
		if !slices.Contains(before, id) {
			return sock, id
		}
	}
	t.Fatal("the new connection has no id")
	return nil, ""
}

// setFaults replaces the stack's fault plan.
func setFaults(t *testing.T, s *Stack, p faults.Plan) {
	t.Helper()
	if _, err := s.Faults.Set(p); err != nil {
		t.Fatal(err)
	}
}

// acknowledged waits for the message.created of cmid on sock.
func acknowledged(ctx context.Context, sock *client.Socket, cmid string) error {
	_, err := sock.WaitType(ctx, chat.EventMessageCreated, func(f client.Frame) bool {
		return f.Message != nil && f.Message.ClientMessageID == cmid
	})
	return err
}

// TestFaultsOverTheLocalStack: what clients see of AWS's failures, through
// the real gateway and SDK clients, with the faults the local stack injects.
func TestFaultsOverTheLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Root: "../../.."})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })

	// A client on a waiting conversation, and a counsellor with two
	// dashboards on the staff feed: every one receives its messages.
	const password = "Confide-test-password-1"
	name := fmt.Sprintf("faults-staff-%d", time.Now().UnixNano()%1e6)
	if _, err := s.Cognito.CreateUser(ctx, name, password, true); err != nil {
		t.Fatal(err)
	}
	token, _, err := s.Cognito.SignIn(ctx, name, password)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.Endpoints.WidgetDemo)
	staff := client.New(s.Endpoints.HTTPAPI, token, u.Scheme+"://"+u.Host)
	sock, _, _ := signedInSocket(t, s)
	feedA, idA := newSocketID(t, s, func() (*client.Socket, error) { return staff.Connect(ctx, s.Endpoints.WebSocket, "") })
	feedB, _ := newSocketID(t, s, func() (*client.Socket, error) { return staff.Connect(ctx, s.Endpoints.WebSocket, "") })
	convs, err := staff.Conversations(ctx, url.Values{"status": {"active"}})
	if err != nil || len(convs.Conversations) == 0 {
		t.Fatalf("the staff list: %v, %v", convs, err)
	}
	var convID string
	for _, c := range convs.Conversations {
		convID = c.ID // the only active one of this fresh stack
	}
	send := func(cmid string) {
		t.Helper()
		if err := sock.SendMessage(ctx, convID, cmid, "hello"); err != nil {
			t.Fatal(err)
		}
	}

	for _, tt := range []struct {
		name  string
		fault faults.ManagementFaults
		count string
	}{
		{"A500OnOneRecipientDoesNotStopTheOthers", faults.ManagementFaults{Error500: faults.Fault{Rate: 1}}, "management.error500"},
		{"A429OnOneRecipientDoesNotStopTheOthers", faults.ManagementFaults{Throttle: faults.Fault{Rate: 1}}, "management.throttle"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault.Connections = []string{idA}
			setFaults(t, s, faults.Plan{Management: tt.fault})
			cmid := "mgmt-" + tt.count
			send(cmid)
			if err := acknowledged(ctx, sock, cmid); err != nil {
				t.Fatalf("the sender's acknowledgement: %v", err)
			}
			if err := acknowledged(ctx, feedB, cmid); err != nil {
				t.Fatalf("the other dashboard: %v", err)
			}
			// Every attempt of the SDK's retryer on the failing recipient.
			testkit.WaitUntil(t, "the retries of the failing post", 30*time.Second, func() bool {
				return s.Faults.Counts()[tt.count] >= int64(app.ManagementPolicy.Attempts)
			})
			if slices.ContainsFunc(feedA.Frames(), func(f client.Frame) bool { return f.Message != nil && f.Message.ClientMessageID == cmid }) {
				t.Error("the failing dashboard received the message")
			}
			// Once the fault ends the connection still receives: a 500 or a
			// 429 is not a gone connection.
			setFaults(t, s, faults.Plan{})
			send(cmid + "-after")
			if err := acknowledged(ctx, feedA, cmid+"-after"); err != nil {
				t.Errorf("the dashboard after the fault: %v", err)
			}
		})
	}

	t.Run("ASendDuringADynamoDBOutageIsUnavailableThenStoredOnce", func(t *testing.T) {
		setFaults(t, s, faults.Plan{Outages: []faults.Outage{{Service: faults.DynamoDB, For: faults.Duration(time.Hour)}}})
		send("outage-1")
		f, err := sock.WaitType(ctx, "error", func(f client.Frame) bool { return f.ClientMessageID == "outage-1" })
		if err != nil {
			t.Fatalf("no error frame for the send: %v", err)
		}
		if f.Code != chat.CodeUnavailable {
			t.Errorf("error frame code %q, want unavailable", f.Code)
		}
		// Over HTTP: 503 with the code and when to try again.
		_, _, err = staff.Send(ctx, convID, "outage-http", "hello")
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || apiErr.Code != chat.CodeUnavailable || apiErr.RetryAfter != "1" {
			t.Errorf("an HTTP send during the outage = %v, want 503 unavailable with Retry-After 1", err)
		}
		setFaults(t, s, faults.Plan{})
		send("outage-1")
		if err := acknowledged(ctx, sock, "outage-1"); err != nil {
			t.Fatalf("the resend after the outage: %v", err)
		}
		send("outage-1") // once more: still stored once
		msgs, err := staff.Messages(ctx, convID, url.Values{"limit": {"100"}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs.Messages {
			if m.ClientMessageID == "outage-1" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the message is stored %d times, want once", n)
		}
	})

	t.Run("AConnectDuringADynamoDBOutageFailsRatherThanIsRefused", func(t *testing.T) {
		ticket, err := staff.Ticket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		setFaults(t, s, faults.Plan{Outages: []faults.Outage{{Service: faults.DynamoDB, For: faults.Duration(time.Hour)}}})
		defer setFaults(t, s, faults.Plan{})
		_, err = client.Dial(ctx, s.Endpoints.WebSocket, ticket, "", staff.Origin)
		var dialErr *client.DialError
		if !errors.As(err, &dialErr) || dialErr.Status != http.StatusInternalServerError {
			t.Errorf("a connect while DynamoDB is down = %v, want API Gateway's 500 (the authorizer failed), not a refusal", err)
		}
	})

	t.Run("APanicLeavesTheGatewayServing", func(t *testing.T) {
		setFaults(t, s, faults.Plan{Functions: map[string]faults.FunctionFaults{"message": {Panic: faults.Fault{Next: 1}}}})
		send("panic-1")
		if _, err := sock.Wait(ctx, func(f client.Frame) bool { return strings.Contains(string(f.Raw), "Internal server error") }); err != nil {
			t.Fatalf("no API Gateway error frame for the panicked invocation: %v", err)
		}
		// Nothing acknowledged it: the client sends it again, and the
		// gateway serves it.
		send("panic-1")
		if err := acknowledged(ctx, sock, "panic-1"); err != nil {
			t.Fatalf("the resend after the panic: %v", err)
		}
		if got := s.Faults.Counts()["functions.message.panic"]; got != 1 {
			t.Errorf("%d panics injected, want 1", got)
		}
	})
}

// fixedFaults injects the same faults into every invocation.
type fixedFaults faults.Invocation

func (f fixedFaults) Invoke(string) faults.Invocation { return faults.Invocation(f) }

func TestInjectedInvocationFaults(t *testing.T) {
	tests := []struct {
		name   string
		inject faults.Invocation
		// cancel stands in for the function's timeout running out.
		cancel bool
		want   string
		runs   bool
	}{
		{"Panic", faults.Invocation{Panic: true}, false, "panicked", false},
		{"Timeout", faults.Invocation{Timeout: true}, true, "timed out", false},
		{"SlowColdStart", faults.Invocation{ColdStart: time.Millisecond}, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			h := lambda.NewHandler(func(context.Context) (string, error) { ran = true; return "ok", nil })
			g := NewGateway(GatewayConfig{Handlers: map[routes.Function]lambda.Handler{routes.API: h}, Faults: fixedFaults(tt.inject), Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			resp, err := g.invoke(ctx, routes.API, struct{}{})
			switch {
			case tt.want == "" && (err != nil || string(resp) != `"ok"`):
				t.Errorf("invoke = %s, %v; want the handler's answer", resp, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("invoke error = %v, want one saying %q", err, tt.want)
			}
			if ran != tt.runs {
				t.Errorf("the handler ran: %v, want %v", ran, tt.runs)
			}
		})
	}
}
