package admin_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/admin"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/testkit"
)

func TestAddUserSignsInWithTheRole(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	for _, tc := range []struct {
		name  string
		staff bool
		want  chat.Role
	}{
		{"client", false, chat.RoleClient},
		{"staff", true, chat.RoleStaff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, name, sub := signedIn(t, ctx, a, tc.name, tc.staff)
			me, err := c.Me(ctx)
			if err != nil {
				t.Fatalf("Me: %v", err)
			}
			if me.Role != tc.want || me.UserID != sub || me.Username != name {
				t.Errorf("Me = %+v, want role %s, sub %s, username %s", me, tc.want, sub, name)
			}
		})
	}
}

func TestAddUserRefusesMissingPassword(t *testing.T) {
	ctx := testContext(t)
	if _, err := newAdmin(&bytes.Buffer{}).AddUser(ctx, uniqueName("nopw"), "", false); err == nil {
		t.Error("AddUser without a password: got no error")
	}
}

func TestDisableUserClosesTheirSocketAndDisablesThem(t *testing.T) {
	ctx := testContext(t)
	var out bytes.Buffer
	a := newAdmin(&out)
	c, name, sub := signedIn(t, ctx, a, "dis", false)
	_, sock := openSocket(t, ctx, c)

	n, err := a.DisableUser(ctx, name)
	if err != nil {
		t.Fatalf("DisableUser: %v", err)
	}
	if n != 1 {
		t.Errorf("DisableUser closed %d connections, want 1", n)
	}
	if _, err := sock.Closed(ctx); err != nil {
		t.Fatalf("socket still open after DisableUser: %v", err)
	}
	conns, err := a.Store.UserConnections(ctx, sub, a.Now())
	if err != nil {
		t.Fatalf("UserConnections: %v", err)
	}
	if len(conns) != 0 {
		t.Errorf("UserConnections after disable = %d, want 0", len(conns))
	}
	u, err := a.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(name)})
	if err != nil {
		t.Fatalf("AdminGetUser: %v", err)
	}
	if u.Enabled {
		t.Error("user still enabled after DisableUser")
	}
	if !strings.Contains(out.String(), "closed 1 connection") {
		t.Errorf("output %q does not report the closed connection", out.String())
	}
}

func TestDisableUnknownUserFails(t *testing.T) {
	ctx := testContext(t)
	if _, err := newAdmin(&bytes.Buffer{}).DisableUser(ctx, uniqueName("ghost")); err == nil {
		t.Error("DisableUser of an unknown user: got no error")
	}
}

func TestListStaffHoldsStaffOnly(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	_, staffName, staffSub := signedIn(t, ctx, a, "counsellor", true)
	_, clientName, _ := signedIn(t, ctx, a, "visitor", false)
	staff, err := a.ListStaff(ctx)
	if err != nil {
		t.Fatalf("ListStaff: %v", err)
	}
	byName := map[string]admin.StaffMember{}
	for _, m := range staff {
		byName[m.Username] = m
	}
	if got, ok := byName[staffName]; !ok || got.Sub != staffSub || !got.Enabled {
		t.Errorf("staff list entry for %s = %+v (present %t), want sub %s enabled", staffName, got, ok, staffSub)
	}
	if _, ok := byName[clientName]; ok {
		t.Errorf("staff list holds client %s", clientName)
	}
}

func TestEraseUserLeavesNothingAndAudits(t *testing.T) {
	ctx := testContext(t)
	var out bytes.Buffer
	a := newAdmin(&out)
	c, _, sub := signedIn(t, ctx, a, "erase", false)
	conv, err := c.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	for i, body := range []string{"first", "second"} {
		if _, _, err := c.Send(ctx, conv.ID, "e"+string(rune('a'+i)), body); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	before := a.Now()
	n, err := a.EraseUser(ctx, sub)
	if err != nil {
		t.Fatalf("EraseUser: %v", err)
	}
	if n < 3 {
		t.Errorf("EraseUser removed %d items, want at least 3 (conversation, 2 messages)", n)
	}
	_, err = a.Store.GetConversation(ctx, conv.ID, a.Now())
	var ce *chat.Error
	if !errors.As(err, &ce) || ce.Code != chat.CodeNotFound {
		t.Errorf("GetConversation after erase: err = %v, want not_found", err)
	}
	page, err := a.Store.ListMessages(ctx, conv.ID, chat.MessageRange{Limit: 100}, a.Now())
	if err != nil {
		t.Fatalf("ListMessages: %v", err)
	}
	if len(page.Items) != 0 {
		t.Errorf("ListMessages after erase = %d messages, want 0", len(page.Items))
	}
	audit, err := a.Store.ListAudit(ctx, before.Add(-time.Minute), a.Now().Add(time.Minute), "", 1000)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	found := false
	for _, e := range audit.Items {
		if e.Action == chat.AuditUserErased && e.Target == sub && e.Actor == admin.Actor {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s audit entry by %s for %s in %+v", chat.AuditUserErased, admin.Actor, sub, audit.Items)
	}
	if want := "item(s) removed"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q does not say how many items were removed", out.String())
	}
}

// TestAddUserByEmailVerifiesTheAddress: the stack's pool signs in by email,
// so an address given as the username is also the verified email (password
// resets reach it).
func TestAddUserByEmailVerifiesTheAddress(t *testing.T) {
	ctx := testContext(t)
	a := newAdmin(&bytes.Buffer{})
	name := uniqueName("counsellor") + "@example.org"
	if _, err := a.AddUser(ctx, name, testPassword, true); err != nil {
		t.Fatal(err)
	}
	u, err := a.Cognito.(*cip.Client).AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(a.UserPoolID), Username: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, at := range u.UserAttributes {
		got[aws.ToString(at.Name)] = aws.ToString(at.Value)
	}
	if got["email"] != name || got["email_verified"] != "true" {
		t.Errorf("attributes %v, want email %s verified", got, name)
	}
}

// TestSealPlaintextSealsWordsStoredInTheClear: words an earlier version
// stored in the clear (written here by a store without a sealer) are
// sealed by the command, still read through the service's store, and a
// second run finds nothing; without the data keys it refuses.
func TestSealPlaintextSealsWordsStoredInTheClear(t *testing.T) {
	ctx := testContext(t)
	var out bytes.Buffer
	a := newAdmin(&out)
	db := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(stack.Endpoints.DynamoDBEndpoint) })
	earlier := store.New(db, stack.Endpoints.TableName, store.WithClock(stack.Clock.Now))
	now := stack.Clock.Now()
	c := chat.Conversation{ID: chat.NewID(now), UserID: uniqueName("plain"), Status: chat.StatusActive,
		Retention: chat.RetentionPermanent, CreatedAt: chat.At(now)}
	if err := earlier.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	m := chat.Message{ID: chat.NewID(now), ConversationID: c.ID, SenderID: c.UserID, SenderRole: chat.RoleClient,
		Body: "periwinkle thunder", ClientMessageID: "plain-1", CreatedAt: chat.At(now), Owner: c.UserID}
	if _, _, err := earlier.PutMessage(ctx, m, chat.Condition{Status: chat.StatusActive}); err != nil {
		t.Fatal(err)
	}

	if _, err := (&admin.Admin{Out: &out}).SealPlaintext(ctx); err == nil || !strings.Contains(err.Error(), "data keys") {
		t.Errorf("SealPlaintext without the data keys: error = %v, want one naming them", err)
	}
	rep, err := a.SealPlaintext(ctx)
	if err != nil {
		t.Fatalf("SealPlaintext() error = %v", err)
	}
	if rep.Sealed < 1 {
		t.Errorf("SealPlaintext() = %+v, want the message sealed", rep)
	}
	raw, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(stack.Endpoints.TableName),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "CONV#" + c.ID},
			"sk": &ddbtypes.AttributeValueMemberS{Value: "MSG#" + m.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, av := range raw.Item {
		for _, text := range testkit.AttributeTexts(av) {
			if strings.Contains(text, "periwinkle") {
				t.Errorf("attribute %s still holds the words", name)
			}
		}
	}
	got, err := a.Store.GetMessage(ctx, c.ID, m.ID, stack.Clock.Now())
	if err != nil || got.Body != m.Body {
		t.Errorf("after sealing the message reads %q, %v; want %q", got.Body, err, m.Body)
	}
	if again, err := a.SealPlaintext(ctx); err != nil || again != (store.SealReport{}) {
		t.Errorf("a second run = %+v, %v; want nothing done", again, err)
	}
	if !strings.Contains(out.String(), "sealed") {
		t.Errorf("output %q does not say what was sealed", out.String())
	}
}
