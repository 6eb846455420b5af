package e2ekit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/confidechat/confide/internal/admin"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/dev/localcognito"
	"github.com/confidechat/confide/internal/endpoints"
)

// Accounts is a user pool the suites create people in and sign them in
// from.
type Accounts interface {
	// CreateUser creates a confirmed user with a permanent password, a
	// counsellor when staff is set, and returns its sub.
	CreateUser(ctx context.Context, username, password string, staff bool) (string, error)
	// SignIn signs username in as the web clients do and returns an
	// access token.
	SignIn(ctx context.Context, username, password string) (string, error)
	// MakeSupervisor puts username in the staff and supervisors groups.
	MakeSupervisor(ctx context.Context, username string) error
}

// CognitoAccounts are the accounts of a Cognito user pool (AWS's or
// cognito-local), through Cognito's API: the administrator's calls create
// users, USER_PASSWORD_AUTH signs them in.
type CognitoAccounts struct {
	Cognito    *cip.Client
	UserPoolID string
	// ClientID is the pool's app client the web clients sign in with.
	ClientID string
	// StaffGroup is the counsellors' group; "" is admin.DefaultStaffGroup.
	StaffGroup string
}

var _ Accounts = CognitoAccounts{}

// NewCognitoAccounts returns the accounts of the pool ep names, with the
// region and credentials of cfg. A CognitoEndpoint of ep that is not AWS's
// own (cognito-local's) is used instead of AWS's.
func NewCognitoAccounts(ep endpoints.Endpoints, cfg aws.Config) CognitoAccounts {
	return CognitoAccounts{
		Cognito: cip.NewFromConfig(cfg, func(o *cip.Options) {
			if ep.CognitoEndpoint != "" && !strings.Contains(ep.CognitoEndpoint, "amazonaws.com") {
				o.BaseEndpoint = aws.String(ep.CognitoEndpoint)
			}
		}),
		UserPoolID: ep.UserPoolID,
		ClientID:   ep.UserPoolClientID,
	}
}

// CreateUser creates username with admin.Admin.AddUser.
func (a CognitoAccounts) CreateUser(ctx context.Context, username, password string, staff bool) (string, error) {
	ad := admin.Admin{Cognito: a.Cognito, UserPoolID: a.UserPoolID, StaffGroup: a.StaffGroup}
	return ad.AddUser(ctx, username, password, staff)
}

// MakeSupervisor makes username a supervisor with admin.Admin.MakeSupervisor.
func (a CognitoAccounts) MakeSupervisor(ctx context.Context, username string) error {
	ad := admin.Admin{Cognito: a.Cognito, UserPoolID: a.UserPoolID, StaffGroup: a.StaffGroup}
	return ad.MakeSupervisor(ctx, username)
}

// SignIn signs username in with USER_PASSWORD_AUTH.
func (a CognitoAccounts) SignIn(ctx context.Context, username, password string) (string, error) {
	res, err := a.Cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(a.ClientID),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", username, err)
	}
	if res.AuthenticationResult == nil || aws.ToString(res.AuthenticationResult.AccessToken) == "" {
		return "", fmt.Errorf("sign in %s: no access token (challenge %q)", username, res.ChallengeName)
	}
	return aws.ToString(res.AuthenticationResult.AccessToken), nil
}

// Local returns the accounts of the local stack's own pool
// (devstack.Stack.Cognito), for suites that start a stack in process.
func Local(pool *localcognito.Server) Accounts { return localAccounts{pool} }

type localAccounts struct{ pool *localcognito.Server }

func (l localAccounts) CreateUser(ctx context.Context, username, password string, staff bool) (string, error) {
	return l.pool.CreateUser(ctx, username, password, staff)
}

func (l localAccounts) MakeSupervisor(ctx context.Context, username string) error {
	return l.pool.MakeSupervisor(ctx, username)
}

func (l localAccounts) SignIn(ctx context.Context, username, password string) (string, error) {
	token, _, err := l.pool.SignIn(ctx, username, password)
	return token, err
}

// Directory creates people on one deployment: their account in its pool,
// their sign-in, and the protocol client they use its API with.
type Directory struct {
	Accounts Accounts
	// HTTPAPI is the base URL of the deployment's HTTP API.
	HTTPAPI string
	// Origin is the origin the people's clients send, the web clients'.
	Origin string
	// EmailUsernames makes every username an e-mail address, for a pool
	// that signs in by e-mail (a deployed stack's).
	EmailUsernames bool
}

// Person is someone with an account on a deployment, signed in: a protocol
// client carrying their access token (Client.Token).
type Person struct {
	*client.Client
	UserID   string
	Username string
	// Password signs the person in again, e.g. through a web client's form.
	Password string
	Staff    bool
	// Supervisor is set for a supervisor (NewSupervisor).
	Supervisor bool
}

// signInWithin bounds each call to the pool.
const signInWithin = 30 * time.Second

// NewPerson creates a client (a counsellor when staff) under a fresh name,
// "client-…" or "staff-…", and signs them in; it fails the test when the
// pool refuses.
func (d Directory) NewPerson(t testing.TB, staff bool) *Person {
	t.Helper()
	prefix := "client-"
	if staff {
		prefix = "staff-"
	}
	return d.Named(t, UniqueName(prefix), staff)
}

// NewSupervisor creates a counsellor under a fresh name, "supervisor-…",
// makes them a supervisor before they sign in, and signs them in.
func (d Directory) NewSupervisor(t testing.TB) *Person {
	t.Helper()
	return d.create(t, UniqueName("supervisor-"), true, true)
}

// NamedSupervisor creates the supervisor username (see Named) and signs
// them in.
func (d Directory) NamedSupervisor(t testing.TB, username string) *Person {
	t.Helper()
	return d.create(t, username, true, true)
}

// Named creates the person username (with "@example.com" added when
// EmailUsernames is set) with a fresh password, a counsellor when staff,
// and signs them in; it fails the test when the pool refuses.
func (d Directory) Named(t testing.TB, username string, staff bool) *Person {
	t.Helper()
	return d.create(t, username, staff, false)
}

// create makes and signs in one person.
func (d Directory) create(t testing.TB, username string, staff, supervisor bool) *Person {
	t.Helper()
	if d.EmailUsernames {
		username += "@example.com"
	}
	password := "Pw-" + UniqueName("x") + "-9Aa!"
	ctx := Context(t, signInWithin)
	sub, err := d.Accounts.CreateUser(ctx, username, password, staff)
	if err == nil && supervisor {
		err = d.Accounts.MakeSupervisor(ctx, username)
	}
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	token, err := d.Accounts.SignIn(ctx, username, password)
	if err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
	return &Person{
		Client:     client.New(d.HTTPAPI, token, d.Origin),
		UserID:     sub,
		Username:   username,
		Password:   password,
		Staff:      staff,
		Supervisor: supervisor,
	}
}
