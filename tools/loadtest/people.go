package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"

	"github.com/confidechat/confide/internal/admin"
	"github.com/confidechat/confide/internal/client"
	"github.com/confidechat/confide/internal/endpoints"
)

// person is a signed-in user of the run.
type person struct {
	username string
	api      *client.Client
}

// team creates and signs in the run's users through the deployment's user
// pool, as confidectl and the end to end suite do.
type team struct {
	ep      endpoints.Endpoints
	origin  string
	cognito *cip.Client
	admin   admin.Admin
	runID   string
}

func newTeam(ep endpoints.Endpoints, runID string) (*team, error) {
	u, err := url.Parse(ep.WidgetDemo)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("loadtest: the endpoints' widgetDemo %q gives no origin", ep.WidgetDemo)
	}
	cog := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ep.CognitoEndpoint),
		// cognito-local checks no signature, but the SDK signs every call.
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	return &team{
		ep: ep, origin: u.Scheme + "://" + u.Host, cognito: cog, runID: runID,
		admin: admin.Admin{Cognito: cog, UserPoolID: ep.UserPoolID},
	}, nil
}

// join creates user number i of a kind ("c" client, "s" counsellor, "v"
// supervisor) and signs it in.
func (t *team) join(ctx context.Context, kind string, i int) (*person, error) {
	name := fmt.Sprintf("lt%s-%s%04d", t.runID, kind, i)
	password := "Lt-" + randomHex(8) + "-9Aa!"
	if _, err := t.admin.AddUser(ctx, name, password, kind != "c"); err != nil {
		return nil, err
	}
	if kind == "v" {
		if err := t.admin.MakeSupervisor(ctx, name); err != nil {
			return nil, err
		}
	}
	out, err := t.cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(t.ep.UserPoolClientID),
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password},
	})
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", name, err)
	}
	if out.AuthenticationResult == nil {
		return nil, fmt.Errorf("sign in %s: challenge %s instead of tokens", name, out.ChallengeName)
	}
	return &person{username: name, api: client.New(t.ep.HTTPAPI, aws.ToString(out.AuthenticationResult.AccessToken), t.origin)}, nil
}

// people creates n users of a kind, conc at a time.
func (t *team) people(ctx context.Context, kind string, n, conc int) ([]*person, error) {
	out := make([]*person, n)
	err := parallel(ctx, n, conc, func(ctx context.Context, i int) error {
		p, err := t.join(ctx, kind, i)
		out[i] = p
		return err
	})
	return out, err
}

// parallel runs fn(0..n-1), at most conc at a time, and returns the first
// error; after an error the context fn gets is cancelled.
func parallel(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(conc, 1))
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
