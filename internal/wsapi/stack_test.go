package wsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

// dynamo is the embedded DynamoDB every test of the package shares; each
// test gets a table of its own.
var dynamo *localdynamo.Server

func TestMain(m *testing.M) {
	db, err := localdynamo.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dynamo = db
	code := m.Run()
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var tableSeq, connSeq atomic.Int64

// allowedOrigin is the one origin the stacks let browsers connect from.
const allowedOrigin = "https://allowed.example"

// staffIP is inside the staff network of every stack.
const staffIP = "203.0.113.7"

// stack is the real app of the functions over the embedded DynamoDB, a fake
// Cognito pool and a management API that records what is posted.
type stack struct {
	app     *app.App
	issuer  *authtest.Issuer
	posts   *management
	tickets *auth.Tickets
	clock   *clock
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	iss := authtest.NewIssuer(t)
	mgmt := newManagement(t)
	cfg := app.Config{
		TableName:          fmt.Sprintf("confide-wsapi-%d", tableSeq.Add(1)),
		Issuer:             iss.URL,
		ClientID:           iss.ClientID,
		StaffGroup:         "staff",
		AllowedOrigins:     []string{allowedOrigin, "http://localhost:8080"},
		ManagementEndpoint: mgmt.srv.URL,
		DynamoDBEndpoint:   dynamo.Endpoint,
		StaffCIDRs:         []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")},
	}
	if err := store.CreateTable(ctx, dynamo.Client(ctx), cfg.TableName); err != nil {
		t.Fatalf("create table: %v", err)
	}
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	a, err := app.New(ctx, cfg,
		app.WithAWSConfig(aws.Config{
			Region:      localdynamo.Region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		}),
		app.WithClock(clk.Now),
		app.WithTokenClock(clk.Now),
		app.WithLogger(slog.New(slog.DiscardHandler)),
		app.WithHTTPClient(iss.HTTPClient()),
	)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	return &stack{app: a, issuer: iss, posts: mgmt, tickets: &auth.Tickets{Store: a.Store}, clock: clk}
}

func client(sub string) chat.Identity {
	return chat.Identity{UserID: sub, Username: "client-" + sub, Role: chat.RoleClient}
}

func counsellor(sub string) chat.Identity {
	return chat.Identity{UserID: sub, Username: "staff-" + sub, Role: chat.RoleStaff}
}

// newConnectionID is a fresh id shaped like API Gateway's.
func newConnectionID() string { return fmt.Sprintf("C%013dA=", connSeq.Add(1)) }

// ticket issues a WebSocket ticket for id, as POST /ws/ticket does.
func (s *stack) ticket(t *testing.T, id chat.Identity) string {
	t.Helper()
	tk, _, err := s.tickets.Issue(context.Background(), id, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("issue ticket: %v", err)
	}
	return tk
}

// open opens a conversation for the client id and returns its id.
func (s *stack) open(t *testing.T, id chat.Identity) string {
	t.Helper()
	c, err := s.app.Service.CreateConversation(context.Background(), id, chat.Retention24h)
	if err != nil {
		t.Fatalf("open conversation: %v", err)
	}
	return c.ID
}

// connection returns the stored connection id, or false when there is none.
func (s *stack) connection(t *testing.T, id string) (chat.Connection, bool) {
	t.Helper()
	c, err := s.app.Store.GetConnection(context.Background(), id, s.clock.Now())
	if chat.ErrorCode(err) == chat.CodeNotFound {
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
	raw, err := os.ReadFile("testdata/" + sample)
	if err != nil {
		t.Fatal(err)
	}
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

// jsonEqual checks that got and want hold the same JSON value.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs:\n got  %s\n want %s", got, want)
	}
}

// management is the API Gateway management API on an httptest server: it
// records every PostToConnection and answers 410 GoneException for the
// connections marked gone, 200 for the others.
type management struct {
	srv *httptest.Server

	mu    sync.Mutex
	posts []post
	gone  map[string]bool
}

// post is one PostToConnection call.
type post struct {
	ConnectionID string
	Data         string
}

func newManagement(t *testing.T) *management {
	m := &management{gone: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /@connections/{id}", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		id := r.PathValue("id")
		m.mu.Lock()
		m.posts = append(m.posts, post{ConnectionID: id, Data: buf.String()})
		gone := m.gone[id]
		m.mu.Unlock()
		if gone {
			w.Header().Set("X-Amzn-ErrorType", "GoneException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"message":null}`))
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

// markGone makes posts to id answer 410 from now on.
func (m *management) markGone(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gone[id] = true
}

// since returns the posts after the first n, by connection.
func (m *management) since(n int) map[string][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]string{}
	for _, p := range m.posts[n:] {
		out[p.ConnectionID] = append(out[p.ConnectionID], p.Data)
	}
	return out
}

// count returns how many posts there have been.
func (m *management) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.posts)
}

// clock is the service's settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the service's time on by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
