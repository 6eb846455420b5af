// Command confidectl is Confide's admin CLI: users, staff, transcripts,
// erasure and demo data, against AWS or the local stack.
//
//	confidectl [--endpoints .devstack/endpoints.json | --user-pool-id ID --table T --region R --management-endpoint URL] COMMAND
//
// Commands:
//
//	users add USERNAME --password P [--staff | --supervisor]
//	users disable USERNAME
//	users signout USERNAME
//	users erase SUB
//	staff list
//	conversations export ID [--format json|text]
//	migrate seal-plaintext
//	seed
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/confidechat/confide/internal/admin"
	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/internal/push"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
)

const usage = `usage: confidectl [global flags] COMMAND
  users add USERNAME --password P [--staff | --supervisor]
  users disable USERNAME
  users signout USERNAME
  users erase SUB
  staff list
  conversations export ID [--format json|text]
  migrate seal-plaintext   seal the words an earlier version stored in the clear
  seed
global flags:`

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "confidectl:", err)
		os.Exit(1)
	}
}

// target is where the commands run.
type target struct {
	endpoints, userPoolID, table, region, management, staffGroup string
	keyTable, kmsKeyID                                           string
}

func run(ctx context.Context, args []string) error {
	var t target
	fs := flag.NewFlagSet("confidectl", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), usage); fs.PrintDefaults() }
	fs.StringVar(&t.endpoints, "endpoints", ".devstack/endpoints.json", "endpoints file: the local stack's, or a deployed stack's `cdk deploy` outputs file (ignored when --user-pool-id is set)")
	fs.StringVar(&t.userPoolID, "user-pool-id", "", "Cognito user pool id (AWS)")
	fs.StringVar(&t.table, "table", "", "DynamoDB table name (AWS)")
	fs.StringVar(&t.keyTable, "key-table", "", "table of wrapped data keys (AWS; users erase and conversations export need it)")
	fs.StringVar(&t.kmsKeyID, "kms-key-id", "", "ARN of the KMS key that wraps the data keys (AWS)")
	fs.StringVar(&t.region, "region", "", "AWS region")
	fs.StringVar(&t.management, "management-endpoint", "", "WebSocket management endpoint (https://ID.execute-api.REGION.amazonaws.com/STAGE)")
	fs.StringVar(&t.staffGroup, "staff-group", admin.DefaultStaffGroup, "Cognito group of counsellors")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := t.admin(ctx)
	if err != nil {
		return err
	}
	return dispatch(ctx, a, fs.Args())
}

func dispatch(ctx context.Context, a *admin.Admin, args []string) error {
	if len(args) == 0 {
		return errors.New("no command; run confidectl -h")
	}
	cmd := args[0]
	if len(args) > 1 && (cmd == "users" || cmd == "staff" || cmd == "conversations" || cmd == "migrate") {
		cmd += " " + args[1]
		args = args[1:]
	}
	sub := flag.NewFlagSet(cmd, flag.ContinueOnError)
	password := sub.String("password", "", "permanent password")
	staff := sub.Bool("staff", false, "add to the staff group")
	supervisor := sub.Bool("supervisor", false, "add to the staff and supervisors groups")
	format := sub.String("format", admin.FormatJSON, "json or text")
	pos, err := parseInterspersed(sub, args[1:])
	if err != nil {
		return err
	}
	want := func(n int) error {
		if len(pos) != n {
			return fmt.Errorf("%s: expected %d argument(s), got %d", cmd, n, len(pos))
		}
		return nil
	}
	switch cmd {
	case "users add":
		if err := want(1); err != nil {
			return err
		}
		if _, err = a.AddUser(ctx, pos[0], *password, *staff || *supervisor); err == nil && *supervisor {
			err = a.MakeSupervisor(ctx, pos[0])
		}
	case "users disable":
		if err := want(1); err != nil {
			return err
		}
		_, err = a.DisableUser(ctx, pos[0])
	case "users signout":
		if err := want(1); err != nil {
			return err
		}
		_, err = a.SignOutUser(ctx, pos[0])
	case "users erase":
		if err := want(1); err != nil {
			return err
		}
		_, err = a.EraseUser(ctx, pos[0])
	case "staff list":
		if err := want(0); err != nil {
			return err
		}
		_, err = a.ListStaff(ctx)
	case "conversations export":
		if err := want(1); err != nil {
			return err
		}
		_, err = a.Export(ctx, pos[0], *format)
	case "migrate seal-plaintext":
		if err := want(0); err != nil {
			return err
		}
		_, err = a.SealPlaintext(ctx)
	case "seed":
		if err := want(0); err != nil {
			return err
		}
		_, err = a.Seed(ctx)
	default:
		return fmt.Errorf("unknown command %q; run confidectl -h", cmd)
	}
	return err
}

// parseInterspersed parses flags that may come after positional arguments
// and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// admin wires the clients: the local stack's endpoints file, or AWS with
// the default credential chain.
func (t target) admin(ctx context.Context) (*admin.Admin, error) {
	var (
		cfg                           aws.Config
		poolID, table, mgmt           string
		cognitoURL, dynamoURL, kmsURL string
		keyTable, kmsKeyID            = t.keyTable, t.kmsKeyID
	)
	if t.userPoolID != "" {
		if t.table == "" || t.management == "" {
			return nil, errors.New("--user-pool-id needs --table and --management-endpoint")
		}
		var opts []func(*config.LoadOptions) error
		if t.region != "" {
			opts = append(opts, config.WithRegion(t.region))
		}
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		poolID, table, mgmt = t.userPoolID, t.table, t.management
	} else {
		ep, err := endpoints.Load(t.endpoints)
		if err != nil {
			return nil, fmt.Errorf("read endpoints (is the local stack running? or pass --user-pool-id for AWS): %w", err)
		}
		poolID, table, mgmt = ep.UserPoolID, ep.TableName, t.management
		keyTable, kmsKeyID = ep.KeyTableName, ep.KMSKeyID
		if mgmt == "" {
			// API Gateway's management API is the WebSocket stage over
			// HTTP(S); the local one is served on the WebSocket listener.
			mgmt = "http" + strings.TrimPrefix(ep.WebSocket, "ws")
		}
		if strings.HasSuffix(ep.WebSocket, ".amazonaws.com") || strings.Contains(ep.WebSocket, ".amazonaws.com/") {
			// A deployed stack (its cdk outputs file): AWS credentials from
			// the environment, AWS's own endpoints.
			if cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(ep.Region())); err != nil {
				return nil, fmt.Errorf("load AWS configuration: %w", err)
			}
		} else {
			cfg = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
			cognitoURL, dynamoURL, kmsURL = ep.CognitoEndpoint, ep.DynamoDBEndpoint, ep.KMSEndpoint
		}
	}
	cog := cip.NewFromConfig(cfg, func(o *cip.Options) {
		if cognitoURL != "" {
			o.BaseEndpoint = aws.String(cognitoURL)
		}
	})
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if dynamoURL != "" {
			o.BaseEndpoint = aws.String(dynamoURL)
		}
	})
	mc := apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(mgmt) })
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a := &admin.Admin{
		Cognito:    cog,
		UserPoolID: poolID,
		StaffGroup: t.staffGroup,
		Pusher:     push.New(mc, 0, log),
		Out:        os.Stdout,
	}
	if keyTable == "" || kmsKeyID == "" {
		// Without the data keys the words cannot be read, nor an erased
		// client's key destroyed: export and erase refuse.
		a.Store = store.New(db, table, store.WithLogger(log))
		return a, nil
	}
	keys := kms.NewFromConfig(cfg, func(o *kms.Options) {
		if kmsURL != "" {
			o.BaseEndpoint = aws.String(kmsURL)
		}
	})
	sealer, err := seal.New(keys, kmsKeyID, seal.NewDynamoKeyStore(db, keyTable))
	if err != nil {
		return nil, fmt.Errorf("message encryption: %w", err)
	}
	st := store.New(db, table, store.WithSealer(sealer), store.WithLogger(log))
	a.Store, a.Keys = st, st
	a.Plaintext = func(ctx context.Context) (store.SealReport, error) { return st.SealPlaintext(ctx, db) }
	return a, nil
}
