package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
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

	db := dynamodb.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(deployment.ep.DynamoDBEndpoint) })
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
				for _, text := range attributeTexts(av) {
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

// attributeTexts returns every string and binary value of an attribute,
// nested ones too, binary ones read as text.
func attributeTexts(av types.AttributeValue) []string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return []string{v.Value}
	case *types.AttributeValueMemberB:
		return []string{string(v.Value)}
	case *types.AttributeValueMemberSS:
		return v.Value
	case *types.AttributeValueMemberBS:
		out := make([]string, 0, len(v.Value))
		for _, b := range v.Value {
			out = append(out, string(b))
		}
		return out
	case *types.AttributeValueMemberL:
		var out []string
		for _, x := range v.Value {
			out = append(out, attributeTexts(x)...)
		}
		return out
	case *types.AttributeValueMemberM:
		var out []string
		for _, x := range v.Value {
			out = append(out, attributeTexts(x)...)
		}
		return out
	}
	return nil
}
