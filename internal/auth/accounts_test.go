package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/confidechat/confide/internal/auth"
)

// userGetter answers AdminGetUser with out or err, and remembers the input.
type userGetter struct {
	out *cip.AdminGetUserOutput
	err error
	in  *cip.AdminGetUserInput
}

func (g *userGetter) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	g.in = in
	return g.out, g.err
}

func TestAccountsActive(t *testing.T) {
	tests := []struct {
		name    string
		getter  userGetter
		want    bool
		wantErr bool
	}{
		{"EnabledIsActive", userGetter{out: &cip.AdminGetUserOutput{Enabled: true}}, true, false},
		{"DisabledIsNot", userGetter{out: &cip.AdminGetUserOutput{Enabled: false}}, false, false},
		{"DeletedIsNot", userGetter{err: &types.UserNotFoundException{Message: aws.String("User does not exist.")}}, false, false},
		{"AnyOtherFailureIsAnError", userGetter{err: errors.New("throttled")}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &auth.Accounts{Cognito: &tt.getter, UserPoolID: "pool-1"}
			got, err := a.Active(context.Background(), "alex")
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Active = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
			if in := tt.getter.in; aws.ToString(in.UserPoolId) != "pool-1" || aws.ToString(in.Username) != "alex" {
				t.Errorf("asked about %s in %s, want alex in pool-1", aws.ToString(in.Username), aws.ToString(in.UserPoolId))
			}
		})
	}
}
