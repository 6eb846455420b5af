package e2ekit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/confidechat/confide/internal/dev/localcognito"
	"github.com/confidechat/confide/internal/endpoints"
)

// claims decodes the payload of a JWT without verifying it (the pool's
// signature is the verifier's business, tested in internal/auth).
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a compact JWS", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode token payload: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("decode token claims: %v", err)
	}
	return c
}

// TestDirectoryCreatesAndSignsPeopleIn creates people on a real
// cognito-local through both kinds of Accounts and checks what the pool
// says of them in their access tokens.
func TestDirectoryCreatesAndSignsPeopleIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := localcognito.Start(ctx, localcognito.Options{Root: root, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start cognito-local: %v", err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	ep := endpoints.Endpoints{CognitoEndpoint: pool.Endpoint, UserPoolID: pool.UserPoolID, UserPoolClientID: pool.ClientID}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}

	accounts := []struct {
		name     string
		accounts Accounts
	}{
		{"CognitoAPI", NewCognitoAccounts(ep, cfg)},
		{"LocalPool", Local(pool)},
	}
	people := []struct {
		name       string
		staff      bool
		email      bool
		wantPrefix string
	}{
		{"Client", false, false, "client-"},
		{"Counsellor", true, false, "staff-"},
		{"ClientByEmail", false, true, "client-"},
	}
	for _, a := range accounts {
		for _, p := range people {
			t.Run(a.name+"/"+p.name, func(t *testing.T) {
				d := Directory{Accounts: a.accounts, HTTPAPI: "http://api.example/", Origin: "https://web.example", EmailUsernames: p.email}
				got := d.NewPerson(t, p.staff)
				if !strings.HasPrefix(got.Username, p.wantPrefix) || strings.HasSuffix(got.Username, "@example.com") != p.email {
					t.Errorf("username %q, want prefix %q, an e-mail address: %v", got.Username, p.wantPrefix, p.email)
				}
				if got.UserID == "" || got.Password == "" || got.Staff != p.staff {
					t.Errorf("person %+v, want a sub, a password and staff %v", got, p.staff)
				}
				if got.BaseURL != "http://api.example" || got.Origin != "https://web.example" {
					t.Errorf("client of %s from %s, want the directory's API and origin", got.BaseURL, got.Origin)
				}
				c := claims(t, got.Token)
				if c["sub"] != got.UserID || c["token_use"] != "access" {
					t.Errorf("token claims %v, want an access token of %s", c, got.UserID)
				}
				groups, _ := c["cognito:groups"].([]any)
				if isStaff := slices.Contains(groups, any(localcognito.StaffGroup)); isStaff != p.staff {
					t.Errorf("groups %v, want staff %v", groups, p.staff)
				}
			})
		}
	}
}

// fakeAccounts is a pool that answers with its function fields.
type fakeAccounts struct {
	create func(username string) (string, error)
	signIn func(username string) (string, error)
}

var _ Accounts = fakeAccounts{}

func (f fakeAccounts) CreateUser(_ context.Context, username, _ string, _ bool) (string, error) {
	return f.create(username)
}

func (f fakeAccounts) SignIn(_ context.Context, username, _ string) (string, error) {
	return f.signIn(username)
}

func (f fakeAccounts) MakeSupervisor(context.Context, string) error {
	return errors.New("fakeAccounts makes no supervisors")
}

func TestDirectoryFailsTheTestWhenThePoolRefuses(t *testing.T) {
	refused := errors.New("refused")
	ok := func(string) (string, error) { return "x", nil }
	no := func(string) (string, error) { return "", refused }
	tests := []struct {
		name        string
		accounts    fakeAccounts
		wantFailure string
	}{
		{"CreateUser", fakeAccounts{create: no, signIn: ok}, "create user sam: refused"},
		{"SignIn", fakeAccounts{create: ok, signIn: no}, "sign in sam: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failureOf(t, func(tb testing.TB) {
				Directory{Accounts: tt.accounts}.Named(tb, "sam", false)
			})
			if got != tt.wantFailure {
				t.Errorf("failure %q, want %q", got, tt.wantFailure)
			}
		})
	}
}
