package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/store"
)

func TestCreateTable(t *testing.T) {
	e := newEnv(t, atT0)
	if err := store.CreateTable(t.Context(), e.db, e.table); err != nil {
		t.Errorf("CreateTable on an existing table error = %v, want nil", err)
	}
	out, err := e.db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(e.table)})
	if err != nil {
		t.Fatal(err)
	}
	projections := map[string]types.ProjectionType{}
	for _, ix := range out.Table.GlobalSecondaryIndexes {
		projections[aws.ToString(ix.IndexName)] = ix.Projection.ProjectionType
	}
	want := map[string]types.ProjectionType{
		store.IndexUser: types.ProjectionTypeAll, store.IndexStatus: types.ProjectionTypeAll, store.IndexExpiry: types.ProjectionTypeKeysOnly,
	}
	for name, p := range want {
		if projections[name] != p {
			t.Errorf("index %s projection = %q, want %q", name, projections[name], p)
		}
	}
	in := store.CreateTableInput("x")
	if in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %s, want on demand", in.BillingMode)
	}
	if got := len(in.AttributeDefinitions); got != 8 {
		t.Errorf("%d attribute definitions, want 8 (pk, sk and three index key pairs)", got)
	}
}

func TestImportConversations(t *testing.T) {
	e := newEnv(t, atT0)
	var convs []chat.Conversation
	for i := range 60 {
		c := chat.Conversation{ID: chat.NewID(t0.Add(time.Duration(i) * time.Second)), UserID: fmt.Sprintf("user-%d", i),
			Status: chat.StatusActive, Retention: chat.RetentionPermanent, CreatedAt: chat.At(t0)}
		if i%3 != 0 {
			c.Status = chat.StatusClosed
		}
		convs = append(convs, c)
	}
	n, err := e.ImportConversations(t.Context(), convs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 80 {
		t.Errorf("wrote %d items, want 80 (60 conversations, 20 locks of the active ones)", n)
	}
	for i, c := range convs {
		got, err := e.GetConversation(t.Context(), c.ID, t0)
		if err != nil || got.Status != c.Status || got.UserID != c.UserID {
			t.Fatalf("conversation %d = %+v, %v; want %+v", i, got, err, c)
		}
		active, err := e.ActiveConversationID(t.Context(), c.UserID)
		if want := map[bool]string{true: c.ID, false: ""}[c.Status == chat.StatusActive]; err != nil || active != want {
			t.Errorf("active conversation of %s = %q, %v; want %q", c.UserID, active, err, want)
		}
	}
	page, err := e.ListConversations(t.Context(), chat.StatusActive, "", 100, t0)
	if err != nil || len(page.Items) != 20 {
		t.Errorf("active conversations listed = %d, %v; want 20", len(page.Items), err)
	}
}
