package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/testkit"
	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// TestTheTableHoldsNoWords (issue 15): after a conversation of each
// retention with messages both ways, an edit, a change of retention, and
// feedback with a comment, the main table read raw, every item and every
// attribute (binary ones read as text, nested ones too), holds none of the
// words; the API still returns each of them to those who may read them.
func TestTheTableHoldsNoWords(t *testing.T) {
	if !local() {
		t.Skip("reads the local stack's table raw; not checked against a deployment")
	}
	ctx := e2ekit.Context(t, 60*time.Second)
	alice := newPerson(t, false) // 24h, the default
	bob := newPerson(t, false)   // permanent
	sam := newPerson(t, true)

	private := startConversation(t, alice)
	if _, err := sam.Claim(ctx, private); err != nil {
		t.Fatal(err)
	}
	kept, err := bob.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Claim(ctx, kept.ID); err != nil {
		t.Fatal(err)
	}
	words := map[string]string{}
	word := func(name string) string {
		w := say(name)
		words[name] = w
		return w
	}
	first := send(t, alice, private, "a-1", word("first draft"))
	send(t, sam, private, "s-1", word("counsellor answer"))
	send(t, bob, kept.ID, "b-1", word("kept words"))
	send(t, sam, kept.ID, "s-2", word("kept answer"))
	if _, err := alice.Edit(ctx, private, first.ID, word("second draft")); err != nil {
		t.Fatal(err)
	}
	// Permanent to 24h and back: each body is sealed again under the key
	// of its new expiry.
	for _, r := range []chat.Retention{chat.Retention24h, chat.RetentionPermanent} {
		if _, err := bob.SetRetention(ctx, kept.ID, r); err != nil {
			t.Fatalf("set retention %s: %v", r, err)
		}
	}
	if _, err := sam.Close(ctx, private); err != nil {
		t.Fatal(err)
	}
	if err := alice.Feedback(ctx, private, 4, word("feedback comment")); err != nil {
		t.Fatal(err)
	}

	db := localTable()
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(deployment.ep.TableName)})
	items, sealed := 0, 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan %s: %v", deployment.ep.TableName, err)
		}
		for _, it := range page.Items {
			items++
			if _, ok := it["sealedBody"]; ok {
				sealed++
			}
			for name, av := range it {
				for _, text := range testkit.AttributeTexts(av) {
					for what, w := range words {
						if strings.Contains(text, w) {
							t.Errorf("item %v / %v: attribute %s holds the %s", it["pk"], it["sk"], name, what)
						}
					}
				}
			}
		}
	}
	if items == 0 || sealed < 4 {
		t.Fatalf("scanned %d items, %d with a sealed body; want this test's 4 messages among them", items, sealed)
	}

	t.Run("the API still returns the words", func(t *testing.T) {
		got := map[string]bool{}
		for _, m := range append(history(t, sam, private), history(t, bob, kept.ID)...) {
			got[m.Body] = true
		}
		for _, name := range []string{"second draft", "counsellor answer", "kept words", "kept answer"} {
			if !got[words[name]] {
				t.Errorf("the %s is not in the histories", name)
			}
		}
	})
}

// TestARestoredBackupStaysUnreadable (issue 15, the 24h half end to end;
// the erased client's half is internal/store
// TestRestoredBackupStaysUnreadable, since erasure has no API): the raw
// items of a 24h conversation are copied (a backup), the clock moves past
// their expiry and the retention run destroys their hour's key, the
// copies are written back as a restore would; the API returns none of
// the messages, and with the deployment's own key service no restored
// ciphertext opens (the key is gone), while a permanent conversation's
// still does and still reads.
func TestARestoredBackupStaysUnreadable(t *testing.T) {
	if !local() {
		t.Skip("needs the local stack's clock and its tables; not checked against a deployment")
	}
	ctx := e2ekit.Context(t, 60*time.Second)
	alice := newPerson(t, false) // 24h
	bob := newPerson(t, false)   // permanent
	sam := newPerson(t, true)
	private := startConversation(t, alice)
	if _, err := sam.Claim(ctx, private); err != nil {
		t.Fatal(err)
	}
	send(t, alice, private, "a-1", say("backed up words"))
	send(t, sam, private, "s-1", say("backed up answer"))
	kept, err := bob.CreateConversation(ctx, chat.RetentionPermanent)
	if err != nil {
		t.Fatal(err)
	}
	keptMsg := send(t, bob, kept.ID, "b-1", say("words that stay"))

	db := localTable()
	backup := conversationItems(t, db, private)
	if len(backup) < 3 {
		t.Fatalf("backed up %d items, want the record and two messages at least", len(backup))
	}

	e2ekit.DevstackControl(t, deployment.web, "/_devstack/clock", map[string]string{"advance": "26h"})
	if rep := runRetention(t); rep.KeysDestroyed < 1 {
		t.Fatalf("the retention run destroyed %d keys, want the hour of the backed-up messages", rep.KeysDestroyed)
	}
	for _, it := range backup {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(deployment.ep.TableName), Item: it}); err != nil {
			t.Fatalf("restore: %v", err)
		}
	}

	if got := history(t, sam, private); len(got) != 0 {
		t.Errorf("after the restore the counsellor reads %d messages, want none", len(got))
	}
	sealer := localSealer(t, db)
	opened, gone := 0, 0
	for _, it := range append(conversationItems(t, db, private), conversationItems(t, db, kept.ID)...) {
		ct, ok := it["sealedBody"].(*types.AttributeValueMemberB)
		if !ok {
			continue
		}
		pk, sk := it["pk"].(*types.AttributeValueMemberS).Value, it["sk"].(*types.AttributeValueMemberS).Value
		_, err := sealer.Open(ctx, ct.Value, seal.AAD(pk, sk))
		switch {
		case pk == "CONV#"+private && errors.Is(err, seal.ErrKeyGone):
			gone++
		case pk == "CONV#"+kept.ID && err == nil:
			opened++
		default:
			t.Errorf("Open of %s %s = %v", pk, sk, err)
		}
	}
	if gone != 2 || opened != 1 {
		t.Errorf("%d restored ciphertexts gone and %d permanent ones opened, want 2 and 1", gone, opened)
	}
	if got := history(t, bob, kept.ID); len(got) != 1 || got[0].ID != keptMsg.ID || got[0].Body != keptMsg.Body {
		t.Errorf("the permanent conversation reads %+v, want its message", got)
	}
}

// localTable is a DynamoDB client straight at the local stack's DynamoDB.
func localTable() *dynamodb.Client {
	return dynamodb.NewFromConfig(localAWS(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(deployment.ep.DynamoDBEndpoint) })
}

func localAWS() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
}

// localSealer is a sealer on the local stack's key table and KMS key, as a
// function instance that has not read a key yet.
func localSealer(t *testing.T, db *dynamodb.Client) *seal.Sealer {
	t.Helper()
	keys := kms.NewFromConfig(localAWS(), func(o *kms.Options) { o.BaseEndpoint = aws.String(deployment.ep.KMSEndpoint) })
	s, err := seal.New(keys, deployment.ep.KMSKeyID, seal.NewDynamoKeyStore(db, deployment.ep.KeyTableName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// conversationItems returns the raw items of a conversation's partition.
func conversationItems(t *testing.T, db *dynamodb.Client, id string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := db.Query(e2ekit.Context(t, 10*time.Second), &dynamodb.QueryInput{
		TableName:                 aws.String(deployment.ep.TableName),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "CONV#" + id}},
	})
	if err != nil {
		t.Fatalf("query %s: %v", id, err)
	}
	return out.Items
}
