package localcognito

import (
	"context"
	"errors"
	"fmt"
	"github.com/confidechat/confide/internal/admin"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The names of what Start creates.
const (
	PoolName        = "confide"
	ClientName      = "confide-web"
	StaffGroup      = "staff"
	SupervisorGroup = "supervisors"
)

// newClient returns a Cognito client for cognito-local at endpoint. The
// credentials are fake: cognito-local does not check signatures, but the SDK
// insists on signing.
func newClient(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// createPool creates the user pool, its app client and the staff group.
func (s *Server) createPool(ctx context.Context) error {
	pool, err := s.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(PoolName)})
	if err != nil {
		return fmt.Errorf("create user pool %s: %w", PoolName, err)
	}
	s.UserPoolID = aws.ToString(pool.UserPool.Id)
	s.Issuer = s.Endpoint + "/" + s.UserPoolID

	client, err := s.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:     aws.String(s.UserPoolID),
		ClientName:     aws.String(ClientName),
		GenerateSecret: false,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		return fmt.Errorf("create app client in %s: %w", s.UserPoolID, err)
	}
	s.ClientID = aws.ToString(client.UserPoolClient.ClientId)

	for _, g := range []struct{ name, description string }{
		{StaffGroup, "Counsellors"},
		{SupervisorGroup, "Supervisors: read every conversation (audited), assign, read the audit trail"},
	} {
		if _, err := s.client.CreateGroup(ctx, &cip.CreateGroupInput{
			UserPoolId:  aws.String(s.UserPoolID),
			GroupName:   aws.String(g.name),
			Description: aws.String(g.description),
		}); err != nil {
			return fmt.Errorf("create group %s in %s: %w", g.name, s.UserPoolID, err)
		}
	}
	return nil
}

// Client returns the Cognito client Start set the pool up with, for any
// other admin call.
func (s *Server) Client() *cip.Client { return s.client }

// CreateUser creates a confirmed user with a permanent password, in the
// staff group when staff is set, and returns its sub.
func (s *Server) CreateUser(ctx context.Context, username, password string, staff bool) (string, error) {
	sub, err := s.admin().AddUser(ctx, username, password, staff)
	if err == nil && sub == "" {
		err = fmt.Errorf("create user %s: no sub in the answer", username)
	}
	return sub, err
}

// MakeSupervisor puts username in the staff and supervisors groups.
func (s *Server) MakeSupervisor(ctx context.Context, username string) error {
	return s.admin().MakeSupervisor(ctx, username)
}

// admin is confidectl's Admin on this pool.
func (s *Server) admin() *admin.Admin {
	return &admin.Admin{Cognito: s.client, UserPoolID: s.UserPoolID, StaffGroup: StaffGroup, SupervisorGroup: SupervisorGroup}
}

// SignIn signs username in with USER_PASSWORD_AUTH, as the widget and
// dashboard do, and returns the access and refresh tokens.
func (s *Server) SignIn(ctx context.Context, username, password string) (accessToken, refreshToken string, err error) {
	out, err := s.client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(s.ClientID),
		AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{
			"USERNAME": username,
			"PASSWORD": password,
		},
	})
	if err != nil {
		return "", "", fmt.Errorf("sign in %s: %w", username, err)
	}
	if out.ChallengeName != "" {
		return "", "", fmt.Errorf("sign in %s: unexpected challenge %s", username, out.ChallengeName)
	}
	if out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.AccessToken) == "" {
		return "", "", errors.New("sign in " + username + ": no tokens in the answer")
	}
	return aws.ToString(out.AuthenticationResult.AccessToken), aws.ToString(out.AuthenticationResult.RefreshToken), nil
}
