package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

// identity is the Cognito user pool and app client that sign people in.
type identity struct {
	pool   awscognito.IUserPool
	client awscognito.IUserPoolClient
	// issuer is the pool's token issuer, as the functions and the JWT
	// authorizer compare it with a token's iss claim.
	issuer *string
	// staffGroup is the group whose members are counsellors, and
	// supervisorGroup the group of supervisors (staff too).
	staffGroup, supervisorGroup string
}

// Token lifetimes of the app client.
//
// Access and id tokens live 60 minutes. The backend verifies tokens itself
// against the pool's keys, so a disabled account keeps a valid access token
// until it expires: an hour bounds that window (confidectl's `users disable`
// also closes the account's connections at once), while a counselling
// session of ordinary length needs at most one silent refresh. WebSocket
// connections never carry a token; they use 60-second tickets.
//
// Refresh tokens live 12 hours: long enough for a counsellor's shift and for
// a client to reconnect through a day without typing a password again, short
// enough that a refresh token left on a shared device stops working the same
// day. Token revocation is on, so signing out revokes it at once.
const (
	accessTokenMinutes = 60
	refreshTokenHours  = 12
	minPasswordLength  = 12
	tempPasswordDays   = 3
	// Supervisors rank before counsellors in the token's groups claim.
	supervisorGroupPrecedence = 0
	counsellorGroupPrecedence = 1
)

// newIdentity creates the user pool, its staff group and the app client,
// or uses the existing pool and client named by context.
func newIdentity(stack awscdk.Stack, cfg settings) *identity {
	id := &identity{staffGroup: cfg.staffGroup, supervisorGroup: cfg.supervisorGroup}
	if cfg.userPoolID != "" {
		// An existing pool brings its own staff and supervisors groups; the
		// stack only needs its ids.
		id.pool = awscognito.UserPool_FromUserPoolId(stack, jsii.String("UserPool"), &cfg.userPoolID)
		id.client = awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("AppClient"), &cfg.userPoolClientID)
	} else {
		pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
			SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
			SignInCaseSensitive: jsii.Bool(false),
			AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
			SelfSignUpEnabled:   jsii.Bool(cfg.selfSignUp),
			PasswordPolicy: &awscognito.PasswordPolicy{
				MinLength:            jsii.Number(minPasswordLength),
				RequireLowercase:     jsii.Bool(true),
				RequireUppercase:     jsii.Bool(true),
				RequireDigits:        jsii.Bool(true),
				RequireSymbols:       jsii.Bool(true),
				TempPasswordValidity: awscdk.Duration_Days(jsii.Number(tempPasswordDays)),
			},
			Mfa:                awscognito.Mfa_OPTIONAL,
			MfaSecondFactor:    &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
			AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
			DeletionProtection: jsii.Bool(cfg.prod),
			RemovalPolicy:      removalPolicy(cfg),
		})
		awscognito.NewUserPoolGroup(stack, jsii.String("StaffGroup"), &awscognito.UserPoolGroupProps{
			UserPool:    pool,
			GroupName:   &cfg.staffGroup,
			Description: jsii.String("Counsellors: answer the conversations waiting for one and those assigned to them"),
			Precedence:  jsii.Number(counsellorGroupPrecedence),
		})
		awscognito.NewUserPoolGroup(stack, jsii.String("SupervisorGroup"), &awscognito.UserPoolGroupProps{
			UserPool:    pool,
			GroupName:   &cfg.supervisorGroup,
			Description: jsii.String("Supervisors: read every conversation (audited), assign them, read the audit trail"),
			Precedence:  jsii.Number(supervisorGroupPrecedence),
		})
		id.pool = pool
		id.client = pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
			// The widget and the dashboard run in browsers: a secret could
			// not be kept there.
			GenerateSecret: jsii.Bool(false),
			// Refresh-token sign-in is always allowed by CDK alongside these.
			AuthFlows: &awscognito.AuthFlow{
				UserPassword: jsii.Bool(true),
				UserSrp:      jsii.Bool(true),
			},
			DisableOAuth:               jsii.Bool(true),
			PreventUserExistenceErrors: jsii.Bool(true),
			EnableTokenRevocation:      jsii.Bool(true),
			AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(accessTokenMinutes)),
			IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(accessTokenMinutes)),
			RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(refreshTokenHours)),
		})
	}
	id.issuer = jsii.String(fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s",
		*stack.Region(), *id.pool.UserPoolId()))
	return id
}

// removalPolicy keeps production data when the stack or a resource goes
// away, and lets any other stage be destroyed whole.
func removalPolicy(cfg settings) awscdk.RemovalPolicy {
	if cfg.prod {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
