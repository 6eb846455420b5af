package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/dev/localcognito"
	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/dev/localkms"
	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/webconfig"
)

// Account is a seeded demo login.
type Account struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Role is "client", "staff" (a counsellor) or "supervisor".
	Role   string `json:"role"`
	UserID string `json:"userId"`
}

// Options configures the local stack. Empty addresses take a free port on
// 127.0.0.1, which is what tests want.
type Options struct {
	// Root is the repository root: node_modules/ and web/ live there.
	Root string
	// StateDir holds cognito-local's data; a temporary folder when empty.
	StateDir string
	// Addresses of the listeners ("host:port").
	HTTPAddr, WebSocketAddr, WebAddr, DynamoDBAddr, CognitoAddr, KMSAddr string
	// DynamoDBEndpoint uses an existing DynamoDB (LocalStack, AWS) instead
	// of the embedded one; the table is created if missing.
	DynamoDBEndpoint string
	// TableName defaults to "confide"; the table of wrapped data keys is
	// named after it, with "-keys".
	TableName string
	// Pool uses an existing Cognito user pool (real Cognito, or another
	// emulator) instead of starting cognito-local.
	Pool *Pool
	// Seed creates the demo accounts (in cognito-local only: a real pool's
	// accounts are its own).
	Seed bool
	// Config adjusts the functions' configuration before they are built
	// (limits, staff networks).
	Config func(*app.Config)
	// Gateway adjusts the gateway's configuration (timeouts, frame limit).
	Gateway func(*GatewayConfig)
	// AppOptions are added when the functions' App is built (for example
	// SDK middleware that measures their calls).
	AppOptions []app.Option
	// Faults injects failures into the functions' AWS calls and
	// invocations (internal/dev/faults); a new Injector with no fault
	// when nil. Its control is /_devstack/faults.
	Faults *faults.Injector
	Logger *slog.Logger
	// Theme is the widget's theme in /config.json (nil: DemoTheme).
	Theme *webconfig.Theme
}

// DemoTheme is the theme the local stack serves unless told otherwise: a
// made-up service with the opening hours and crisis lines a real one sets.
var DemoTheme = webconfig.Theme{
	Name:    "Confide demo service",
	Accent:  "#1d4ed8",
	Welcome: "Whatever is on your mind, you can talk to us. A trained counsellor reads every message.",
	Hours:   "Counsellors answer every day from 8 am to 10 pm. At other times your message waits for the next counsellor.",
	Crisis: []webconfig.CrisisLine{
		{Label: "In an emergency, call", Number: "999"},
		{Label: "Samaritans, any time, free", Number: "116 123"},
		{Label: "Shout, text SHOUT to", Number: "85258"},
	},
}

// themeOr is *t, or DemoTheme when t is nil.
func themeOr(t *webconfig.Theme) webconfig.Theme {
	if t == nil {
		return DemoTheme
	}
	return *t
}

// Pool is an existing Cognito user pool and app client.
type Pool struct {
	// Endpoint is the Cognito API endpoint (empty for AWS's own).
	Endpoint   string
	UserPoolID string
	ClientID   string
	// Issuer is the tokens' iss, e.g.
	// https://cognito-idp.<region>.amazonaws.com/<pool id>.
	Issuer string
}

// Stack is a running local Confide.
type Stack struct {
	Endpoints endpoints.Endpoints
	Accounts  []Account
	Gateway   *Gateway
	App       *app.App
	Cognito   *localcognito.Server
	Clock     *Clock
	// Faults is the fault plan in force (internal/dev/faults).
	Faults *faults.Injector
	// ManagementEndpoint is the management API's base URL.
	ManagementEndpoint string

	closers []func() error
}

// DemoAccounts are the accounts Seed creates.
var DemoAccounts = []Account{
	{Username: "alex", Password: "Confide-demo-client-1", Role: "client"},
	{Username: "sam", Password: "Confide-demo-staff-1", Role: "staff"},
	{Username: "kai", Password: "Confide-demo-supervisor-1", Role: "supervisor"},
}

// Start runs the whole local stack: local DynamoDB (dynoxide), cognito-local,
// a local KMS with the key and key table of message encryption, the
// functions behind the local gateway, and the web server. On error it stops
// whatever it had started.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.TableName == "" {
		o.TableName = "confide"
	}
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return nil, err
	}
	if o.Faults == nil {
		o.Faults = faults.New()
	}
	s := &Stack{Clock: &Clock{}, Faults: o.Faults}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	// Claim every port first, so a port in use fails fast with its name.
	listeners := map[string]net.Listener{}
	for _, l := range []struct{ name, addr string }{
		{"HTTP API", o.HTTPAddr}, {"WebSocket API", o.WebSocketAddr}, {"web", o.WebAddr},
	} {
		ln, err := listen(l.name, l.addr)
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, ignoreClosed(ln.Close))
		listeners[l.name] = ln
	}
	httpURL := "http://" + listeners["HTTP API"].Addr().String()
	wsAddr := listeners["WebSocket API"].Addr().String()
	webURL := "http://" + listeners["web"].Addr().String()

	dynamoEndpoint := o.DynamoDBEndpoint
	if dynamoEndpoint == "" {
		addr := o.DynamoDBAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		db, err := localdynamo.StartWith(localdynamo.Options{Root: o.Root, Addr: addr, Logger: o.Logger})
		if err != nil {
			return nil, fmt.Errorf("local DynamoDB on %s: %w", addr, err)
		}
		o.Logger.InfoContext(ctx, "local dynamodb ready", "engine", db.Engine, "endpoint", db.Endpoint)
		s.closers = append(s.closers, db.Close)
		dynamoEndpoint = db.Endpoint
	}

	pool := o.Pool
	if pool == nil {
		stateDir := o.StateDir
		if stateDir == "" {
			if stateDir, err = os.MkdirTemp("", "confide-devstack-"); err != nil {
				return nil, err
			}
			s.closers = append(s.closers, func() error { return os.RemoveAll(stateDir) })
		}
		cog, err := localcognito.Start(ctx, localcognito.Options{Root: o.Root, Dir: stateDir, Addr: o.CognitoAddr, Logger: o.Logger})
		if err != nil {
			return nil, fmt.Errorf("cognito-local: %w", err)
		}
		s.Cognito = cog
		s.closers = append(s.closers, cog.Close)
		pool = &Pool{Endpoint: cog.Endpoint, UserPoolID: cog.UserPoolID, ClientID: cog.ClientID, Issuer: cog.Issuer}
	}

	awsCfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	db := dynamodb.NewFromConfig(awsCfg, func(d *dynamodb.Options) { d.BaseEndpoint = aws.String(dynamoEndpoint) })
	if err := store.CreateTable(ctx, db, o.TableName); err != nil {
		return nil, fmt.Errorf("create table %s: %w", o.TableName, err)
	}
	// Message encryption runs locally as in AWS: a local KMS holds the key
	// that wraps the data keys, kept in their own table.
	kmsAddr := o.KMSAddr
	if kmsAddr == "" {
		kmsAddr = "127.0.0.1:0"
	}
	keys, err := localkms.StartOn(ctx, kmsAddr)
	if err != nil {
		return nil, fmt.Errorf("local KMS on %s: %w", kmsAddr, err)
	}
	s.closers = append(s.closers, keys.Close)
	kmsKeyID, err := keys.CreateKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("local KMS key: %w", err)
	}
	keyTable := o.TableName + "-keys"
	if err := seal.CreateKeyTable(ctx, db, keyTable); err != nil {
		return nil, fmt.Errorf("create key table %s: %w", keyTable, err)
	}

	s.ManagementEndpoint = "http://" + wsAddr + "/" + Stage
	cfg := app.Config{
		TableName:          o.TableName,
		Issuer:             pool.Issuer,
		ClientID:           pool.ClientID,
		StaffGroup:         "staff",
		AllowedOrigins:     origins(webURL),
		ManagementEndpoint: s.ManagementEndpoint,
		DynamoDBEndpoint:   dynamoEndpoint,
		UserPoolID:         pool.UserPoolID,
		CognitoEndpoint:    pool.Endpoint,
		KeyTableName:       keyTable,
		KMSKeyID:           kmsKeyID,
		KMSEndpoint:        keys.Endpoint,
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	appOpts := append([]app.Option{app.WithAWSConfig(awsCfg), app.WithClock(s.Clock.Now), app.WithLogger(o.Logger)}, faultOptions(o.Faults)...)
	appOpts = append(appOpts, o.AppOptions...)
	a, err := app.New(ctx, cfg, appOpts...)
	if err != nil {
		return nil, err
	}
	s.App = a

	gcfg := GatewayConfig{
		// The plain handler functions: the gateway wraps each concurrent
		// invocation in its own lambda.NewHandler, as Lambda runs one
		// execution environment per concurrent call.
		Functions: map[routes.Function]any{
			routes.Authorizer: a.WebSocket.Authorize,
			routes.Connect:    a.WebSocket.Connect,
			routes.Message:    a.WebSocket.Frame,
			routes.Disconnect: a.WebSocket.Disconnect,
			routes.API:        a.HTTP.Handle,
			routes.Retention:  a.Retention,
		},
		Stage:          Stage,
		AllowedOrigins: cfg.AllowedOrigins,
		Faults:         o.Faults,
		Logger:         o.Logger,
	}
	if o.Gateway != nil {
		o.Gateway(&gcfg)
	}
	s.Gateway = NewGateway(gcfg)
	s.serve(listeners["HTTP API"], s.Gateway.HTTPHandler())
	s.serve(listeners["WebSocket API"], s.Gateway.WebSocketHandler())

	s.Endpoints = endpoints.Endpoints{
		HTTPAPI:          httpURL,
		WebSocket:        "ws://" + wsAddr + "/" + Stage,
		CognitoEndpoint:  pool.Endpoint,
		UserPoolID:       pool.UserPoolID,
		UserPoolClientID: pool.ClientID,
		Issuer:           pool.Issuer,
		DynamoDBEndpoint: dynamoEndpoint,
		TableName:        o.TableName,
		KMSEndpoint:      keys.Endpoint,
		KMSKeyID:         kmsKeyID,
		KeyTableName:     keyTable,
		WidgetDemo:       webURL + "/widget/demo.html",
		Dashboard:        webURL + "/dashboard/",
	}
	s.serve(listeners["web"], s.webHandler(filepath.Join(o.Root, "web"), themeOr(o.Theme)))

	if o.Seed && s.Cognito != nil {
		for _, acc := range DemoAccounts {
			sub, err := s.Cognito.CreateUser(ctx, acc.Username, acc.Password, acc.Role != "client")
			if err == nil && acc.Role == "supervisor" {
				err = s.Cognito.MakeSupervisor(ctx, acc.Username)
			}
			if err != nil {
				return nil, fmt.Errorf("seed %s: %w", acc.Username, err)
			}
			acc.UserID = sub
			s.Accounts = append(s.Accounts, acc)
		}
	}
	return s, nil
}

// faultOptions put the injector's faults on the wire of the functions'
// DynamoDB and management API clients and of the JWKS fetch, where AWS's
// own failures reach them.
func faultOptions(in *faults.Injector) []app.Option {
	wrap := func(service string, base aws.HTTPClient) aws.HTTPClient {
		if base == nil {
			base = awshttp.NewBuildableClient()
		}
		return in.Client(service, base)
	}
	return []app.Option{
		app.WithDynamoDBOptions(func(d *dynamodb.Options) { d.HTTPClient = wrap(faults.DynamoDB, d.HTTPClient) }),
		app.WithManagementAPIOptions(func(m *apigatewaymanagementapi.Options) { m.HTTPClient = wrap(faults.Management, m.HTTPClient) }),
		app.WithHTTPClient(&http.Client{Timeout: app.JWKSTimeout, Transport: in.Transport(faults.JWKS, nil)}),
	}
}

// Stage is the local WebSocket stage name.
const Stage = "local"

// origins are the browser origins of the local web server: by IP and by name.
func origins(webURL string) []string {
	return []string{webURL, strings.Replace(webURL, "127.0.0.1", "localhost", 1)}
}

func listen(name, addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the %s cannot listen on %s (is another local stack running?): %w", name, addr, err)
	}
	return ln, nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns when Close is called.
	s.closers = append(s.closers, srv.Close)
}

func ignoreClosed(fn func() error) func() error {
	return func() error {
		if err := fn(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	}
}

// WriteEndpoints writes endpoints.json into dir.
func (s *Stack) WriteEndpoints(dir string) error { return s.Endpoints.Write(dir) }

// Close stops everything, sockets first (each gets its $disconnect), then
// the servers and child processes, in reverse order of start.
func (s *Stack) Close() error {
	if s.Gateway != nil {
		s.Gateway.Close()
	}
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
