// Package e2e is a black-box suite of docs/protocol.md: real WebSockets and HTTP,
// tokens from Cognito's InitiateAuth. By default it starts the local stack
// in process; with CONFIDE_E2E_ENDPOINTS naming an endpoints.json (the local
// stack's) or the outputs file of `cdk deploy` (make e2e E2E_TARGET=...) it
// runs against that deployment instead, creating its users with Cognito's admin API.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
	"github.com/confidechat/confide/internal/testlog"
)

// target is the deployment under test.
type target struct {
	ep     endpoints.Endpoints
	origin string
	// people creates the suite's users in the deployment's pool.
	people e2ekit.Directory
	// web is the local stack's web server, whose /_devstack controls move
	// the clock and run retention; "" against a deployment.
	web string
}

var deployment *target

// logs captures every log line of an in-process stack, for the privacy test.
var logger, logs = testlog.New()

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	if path := os.Getenv("CONFIDE_E2E_ENDPOINTS"); path != "" {
		ep, err := endpoints.Load(path)
		if err != nil {
			return 0, err
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(ep.Region()))
		if err != nil {
			return 0, err
		}
		deployment = newTarget(ep, cfg, "")
		return m.Run(), nil
	}
	stack, err := devstack.Start(ctx, devstack.Options{
		Root:   "..",
		Logger: logger,
	})
	if err != nil {
		return 0, err
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	web := strings.TrimSuffix(stack.Endpoints.WidgetDemo, "/widget/demo.html")
	deployment = newTarget(stack.Endpoints, cfg, web)
	code := m.Run()
	// Close first: the $disconnect of every socket still open logs too.
	stack.Close()
	if err := checkLogsKeepSecrets(logs.String()); err != nil {
		fmt.Fprintln(os.Stderr, "--- FAIL: privacy check of the captured logs:", err)
		code = 1
	}
	return code, nil
}

func newTarget(ep endpoints.Endpoints, cfg aws.Config, web string) *target {
	u, _ := url.Parse(ep.WidgetDemo)
	origin := u.Scheme + "://" + u.Host
	return &target{
		ep:     ep,
		origin: origin,
		people: e2ekit.Directory{
			Accounts: e2ekit.NewCognitoAccounts(ep, cfg),
			HTTPAPI:  ep.HTTPAPI,
			Origin:   origin,
			// A deployed stack's pool signs in by e-mail address.
			EmailUsernames: web == "",
		},
		web: web,
	}
}

// newPerson creates a user (a counsellor when staff) and signs it in; the
// privacy check then looks for its access token in the logs.
func newPerson(t *testing.T, staff bool) *e2ekit.Person {
	t.Helper()
	p := deployment.people.NewPerson(t, staff)
	remember("access token", p.Token)
	return p
}

// connect opens a WebSocket for p on a conversation ("" for the staff feed)
// and closes it when the test ends.
func connect(t *testing.T, p *e2ekit.Person, conversationID string) *client.Socket {
	t.Helper()
	ctx := e2ekit.Context(t, 10*time.Second)
	ticket, err := p.Ticket(ctx)
	if err != nil {
		t.Fatalf("ticket for %s: %v", p.Username, err)
	}
	remember("ticket", ticket)
	s, err := client.Dial(ctx, deployment.ep.WebSocket, ticket, conversationID, p.Origin)
	if err != nil {
		t.Fatalf("connect %s to %q: %v", p.Username, conversationID, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startConversation creates a conversation for c, failing the test on error.
func startConversation(t *testing.T, c *e2ekit.Person) string {
	t.Helper()
	conv, err := c.CreateConversation(e2ekit.Context(t, 10*time.Second), "")
	if err != nil {
		t.Fatalf("create conversation: %v", err)
	}
	return conv.ID
}

// wantCode fails unless err is an API error with status and code.
func wantCode(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	e, ok := err.(*client.APIError)
	if !ok {
		t.Fatalf("%s: error = %v, want %d %s", what, err, status, code)
	}
	if e.Status != status || string(e.Code) != code {
		t.Fatalf("%s: got %d %s, want %d %s", what, e.Status, e.Code, status, code)
	}
}

// local reports whether the suite runs against the in-process local stack,
// whose clock and retention run can be driven.
func local() bool { return deployment.web != "" }

// runRetention runs the local stack's retention function once and returns
// its report.
func runRetention(t *testing.T) chat.SweepReport {
	t.Helper()
	res, err := http.Post(deployment.web+"/_devstack/retention", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("run retention: %v", err)
	}
	defer res.Body.Close()
	var rep chat.SweepReport
	if res.StatusCode != http.StatusOK {
		t.Fatalf("run retention: status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		t.Fatalf("run retention: decode report: %v", err)
	}
	return rep
}
