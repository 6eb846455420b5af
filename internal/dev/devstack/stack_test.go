package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/localcognito"
)

// TestStackStartsAndTellsItsEndpoints starts the whole local stack, checks
// that endpoints.json has exactly the documented keys, and that the real
// SDK clients work against the printed endpoints.
func TestStackStartsAndTellsItsEndpoints(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, Options{Root: "../../..", Seed: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("local stack started in %s", time.Since(began))
	cogPid := s.Cognito.Pid()
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})

	dir := t.TempDir()
	if err := s.WriteEndpoints(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "endpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"httpApi", "websocket", "cognitoEndpoint", "userPoolId", "userPoolClientId", "issuer", "dynamodbEndpoint", "tableName", "kmsEndpoint", "kmsKeyId", "keyTableName", "widgetDemo", "dashboard"}
	var keys []string
	for k, v := range got {
		keys = append(keys, k)
		if v == "" {
			t.Errorf("endpoints.json %s is empty", k)
		}
	}
	sort.Strings(keys)
	sort.Strings(want)
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Fatalf("endpoints.json keys = %v, want %v", keys, want)
	}

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(got["dynamodbEndpoint"]) })
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(got["tableName"])}); err != nil {
		t.Errorf("DynamoDB at the printed endpoint: %v", err)
	}
	cog := cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(got["cognitoEndpoint"]) })
	users, err := cog.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(got["userPoolId"])})
	if err != nil {
		t.Fatalf("Cognito at the printed endpoint: %v", err)
	}
	if len(users.Users) != len(DemoAccounts) {
		t.Errorf("pool has %d users, want the %d demo accounts", len(users.Users), len(DemoAccounts))
	}
	for _, acc := range s.Accounts {
		if _, _, err := s.Cognito.SignIn(ctx, acc.Username, acc.Password); err != nil {
			t.Errorf("demo account %s cannot sign in with its printed password: %v", acc.Username, err)
		}
	}
	mgmt := apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(strings.Replace(got["websocket"], "ws://", "http://", 1))
	})
	_, err = mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("nobody")})
	var gone *apitypes.GoneException
	if !errors.As(err, &gone) {
		t.Errorf("management API for an unknown connection: %v, want GoneException", err)
	}

	closed = true
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := syscall.Kill(cogPid, 0); err == nil {
		t.Errorf("cognito-local (pid %d) still runs after Close", cogPid)
	}
	for _, u := range []string{got["httpApi"], got["dynamodbEndpoint"]} {
		host := strings.TrimPrefix(u, "http://")
		if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Close", host)
		}
	}
}

// TestStackRefusesATakenPort: a port in use stops the start with a message
// that names it, and leaves nothing running.
func TestStackRefusesATakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(context.Background(), Options{Root: "../../..", HTTPAddr: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "HTTP API") {
		t.Fatalf("Start on a taken port: %v, want an error naming the HTTP API and %s", err, ln.Addr())
	}
}

// TestStackUsesAnExistingPool: with Pool set the stack starts no
// cognito-local of its own and trusts that pool's tokens.
func TestStackUsesAnExistingPool(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	other, err := localcognito.Start(ctx, localcognito.Options{Root: root, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s, err := Start(ctx, Options{Root: "../../..", Seed: true, Pool: &Pool{
		Endpoint: other.Endpoint, UserPoolID: other.UserPoolID, ClientID: other.ClientID, Issuer: other.Issuer,
	}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()
	if s.Cognito != nil || len(s.Accounts) != 0 {
		t.Fatalf("started its own cognito-local (%v) or seeded %d accounts into an existing pool", s.Cognito != nil, len(s.Accounts))
	}
	if s.Endpoints.UserPoolID != other.UserPoolID || s.Endpoints.Issuer != other.Issuer {
		t.Fatalf("endpoints name pool %s / %s, want %s / %s", s.Endpoints.UserPoolID, s.Endpoints.Issuer, other.UserPoolID, other.Issuer)
	}
	if _, err := other.CreateUser(ctx, "pat", "Pw-existing-pool-1!", false); err != nil {
		t.Fatal(err)
	}
	token, _, err := other.SignIn(ctx, "pat", "Pw-existing-pool-1!")
	if err != nil {
		t.Fatal(err)
	}
	me, err := client.New(s.Endpoints.HTTPAPI, token, "").Me(ctx)
	if err != nil || me.Username != "pat" {
		t.Fatalf("GET /me with the existing pool's token = %+v, %v; want pat", me, err)
	}
}
