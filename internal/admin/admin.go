// Package admin is what confidectl does: the operator's commands on the user
// pool and the table, each a method of Admin so that tests run them against
// the local stack.
package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/store"
)

// Cognito is the part of the Cognito admin API the commands use.
type Cognito interface {
	AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, opts ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminAddUserToGroup(ctx context.Context, in *cip.AdminAddUserToGroupInput, opts ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, opts ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, opts ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	ListUsersInGroup(ctx context.Context, in *cip.ListUsersInGroupInput, opts ...func(*cip.Options)) (*cip.ListUsersInGroupOutput, error)
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, opts ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
}

// Actor is the audit actor of what confidectl does.
const Actor = "confidectl"

// DefaultStaffGroup is the Cognito group of counsellors.
const DefaultStaffGroup = auth.DefaultStaffGroup

// DefaultSupervisorGroup is the Cognito group of supervisors.
const DefaultSupervisorGroup = auth.DefaultSupervisorGroup

// Admin runs the commands. Out receives what they print.
type Admin struct {
	Cognito    Cognito
	UserPoolID string
	// StaffGroup defaults to DefaultStaffGroup.
	StaffGroup string
	// SupervisorGroup defaults to DefaultSupervisorGroup.
	SupervisorGroup string
	Store           chat.Store
	// Keys are the data keys that seal what people wrote (the store, when
	// it seals): an erasure destroys the client's. EraseUser refuses to
	// run without them.
	Keys chat.Keys
	// Plaintext seals the words a version before message encryption
	// stored in the clear (store.Store.SealPlaintext with the table's
	// Scan); SealPlaintext refuses to run without it.
	Plaintext func(ctx context.Context) (store.SealReport, error)
	Pusher    chat.Pusher
	Out       io.Writer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (a *Admin) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Admin) staffGroup() string {
	if a.StaffGroup == "" {
		return DefaultStaffGroup
	}
	return a.StaffGroup
}

func (a *Admin) printf(format string, args ...any) {
	if a.Out != nil {
		fmt.Fprintf(a.Out, format, args...)
	}
}

// AddUser creates a confirmed user with a permanent password (no invitation
// message), in the staff group when staff is set, and returns its sub.
func (a *Admin) AddUser(ctx context.Context, username, password string, staff bool) (string, error) {
	if username == "" || password == "" {
		return "", errors.New("users add: a username and --password are required")
	}
	in := &cip.AdminCreateUserInput{
		UserPoolId:    aws.String(a.UserPoolID),
		Username:      aws.String(username),
		MessageAction: types.MessageActionTypeSuppress,
	}
	if strings.Contains(username, "@") {
		// The stack's pool signs in by email: the address is the username,
		// verified because an administrator vouches for it.
		in.UserAttributes = []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(username)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		}
	}
	out, err := a.Cognito.AdminCreateUser(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create user %s: %w", username, err)
	}
	sub := attribute(out.User.Attributes, "sub")
	if _, err := a.Cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(a.UserPoolID),
		Username:   aws.String(username),
		Password:   aws.String(password),
		Permanent:  true,
	}); err != nil {
		return "", fmt.Errorf("set password of %s: %w", username, err)
	}
	if staff {
		if _, err := a.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(a.UserPoolID),
			Username:   aws.String(username),
			GroupName:  aws.String(a.staffGroup()),
		}); err != nil {
			return "", fmt.Errorf("add %s to %s: %w", username, a.staffGroup(), err)
		}
	}
	a.printf("created %s (sub %s, staff %t)\n", username, sub, staff)
	return sub, nil
}

// MakeSupervisor puts username in the staff and supervisors groups: they
// may then read every conversation (each reading of one not assigned to
// them audited), assign conversations and read the audit trail. It takes
// effect with their next sign-in.
func (a *Admin) MakeSupervisor(ctx context.Context, username string) error {
	for _, g := range []string{a.staffGroup(), a.supervisorGroup()} {
		if _, err := a.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(a.UserPoolID),
			Username:   aws.String(username),
			GroupName:  aws.String(g),
		}); err != nil {
			return fmt.Errorf("add %s to %s: %w", username, g, err)
		}
	}
	a.printf("%s is a supervisor\n", username)
	return nil
}

func (a *Admin) supervisorGroup() string {
	if a.SupervisorGroup == "" {
		return DefaultSupervisorGroup
	}
	return a.SupervisorGroup
}

// DisableUser disables a user, signs them out everywhere, revokes their
// credentials in the table (so an access token they still hold opens no
// connection, and a frame on one still open closes it) and closes every
// open connection of theirs. It returns how many connections it closed.
func (a *Admin) DisableUser(ctx context.Context, username string) (int, error) {
	return a.endAccess(ctx, username, "disabled", func(ctx context.Context) error {
		if _, err := a.Cognito.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(username)}); err != nil {
			return fmt.Errorf("disable %s: %w", username, err)
		}
		return a.signOut(ctx, username)
	})
}

// SignOutUser signs a user out everywhere: Cognito revokes their refresh
// tokens, the table revokes every credential issued until now (access
// tokens stay valid at Cognito until they expire, so the revocation is what
// stops them here), and every open connection of theirs is closed. It
// returns how many connections it closed.
func (a *Admin) SignOutUser(ctx context.Context, username string) (int, error) {
	return a.endAccess(ctx, username, "signed out", func(ctx context.Context) error { return a.signOut(ctx, username) })
}

// endAccess runs cognito's steps on username's account, then revokes their
// credentials and closes their connections (cutOff), and says what it did
// as done.
func (a *Admin) endAccess(ctx context.Context, username, done string, cognito func(context.Context) error) (int, error) {
	sub, err := a.sub(ctx, username)
	if err != nil {
		return 0, err
	}
	if err := cognito(ctx); err != nil {
		return 0, err
	}
	n, err := a.cutOff(ctx, sub)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", username, err)
	}
	a.printf("%s %s (sub %s), closed %d connection(s)\n", done, username, sub, n)
	return n, nil
}

// sub returns the sub of username.
func (a *Admin) sub(ctx context.Context, username string) (string, error) {
	u, err := a.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(username)})
	if err != nil {
		return "", fmt.Errorf("get user %s: %w", username, err)
	}
	return attribute(u.UserAttributes, "sub"), nil
}

// signOut signs username out of Cognito everywhere, with a warning where
// the pool cannot.
func (a *Admin) signOut(ctx context.Context, username string) error {
	if _, err := a.Cognito.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(username)}); err != nil {
		if !unsupported(err) {
			return fmt.Errorf("sign out %s: %w", username, err)
		}
		a.printf("warning: this user pool does not support global sign-out; refresh tokens of %s stay valid until they expire\n", username)
	}
	return nil
}

// cutOff ends every access of sub (chat.Service.RevokeAccess) and returns
// how many connections it closed.
func (a *Admin) cutOff(ctx context.Context, sub string) (int, error) {
	return a.service().RevokeAccess(ctx, sub)
}

// service is the domain service over the admin's store and pusher.
func (a *Admin) service() *chat.Service {
	return chat.NewService(chat.Options{Store: a.Store, Keys: a.Keys, Pusher: a.Pusher, Now: a.Now})
}

// unsupported reports whether err says the API does not offer the call
// (cognito-local has no global sign-out).
func unsupported(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "CognitoLocal#Unsupported" || ae.ErrorCode() == "Unsupported")
}

// StaffMember is one member of the staff group.
type StaffMember struct {
	Username string `json:"username"`
	Sub      string `json:"sub"`
	Enabled  bool   `json:"enabled"`
}

// ListStaff lists the staff group's members and prints them.
func (a *Admin) ListStaff(ctx context.Context) ([]StaffMember, error) {
	var staff []StaffMember
	p := cip.NewListUsersInGroupPaginator(a.Cognito, &cip.ListUsersInGroupInput{
		UserPoolId: aws.String(a.UserPoolID),
		GroupName:  aws.String(a.staffGroup()),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list group %s: %w", a.staffGroup(), err)
		}
		for _, u := range page.Users {
			staff = append(staff, StaffMember{Username: aws.ToString(u.Username), Sub: attribute(u.Attributes, "sub"), Enabled: u.Enabled})
		}
	}
	for _, m := range staff {
		a.printf("%s\t%s\tenabled=%t\n", m.Username, m.Sub, m.Enabled)
	}
	return staff, nil
}

// EraseUser removes every conversation and message of a client, destroys
// the key of their permanent conversations, revokes their credentials and
// records the erasure in the audit trail, without content
// (chat.Service.EraseClient). It returns how many items it removed.
func (a *Admin) EraseUser(ctx context.Context, sub string) (int, error) {
	if a.Keys == nil {
		return 0, errors.New("users erase: the data keys are needed to destroy the client's (key table and KMS key)")
	}
	n, err := a.service().EraseClient(ctx, Actor, sub)
	if err != nil {
		return n, fmt.Errorf("users erase: %w", err)
	}
	a.printf("erased %s: %d item(s) removed\n", sub, n)
	return n, nil
}

// SealPlaintext seals every message body and feedback comment that a
// version of Confide before message encryption stored in the clear, so
// that the table, and every backup taken from then on, holds no words
// (issue 15). Backups taken before still hold them until they age out
// (35 days of point-in-time recovery). Safe to run again.
func (a *Admin) SealPlaintext(ctx context.Context) (store.SealReport, error) {
	if a.Plaintext == nil {
		return store.SealReport{}, errors.New("seal plaintext: the data keys are needed to seal (key table and KMS key)")
	}
	rep, err := a.Plaintext(ctx)
	if err != nil {
		return rep, fmt.Errorf("seal plaintext: %w", err)
	}
	a.printf("sealed %d message(s) and comment(s); removed the words of %d expired or deleted message(s); %d changed meanwhile (run again)\n",
		rep.Sealed, rep.Dropped, rep.Changed)
	return rep, nil
}

func attribute(attrs []types.AttributeType, name string) string {
	for _, at := range attrs {
		if aws.ToString(at.Name) == name {
			return aws.ToString(at.Value)
		}
	}
	return ""
}
