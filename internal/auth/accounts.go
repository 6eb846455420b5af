package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/confidechat/confide/internal/chat"
)

// UserGetter is the part of the Cognito admin API Accounts calls.
// *cognitoidentityprovider.Client satisfies it.
type UserGetter interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
}

// Accounts answers whether a Cognito account may still be used, for the
// retention sweep's cut-off of disabled accounts. It implements
// chat.Accounts.
type Accounts struct {
	Cognito    UserGetter
	UserPoolID string
}

var _ chat.Accounts = (*Accounts)(nil)

// Active reports whether username exists in the pool and is enabled. A
// deleted account is not active; any other failure is an error.
func (a *Accounts) Active(ctx context.Context, username string) (bool, error) {
	out, err := a.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{
		UserPoolId: aws.String(a.UserPoolID),
		Username:   aws.String(username),
	})
	var gone *types.UserNotFoundException
	if errors.As(err, &gone) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get account %s: %w", username, err)
	}
	return out.Enabled, nil
}
