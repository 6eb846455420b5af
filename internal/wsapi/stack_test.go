package wsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/testkit/apigw"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(fakeAWSEnv); spec != "" {
		os.Exit(serveInstantAWS(spec))
	}
	apptest.Main(m)
}

var connSeq atomic.Int64

// allowedOrigin is the stacks' main browser origin; http://localhost:8080
// is admitted too.
const allowedOrigin = apptest.AllowedOrigin

// staffIP is inside the staff network of every stack.
const staffIP = "203.0.113.7"

// stack is the real app of the functions with the fakes of apptest; tokens
// expire on its clock.
type stack struct {
	*apptest.Stack
	tickets *auth.Tickets
	// attached holds, by connection id, what the authorizer attached to
	// the connection's events.
	attached sync.Map
}

func newStack(t *testing.T, opts ...apptest.Option) *stack {
	t.Helper()
	s := apptest.NewStack(t, append([]apptest.Option{
		apptest.WithAllowedOrigins("http://localhost:8080"),
		apptest.WithStaffCIDRs("203.0.113.0/24"),
		apptest.WithTokenClock(),
	}, opts...)...)
	return &stack{Stack: s, tickets: &auth.Tickets{Store: s.App.Store}}
}

func client(sub string) chat.Identity {
	return chat.Identity{UserID: sub, Username: "client-" + sub, Role: chat.RoleClient}
}

func counsellor(sub string) chat.Identity {
	return chat.Identity{UserID: sub, Username: "staff-" + sub, Role: chat.RoleStaff}
}

// newConnectionID is a fresh id shaped like API Gateway's.
func newConnectionID() string { return fmt.Sprintf("C%013dA=", connSeq.Add(1)) }

// ticket issues a WebSocket ticket for id, as POST /ws/ticket does for an
// access token issued a minute ago that expires in an hour (on the stack's
// clock).
func (s *stack) ticket(t *testing.T, id chat.Identity) string {
	t.Helper()
	if id.IssuedAt.IsZero() {
		id.IssuedAt = s.Clock.Now().Add(-time.Minute).Truncate(time.Second)
	}
	tk, _, err := s.tickets.Issue(context.Background(), id, s.Clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("issue ticket: %v", err)
	}
	return tk
}

// open opens a conversation for the client id and returns its id.
func (s *stack) open(t *testing.T, id chat.Identity) string {
	t.Helper()
	c, err := s.App.Service.CreateConversation(context.Background(), id, chat.Retention24h)
	if err != nil {
		t.Fatalf("open conversation: %v", err)
	}
	return c.ID
}

// connection returns the stored connection id, or false when there is none.
func (s *stack) connection(t *testing.T, id string) (chat.Connection, bool) {
	t.Helper()
	c, err := s.App.Store.GetConnection(context.Background(), id, s.Clock.Now())
	if chat.CodeOf(err) == chat.CodeNotFound {
		return chat.Connection{}, false
	}
	if err != nil {
		t.Fatalf("get connection %s: %v", id, err)
	}
	return c, true
}

// event reads one of aws-lambda-go's captured WebSocket events.
func event(t *testing.T, sample string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	raw := apigw.Event(t, sample)
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode %s: %v", sample, err)
	}
	return ev
}

// invoke calls handler with ev the way Lambda does: event JSON in, response
// JSON out.
func invoke(t *testing.T, handler any, ev events.APIGatewayWebsocketProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(handler).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("%s: invoke: %v", ev.RequestContext.RouteKey, err)
	}
	var res events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: decode response %s: %v", ev.RequestContext.RouteKey, out, err)
	}
	return res
}
