package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
	"github.com/confidechat/confide/internal/store"
	"github.com/confidechat/confide/internal/testkit"
	"github.com/confidechat/confide/internal/testlog"
)

// These tests run the store with message encryption: a real sealer whose
// data keys the local KMS makes and a key table on the local DynamoDB.

// countingKMS counts the calls a sealer makes to KMS.
type countingKMS struct {
	seal.KMS
	generated, decrypted atomic.Int64
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.generated.Add(1)
	return c.KMS.GenerateDataKey(ctx, in, optFns...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.decrypted.Add(1)
	return c.KMS.Decrypt(ctx, in, optFns...)
}

// sealedEnv is a store that seals, on a fresh table and key table.
type sealedEnv struct {
	*env
	keyTable string
	kms      *countingKMS
	logs     *testlog.Buffer
	now      func() time.Time
}

// newSealedEnv returns a store that seals with a sealer of its own.
func newSealedEnv(t *testing.T, now func() time.Time) *sealedEnv {
	t.Helper()
	e := &sealedEnv{keyTable: fmt.Sprintf("confide-keys-%d", tables.Add(1)), now: now}
	if err := seal.CreateKeyTable(t.Context(), local.Client(t.Context()), e.keyTable); err != nil {
		t.Fatalf("CreateKeyTable: %v", err)
	}
	sealer, k := e.sealer(t)
	e.kms = k
	log, logs := testlog.New()
	e.logs = logs
	e.env = newEnv(t, now, store.WithSealer(sealer), store.WithLogger(log))
	return e
}

// sealer returns another sealer on e's keys: another function instance,
// with a cache of its own.
func (e *sealedEnv) sealer(t *testing.T) (*seal.Sealer, *countingKMS) {
	t.Helper()
	k := &countingKMS{KMS: keys.Client(t.Context())}
	s, err := seal.New(k, cmk, seal.NewDynamoKeyStore(local.Client(t.Context()), e.keyTable), seal.WithClock(e.now))
	if err != nil {
		t.Fatalf("seal.New: %v", err)
	}
	return s, k
}

// open creates a conversation of client with retention r at t0.
func (e *sealedEnv) open(t *testing.T, client string, r chat.Retention) chat.Conversation {
	t.Helper()
	c := chat.Conversation{ID: chat.NewID(e.now()), UserID: client, Status: chat.StatusActive, Retention: r, CreatedAt: chat.At(e.now())}
	if err := e.CreateConversation(t.Context(), c); err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	return c
}

// send stores body in c from sender at the store's clock.
func (e *sealedEnv) send(t *testing.T, c chat.Conversation, sender chat.Identity, body string) chat.Message {
	t.Helper()
	now := e.now()
	m := chat.Message{
		ID: chat.NewID(now), ConversationID: c.ID, SenderID: sender.UserID, SenderRole: sender.Role,
		Body: body, ClientMessageID: chat.NewID(now), CreatedAt: chat.At(now),
		ExpiresAt: c.Retention.Expiry(now), Owner: c.UserID,
	}
	stored, created, err := e.PutMessage(t.Context(), m, chat.Condition{Status: chat.StatusActive})
	if err != nil || !created {
		t.Fatalf("PutMessage = %v, %v", created, err)
	}
	return stored
}

// rawItems returns every item of e's table as DynamoDB stores it, read with
// a client of its own (the test may Scan, the store may not).
func (e *sealedEnv) rawItems(t *testing.T) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	pages := dynamodb.NewScanPaginator(local.Client(t.Context()), &dynamodb.ScanInput{TableName: aws.String(e.table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
	}
	return out
}

var (
	alice = chat.Identity{UserID: "alice-sub", Role: chat.RoleClient}
	bob   = chat.Identity{UserID: "bob-sub", Role: chat.RoleClient}
	carol = chat.Identity{UserID: "carol-sub", Role: chat.RoleClient}
	sam   = chat.Identity{UserID: "sam-sub", Role: chat.RoleStaff}
)

// TestSealedStoreHoldsNoWords writes messages of both retentions, an edit,
// a retention change and a feedback comment, and finds none of the words
// in any attribute of any item, while every read returns them.
func TestSealedStoreHoldsNoWords(t *testing.T) {
	e := newSealedEnv(t, atT0)
	ctx := t.Context()
	day := e.open(t, alice.UserID, chat.Retention24h)
	kept := e.open(t, bob.UserID, chat.RetentionPermanent)
	m1 := e.send(t, day, alice, "marmalade sunrise")
	e.send(t, day, sam, "lighthouse keeper")
	m3 := e.send(t, kept, bob, "quartz harmonica")
	e.send(t, kept, sam, "velvet compass")
	edit := "tangerine orbit"
	if _, err := e.UpdateMessage(ctx, day.ID, m1.ID, chat.MessageUpdate{If: chat.EditCondition(alice), Body: &edit, At: t0}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if _, err := e.SetRetention(ctx, kept.ID, chat.Retention24h); err != nil {
		t.Fatalf("SetRetention: %v", err)
	}
	if _, err := e.SetRetention(ctx, kept.ID, chat.RetentionPermanent); err != nil {
		t.Fatalf("SetRetention back: %v", err)
	}
	closed := chat.StatusClosed
	if _, err := e.UpdateConversation(ctx, day.ID, chat.ConversationUpdate{
		Status: &closed, ClosedAt: chat.At(t0).Ptr(), ExpiresAt: chat.Retention24h.Expiry(t0),
	}); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := e.UpdateConversation(ctx, day.ID, chat.ConversationUpdate{
		If:       chat.RateCondition(alice),
		Feedback: &chat.Feedback{Rating: 5, Comment: "gingerbread avalanche", At: chat.At(t0)},
	}); err != nil {
		t.Fatalf("feedback: %v", err)
	}
	words := []string{"marmalade", "lighthouse", "quartz", "velvet", "tangerine", "gingerbread"}

	items := e.rawItems(t)
	if len(items) == 0 {
		t.Fatal("the table is empty")
	}
	for _, it := range items {
		for name, av := range it {
			for _, text := range testkit.AttributeTexts(av) {
				for _, w := range words {
					if strings.Contains(text, w) {
						t.Errorf("item %v attribute %s holds %q", it["sk"], name, w)
					}
				}
			}
		}
	}

	tests := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"EditedMessage", func() (string, error) {
			m, err := e.GetMessage(ctx, day.ID, m1.ID, t0)
			return m.Body, err
		}, "tangerine orbit"},
		{"ResealedMessage", func() (string, error) {
			m, err := e.GetMessage(ctx, kept.ID, m3.ID, t0)
			return m.Body, err
		}, "quartz harmonica"},
		{"ListedMessages", func() (string, error) {
			p, err := e.ListMessages(ctx, kept.ID, chat.MessageRange{}, t0)
			var bodies []string
			for _, m := range p.Items {
				bodies = append(bodies, m.Body)
			}
			return strings.Join(bodies, "|"), err
		}, "quartz harmonica|velvet compass"},
		{"FeedbackComment", func() (string, error) {
			c, err := e.GetConversation(ctx, day.ID, t0)
			return c.Comment, err
		}, "gingerbread avalanche"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// setSealedBody writes ct as the sealed body of message pk/sk, as someone
// with write access to the table might.
func (e *sealedEnv) setSealedBody(t *testing.T, convID, msgID string, ct []byte) {
	t.Helper()
	expr, err := expression.NewBuilder().WithUpdate(expression.Set(expression.Name("sealedBody"), expression.Value(ct))).Build()
	if err != nil {
		t.Fatal(err)
	}
	_, err = local.Client(t.Context()).UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONV#" + convID},
			"sk": &types.AttributeValueMemberS{Value: "MSG#" + msgID},
		},
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sealedBody reads the stored ciphertext of a message.
func (e *sealedEnv) sealedBody(t *testing.T, convID, msgID string) []byte {
	t.Helper()
	out, err := local.Client(t.Context()).GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONV#" + convID},
			"sk": &types.AttributeValueMemberS{Value: "MSG#" + msgID},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, ok := out.Item["sealedBody"].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatalf("message %s has no sealed body", msgID)
	}
	return b.Value
}

// TestTamperedWordsAreRefused: a ciphertext moved to another message, one
// with a byte flipped, one under another hour's key, and bytes that are no
// ciphertext at all are each left out of every read (logged by ids, never
// an error to the reader), and none panics; the untouched message still
// reads.
func TestTamperedWordsAreRefused(t *testing.T) {
	clk := testkit.NewClock(t0)
	e := newSealedEnv(t, clk.Now)
	ctx := t.Context()
	day := e.open(t, alice.UserID, chat.Retention24h)
	kept := e.open(t, bob.UserID, chat.RetentionPermanent)
	intact := e.send(t, day, alice, "intact words")
	victim := e.send(t, day, alice, "victim words")
	other := e.send(t, kept, bob, "permanent words")
	clk.Set(t0.Add(2 * time.Hour))
	later := e.send(t, day, alice, "a later hour")
	clk.Set(t0)

	otherSealer, _ := e.sealer(t)
	victimCT := e.sealedBody(t, day.ID, victim.ID)
	flipped := append([]byte(nil), victimCT...)
	flipped[len(flipped)-5] ^= 0x40
	// The victim's own words and binding, under the hour key of another
	// hour: authentic, but not under the key its expiry names.
	otherHour, err := otherSealer.Seal(ctx, seal.HourKey(later.ExpiresAt.Time), []byte("victim words"),
		seal.AAD("CONV#"+day.ID, "MSG#"+victim.ID))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ct   []byte
	}{
		{"MovedFromAnotherMessage", e.sealedBody(t, day.ID, intact.ID)},
		{"MovedFromAnotherConversation", e.sealedBody(t, kept.ID, other.ID)},
		{"MovedFromAnotherHour", e.sealedBody(t, day.ID, later.ID)},
		{"AByteFlipped", flipped},
		{"AnotherHoursKey", otherHour},
		{"Truncated", victimCT[:len(victimCT)/2]},
		{"NotACiphertext", []byte("plain words")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.setSealedBody(t, day.ID, victim.ID, tt.ct)
			_, err := e.GetMessage(ctx, day.ID, victim.ID, t0)
			if chat.CodeOf(err) != chat.CodeNotFound {
				t.Errorf("GetMessage error = %v, want not found", err)
			}
			page, err := e.ListMessages(ctx, day.ID, chat.MessageRange{}, t0)
			if err != nil {
				t.Fatalf("ListMessages: %v", err)
			}
			var ids []string
			for _, m := range page.Items {
				ids = append(ids, m.ID)
				if m.ID == victim.ID {
					t.Errorf("ListMessages returned the tampered message with body %q", m.Body)
				}
			}
			if len(ids) != 2 || ids[0] != intact.ID {
				t.Errorf("ListMessages = %v, want the intact message and the later one", ids)
			}
		})
	}
	logs := e.logs.String()
	if !strings.Contains(logs, victim.ID) {
		t.Errorf("no log names the refused message %s", victim.ID)
	}
	for _, w := range []string{"victim", "intact", "permanent", "plain"} {
		if strings.Contains(logs, w) {
			t.Errorf("the logs hold the words %q", w)
		}
	}
}

// TestKMSCallsPerThousandMessages counts what sealing 1,000 messages costs
// in KMS calls: one data key made per key (the hour of a 24h conversation,
// the client's of a permanent one), and one Decrypt per key for another
// instance that reads them all.
func TestKMSCallsPerThousandMessages(t *testing.T) {
	e := newSealedEnv(t, atT0)
	day := e.open(t, alice.UserID, chat.Retention24h)
	kept := e.open(t, bob.UserID, chat.RetentionPermanent)
	for i := range 1000 {
		c, who := day, alice
		if i%2 == 1 {
			c, who = kept, sam
		}
		e.send(t, c, who, fmt.Sprintf("message %d", i))
	}
	generated, decrypted := e.kms.generated.Load(), e.kms.decrypted.Load()
	t.Logf("1,000 messages: %d GenerateDataKey, %d Decrypt", generated, decrypted)
	if generated != 2 || decrypted != 0 {
		t.Errorf("writing: %d GenerateDataKey and %d Decrypt, want 2 and 0", generated, decrypted)
	}

	reader, k := e.sealer(t)
	log, _ := testlog.New()
	other := store.New(e.db, e.table, store.WithClock(atT0), store.WithSealer(reader), store.WithLogger(log))
	read := 0
	for _, c := range []chat.Conversation{day, kept} {
		q := chat.MessageRange{Limit: 100}
		for {
			p, err := other.ListMessages(t.Context(), c.ID, q, t0)
			if err != nil {
				t.Fatal(err)
			}
			read += len(p.Items)
			if p.Next == "" {
				break
			}
			q.Before = p.Next
		}
	}
	t.Logf("another instance reading them: %d GenerateDataKey, %d Decrypt", k.generated.Load(), k.decrypted.Load())
	if read != 1000 || k.generated.Load() != 0 || k.decrypted.Load() != 2 {
		t.Errorf("reading %d messages: %d GenerateDataKey, %d Decrypt; want 1000, 0, 2", read, k.generated.Load(), k.decrypted.Load())
	}
}

// quietPusher delivers nothing: the backup test has no connections.
type quietPusher struct{}

func (quietPusher) Deliver(context.Context, []chat.Delivery) []string { return nil }
func (quietPusher) Disconnect(context.Context, string) error          { return nil }

// partition returns the raw items of conversation id, as a backup holds
// them.
func (e *sealedEnv) partition(t *testing.T, id string) []map[string]types.AttributeValue {
	t.Helper()
	out, err := local.Client(t.Context()).Query(t.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(e.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "CONV#" + id}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Items
}

// TestRestoredBackupStaysUnreadable is the backup test of issue 15 at the
// store, with a real local KMS and DynamoDB: the items of a 24h
// conversation and of an erased client's permanent one are copied (a
// backup), time moves past the expiry, the retention sweep runs and the
// client is erased; the copies are written back (a restore), their expiry
// even moved into the future, and not one of their messages reads, through
// the store or with the sealer itself, while another client's permanent
// conversation still does.
func TestRestoredBackupStaysUnreadable(t *testing.T) {
	clk := testkit.NewClock(t0)
	e := newSealedEnv(t, clk.Now)
	ctx := t.Context()
	svc := chat.NewService(chat.Options{Store: e.Store, Pusher: quietPusher{}, Keys: e.Store, Now: clk.Now, TokenNow: clk.Now})

	day := e.open(t, alice.UserID, chat.Retention24h)
	erased := e.open(t, bob.UserID, chat.RetentionPermanent)
	kept := e.open(t, carol.UserID, chat.RetentionPermanent)
	dayMsgs := []chat.Message{e.send(t, day, alice, "a day of words"), e.send(t, day, sam, "a day of answers")}
	erasedMsgs := []chat.Message{e.send(t, erased, bob, "erase these words"), e.send(t, erased, sam, "erase this answer")}
	keptMsg := e.send(t, kept, carol, "keep these words")
	backup := append(e.partition(t, day.ID), e.partition(t, erased.ID)...)

	clk.Set(t0.Add(chat.RetentionPeriod + 2*time.Hour))
	rep, err := svc.Sweep(ctx)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if rep.KeysDestroyed < 1 {
		t.Errorf("the sweep destroyed %d keys, want the hour of the 24h messages", rep.KeysDestroyed)
	}
	if _, err := svc.EraseClient(ctx, "operator", bob.UserID); err != nil {
		t.Fatalf("EraseClient: %v", err)
	}

	// The restore: every copied item back, its expiry a year ahead so that
	// no expiry check hides it.
	future := clk.Now().Add(365 * 24 * time.Hour)
	db := local.Client(ctx)
	for _, it := range backup {
		if _, ok := it["expiry"]; ok {
			it["expiry"] = &types.AttributeValueMemberS{Value: chat.At(future).String()}
			it["expiresAt"] = &types.AttributeValueMemberN{Value: fmt.Sprint(future.Unix())}
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: it}); err != nil {
			t.Fatalf("restore: %v", err)
		}
	}

	now := clk.Now()
	sealer, _ := e.sealer(t)
	for _, c := range []struct {
		conv chat.Conversation
		msgs []chat.Message
	}{{day, dayMsgs}, {erased, erasedMsgs}} {
		t.Run(string(c.conv.Retention), func(t *testing.T) {
			page, err := e.ListMessages(ctx, c.conv.ID, chat.MessageRange{}, now)
			if err != nil || len(page.Items) != 0 {
				t.Errorf("ListMessages = %d messages, %v; want none", len(page.Items), err)
			}
			for _, m := range c.msgs {
				if _, err := e.GetMessage(ctx, c.conv.ID, m.ID, now); chat.CodeOf(err) != chat.CodeNotFound {
					t.Errorf("GetMessage(%s) error = %v, want not found", m.ID, err)
				}
				_, err := sealer.Open(ctx, e.sealedBody(t, c.conv.ID, m.ID), seal.AAD("CONV#"+c.conv.ID, "MSG#"+m.ID))
				if !errors.Is(err, seal.ErrKeyGone) {
					t.Errorf("Open of the restored %s = %v, want ErrKeyGone", m.ID, err)
				}
			}
		})
	}
	if m, err := e.GetMessage(ctx, kept.ID, keptMsg.ID, now); err != nil || m.Body != "keep these words" {
		t.Errorf("the other client's permanent message = %q, %v; want it readable", m.Body, err)
	}
}
