package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/confidechat/confide/internal/alert"
	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/httpapi"
	"github.com/confidechat/confide/internal/push"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/triage"
	"github.com/confidechat/confide/internal/wsapi"
)

// App holds every dependency of Confide's functions, built once per Lambda
// container (or once per local stack) and shared by its invocations.
type App struct {
	Config  Config
	Service *chat.Service
	Store   *store.Store
	// WebSocket serves $connect, $disconnect and the actions.
	WebSocket *wsapi.Handlers
	// HTTP serves the HTTP API.
	HTTP *httpapi.API
	Log  *slog.Logger
}

// JWKSTimeout bounds a fetch of the token issuer's keys (the client's
// default; WithHTTPClient replaces it).
const JWKSTimeout = 5 * time.Second

// Option changes how New builds an App.
type Option func(*options)

type options struct {
	aws        *aws.Config
	now        func() time.Time
	tokenNow   func() time.Time
	log        *slog.Logger
	httpClient *http.Client
	dynamoOpts []func(*dynamodb.Options)
	kmsOpts    []func(*kms.Options)
	mgmtOpts   []func(*apigatewaymanagementapi.Options)
}

// WithAWSConfig uses cfg instead of the default AWS configuration chain.
func WithAWSConfig(cfg aws.Config) Option { return func(o *options) { o.aws = &cfg } }

// WithClock replaces the clock of the service (tests and the local stack
// move time with it).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithTokenClock replaces the clock access-token expiry is checked against
// (default real time).
func WithTokenClock(now func() time.Time) Option { return func(o *options) { o.tokenNow = now } }

// WithLogger replaces the JSON logger on stdout.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithHTTPClient sets the client used to fetch the token issuer's keys.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithDynamoDBOptions adds options to the DynamoDB client (for example an
// SDK middleware that counts calls).
func WithDynamoDBOptions(fns ...func(*dynamodb.Options)) Option {
	return func(o *options) { o.dynamoOpts = append(o.dynamoOpts, fns...) }
}

// WithKMSOptions adds options to the KMS client that unwraps and makes the
// data keys (for example an SDK middleware that counts calls).
func WithKMSOptions(fns ...func(*kms.Options)) Option {
	return func(o *options) { o.kmsOpts = append(o.kmsOpts, fns...) }
}

// WithManagementAPIOptions adds options to the API Gateway management API
// client that pushes frames (for example an SDK middleware that records
// calls).
func WithManagementAPIOptions(fns ...func(*apigatewaymanagementapi.Options)) Option {
	return func(o *options) { o.mgmtOpts = append(o.mgmtOpts, fns...) }
}

// FromEnv builds an App from the process environment: what every Lambda
// main calls.
func FromEnv(ctx context.Context) (*App, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg)
}

// New builds an App from cfg. It makes no network call: the token issuer's
// keys are fetched on first use.
func New(ctx context.Context, cfg Config, opts ...Option) (*App, error) {
	o := options{now: time.Now, httpClient: &http.Client{Timeout: JWKSTimeout}}
	for _, fn := range opts {
		fn(&o)
	}
	if o.log == nil {
		o.log = NewLogger(cfg.LogLevel)
	}
	if o.aws == nil {
		c, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		o.aws = &c
	}
	pooled := pooledHTTP(*o.aws)
	o.aws = &pooled
	db := dynamodb.NewFromConfig(*o.aws, append([]func(*dynamodb.Options){func(d *dynamodb.Options) {
		d.Retryer, d.APIOptions = DynamoDBPolicy.Retryer(), append(d.APIOptions, DynamoDBPolicy.Middleware()...)
		if cfg.DynamoDBEndpoint != "" {
			d.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		}
	}}, o.dynamoOpts...)...)
	if err := cfg.checkSealing(); err != nil {
		return nil, err
	}
	storeOpts := []store.Option{store.WithClock(o.now), store.WithLogger(o.log)}
	var sealer *seal.Sealer
	if cfg.Sealed() {
		keys := kms.NewFromConfig(*o.aws, append([]func(*kms.Options){func(k *kms.Options) {
			k.Retryer, k.APIOptions = KMSPolicy.Retryer(), append(k.APIOptions, KMSPolicy.Middleware()...)
			if cfg.KMSEndpoint != "" {
				k.BaseEndpoint = aws.String(cfg.KMSEndpoint)
			}
		}}, o.kmsOpts...)...)
		var err error
		// The key table is read through the same client as the main
		// table: its calls count among the round trips.
		if sealer, err = seal.New(keys, cfg.KMSKeyID, seal.NewDynamoKeyStore(db, cfg.KeyTableName), seal.WithClock(o.now)); err != nil {
			return nil, fmt.Errorf("message encryption: %w", err)
		}
		storeOpts = append(storeOpts, store.WithSealer(sealer))
	}
	st := store.New(db, cfg.TableName, storeOpts...)
	mgmt := apigatewaymanagementapi.NewFromConfig(*o.aws, append([]func(*apigatewaymanagementapi.Options){func(m *apigatewaymanagementapi.Options) {
		m.Retryer, m.APIOptions = ManagementPolicy.Retryer(), append(m.APIOptions, ManagementPolicy.Middleware()...)
		if cfg.ManagementEndpoint != "" {
			m.BaseEndpoint = aws.String(cfg.ManagementEndpoint)
		}
	}}, o.mgmtOpts...)...)
	var accounts chat.Accounts
	if cfg.UserPoolID != "" {
		accounts = &auth.Accounts{UserPoolID: cfg.UserPoolID, Cognito: cip.NewFromConfig(*o.aws, func(c *cip.Options) {
			c.Retryer, c.APIOptions = CognitoPolicy.Retryer(), append(c.APIOptions, CognitoPolicy.Middleware()...)
			if cfg.CognitoEndpoint != "" {
				c.BaseEndpoint = aws.String(cfg.CognitoEndpoint)
			}
		})}
	}
	var screener chat.Screener
	if !cfg.TriageOff {
		screener = triage.DefaultForChat()
	}
	var alerter chat.Alerter
	if cfg.UrgentTopicARN != "" {
		alerter = alert.Topic{Client: sns.NewFromConfig(*o.aws, func(c *sns.Options) {
			c.Retryer, c.APIOptions = SNSPolicy.Retryer(), append(c.APIOptions, SNSPolicy.Middleware()...)
		}), ARN: cfg.UrgentTopicARN, Now: o.now}
	}
	svc := chat.NewService(chat.Options{
		Screener: screener,
		Alerter:  alerter,
		Store:    st,
		Pusher:   push.New(mgmt, 0, o.log, push.OnGoroutines(runPooled)),
		Typing:   st,
		Accounts: accounts,
		Keys:     st,
		Limits:   cfg.Limits,
		Now:      o.now,
		TokenNow: o.tokenNow,
		Logger:   o.log,
		Go:       runPooled,
	})
	// Tokens and tickets live in real time even when the service clock is
	// moved (the local stack moves it to test retention).
	tickets := &auth.Tickets{Store: st}
	network := StaffNetwork(cfg.StaffCIDRs)
	a := &App{
		Config:  cfg,
		Service: svc,
		Store:   st,
		Log:     o.log,
		WebSocket: &wsapi.Handlers{
			Service: svc, Tickets: tickets, Origins: cfg.AllowedOrigins, Network: network, Log: o.log,
		},
		HTTP: &httpapi.API{
			Service: svc,
			Verifier: auth.NewVerifier(auth.Config{
				Issuer: cfg.Issuer, ClientID: cfg.ClientID, StaffGroup: cfg.StaffGroup, SupervisorGroup: cfg.SupervisorGroup,
				HTTPClient: o.httpClient, Logger: o.log,
			}),
			Tickets: tickets, Network: network, Log: o.log,
		},
	}
	return a, nil
}

// Retention is the retention function's handler, run on a schedule. Its
// log record of a finished sweep is also the metric of the connections open
// (openConnectionsRecord), which the stack alarms on and graphs.
func (a *App) Retention(ctx context.Context, _ events.EventBridgeEvent) (chat.SweepReport, error) {
	rep, err := a.Service.Sweep(ctx)
	attrs := []slog.Attr{slog.Int("expired", rep.Expired), slog.Int("keysDestroyed", rep.KeysDestroyed), slog.Int("keysMade", rep.KeysMade), slog.Int("closed", rep.Closed),
		slog.Int("cutOff", rep.CutOff), slog.Bool("complete", rep.Complete)}
	if err == nil {
		attrs = append(attrs, openConnectionsRecord(time.Now(), a.Config.TableName, rep.Connections)...)
	}
	a.Log.LogAttrs(ctx, slog.LevelInfo, "retention sweep", attrs...)
	return rep, err
}

// NewLogger returns the JSON logger of the functions at level ("debug",
// "info", "warn", "error"; default info).
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: l}))
}

// Start is all a Lambda main does: tune the garbage collector for a
// function (tuneGC), build the App from the environment, pick the
// function's handler from it, and hand that to the Lambda runtime. A
// configuration error stops the process before any invocation. It is for
// the functions that never read or write what people wrote (authorizer,
// connect, disconnect); the others use StartSealed.
func Start(handler func(*App) any) { start(handler, false) }

// StartSealed is Start for the functions that seal, open or destroy the
// keys of message bodies (message, api, retention): it refuses to start
// unless CONFIDE_KEY_TABLE_NAME and CONFIDE_KMS_KEY_ID are both set, so a
// deployment never writes words unencrypted.
func StartSealed(handler func(*App) any) { start(handler, true) }

func start(handler func(*App) any, sealed bool) {
	tuneGC(os.Getenv)
	a, err := FromEnv(context.Background())
	if err == nil && sealed && !a.Config.Sealed() {
		err = fmt.Errorf("message encryption is required: set %s and %s", envvar.KeyTableName, envvar.KMSKeyID)
	}
	if err != nil {
		slog.Error("configuration", "err", err)
		os.Exit(1)
	}
	lambda.Start(handler(a))
}
