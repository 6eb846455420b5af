package seal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/confidechat/confide/internal/ddb"
)

// KeyTableSchema is the key table's definition.
type KeyTableSchema struct {
	// PK and SK are the partition and sort key, both strings.
	PK, SK string
	// TTLAttribute holds an hour key's expiry as Unix seconds (a Number),
	// as DynamoDB TTL requires.
	TTLAttribute string
}

// KeyTable is the table of wrapped data keys. The CDK stack, the local
// stack and the tests all create it from KeyTable, so they agree.
//
// Layout (pk / sk):
//
//	hour              2026-12-03T14     key of the 24h messages expiring in that hour
//	client#<sub>      key               key of the client's permanent conversations
//	client#<sub>      conversation#<id> a record of the copy below, to destroy it with the key
//	conversation#<id> key               a copy of the client key, found by the conversation's id
//
// The copies let a counsellor's message, whose writer knows the
// conversation but not yet its client, read its key beside the
// conversation instead of after it (Sealer.LoadConversation). They live and
// die with the client key: Link writes a copy only while the key is
// stored, and Delete of a client key deletes the key first, then every copy
// its partition records.
//
// Hour keys share one partition with the hour as sort key, so the keys to
// destroy are one strongly consistent Query for the hours before a cut-off,
// however many clients there are; the partition holds about 25 items (the
// hours of the next day, and the few whose destruction is due) and is read
// at most once per hour key and cache lifetime by each function instance.
// A Scan was the other choice: cheap while the table is ~48 hour keys, but
// it grows with every client who keeps a permanent conversation, and no
// function of Confide is allowed to Scan. Client keys each have their own
// partition. The table has TTL on expiresAt (hour keys only) as a safety net
// behind DestroyExpiredHours, and must have no point-in-time recovery and
// no backups: a copy of this table would bring destroyed keys back.
var KeyTable = KeyTableSchema{PK: "pk", SK: "sk", TTLAttribute: "expiresAt"}

const (
	hourPartition = "hour"
	clientSortKey = "key"
)

// linkKey is the table key of the copy of a client key stored under a
// conversation's id; it is also the sort key of its record in the client's
// partition.
func linkKey(conversationID string) (pk, sk string, err error) {
	if !validConversationID(conversationID) {
		return "", "", fmt.Errorf("%w: conversation id of %d bytes with characters outside the allowed set", ErrBadKeyID, len(conversationID))
	}
	return linkPrefix + conversationID, clientSortKey, nil
}

// KeyTableDB is the part of the DynamoDB API DynamoKeyStore calls.
// *dynamodb.Client satisfies it.
type KeyTableDB interface {
	ddb.Items
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ KeyTableDB = (*dynamodb.Client)(nil)

// DynamoKeyStore is KeyStore on the key table (KeyTable).
type DynamoKeyStore struct {
	db    KeyTableDB
	table *string
}

var _ KeyStore = (*DynamoKeyStore)(nil)

// NewDynamoKeyStore returns the key store on the table named table.
func NewDynamoKeyStore(db KeyTableDB, table string) *DynamoKeyStore {
	return &DynamoKeyStore{db: db, table: aws.String(table)}
}

// keyItem is one wrapped key as stored.
type keyItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Serial    uint64 `dynamodbav:"serial"`
	Wrapped   []byte `dynamodbav:"wrapped"`
	KMSKeyARN string `dynamodbav:"kmsKeyArn"`
	CreatedAt string `dynamodbav:"createdAt"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

// keyOf returns the table key of a key id.
func keyOf(id KeyID) (pk, sk string, err error) {
	name, err := parseKeyID(id)
	if err != nil {
		return "", "", err
	}
	if name.kind == kindHour {
		return hourPartition, name.hour.Format(hourLayout), nil
	}
	return string(id), clientSortKey, nil
}

// idOf returns the key id of a stored item's key.
func idOf(pk, sk string) KeyID {
	if pk == hourPartition {
		return KeyID(hourPrefix + sk)
	}
	return KeyID(pk)
}

func tableKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		KeyTable.PK: &types.AttributeValueMemberS{Value: pk},
		KeyTable.SK: &types.AttributeValueMemberS{Value: sk},
	}
}

// Create stores k with a put conditional on no item having its key.
func (s *DynamoKeyStore) Create(ctx context.Context, k WrappedKey) (bool, error) {
	pk, sk, err := keyOf(k.ID)
	if err != nil {
		return false, err
	}
	it := keyItem{
		PK: pk, SK: sk, Serial: k.Serial, Wrapped: k.Wrapped, KMSKeyARN: k.KMSKeyARN,
		CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
	if !k.ExpiresAt.IsZero() {
		it.ExpiresAt = k.ExpiresAt.Unix()
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("encode key %s: %w", k.ID, err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(KeyTable.PK))).Build()
	if err != nil {
		return false, fmt.Errorf("build key condition: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table,
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var exists *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &exists):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("put key %s: %w", k.ID, err)
	}
	return true, nil
}

// Get reads the key strongly consistently.
func (s *DynamoKeyStore) Get(ctx context.Context, id KeyID) (WrappedKey, bool, error) {
	pk, sk, err := keyOf(id)
	if err != nil {
		return WrappedKey{}, false, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table,
		Key:            tableKey(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return WrappedKey{}, false, fmt.Errorf("get key %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return WrappedKey{}, false, nil
	}
	var it keyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return WrappedKey{}, false, fmt.Errorf("decode key %s: %w", id, err)
	}
	return it.wrapped(id)
}

// wrapped is the item as the key id names.
func (it keyItem) wrapped(id KeyID) (WrappedKey, bool, error) {
	k := WrappedKey{ID: id, Serial: it.Serial, Wrapped: it.Wrapped, KMSKeyARN: it.KMSKeyARN}
	var err error
	if k.CreatedAt, err = time.Parse(time.RFC3339Nano, it.CreatedAt); err != nil {
		return WrappedKey{}, false, fmt.Errorf("decode key %s: created at %q: %w", id, it.CreatedAt, err)
	}
	if it.ExpiresAt != 0 {
		k.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	return k, true, nil
}

// Delete removes the key's item; for a client key, then every copy Link
// made of it and their records. A Link that races with it either wrote its
// copy before the key was deleted, and its record is found here, or fails
// its condition.
func (s *DynamoKeyStore) Delete(ctx context.Context, id KeyID) error {
	pk, sk, err := keyOf(id)
	if err != nil {
		return err
	}
	if err := s.deleteItem(ctx, pk, sk); err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	if pk == hourPartition {
		return nil
	}
	links, err := s.links(ctx, pk)
	if err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	for _, link := range links {
		if err := s.deleteItem(ctx, link, clientSortKey); err != nil {
			return fmt.Errorf("delete key %s: copy %s: %w", id, link, err)
		}
		if err := s.deleteItem(ctx, pk, link); err != nil {
			return fmt.Errorf("delete key %s: record of %s: %w", id, link, err)
		}
	}
	return nil
}

func (s *DynamoKeyStore) deleteItem(ctx context.Context, pk, sk string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: tableKey(pk, sk)})
	return err
}

// links lists, strongly consistently, the partitions of the copies
// recorded in client key partition pk.
func (s *DynamoKeyStore) links(ctx context.Context, pk string) ([]string, error) {
	items, err := s.queryKeys(ctx, "copies", expression.Key(KeyTable.PK).Equal(expression.Value(pk)).
		And(expression.Key(KeyTable.SK).BeginsWith(linkPrefix)))
	if err != nil {
		return nil, err
	}
	links := make([]string, len(items))
	for i, it := range items {
		links[i] = it.SK
	}
	return links, nil
}

// queryKeys reads the table keys of the items keyCond selects, strongly
// consistently, every page; what names them in errors.
func (s *DynamoKeyStore) queryKeys(ctx context.Context, what string, keyCond expression.KeyConditionBuilder) ([]keyItem, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).
		WithProjection(expression.NamesList(expression.Name(KeyTable.PK), expression.Name(KeyTable.SK))).Build()
	if err != nil {
		return nil, fmt.Errorf("build %s query: %w", what, err)
	}
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	var out []keyItem
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", what, err)
		}
		var items []keyItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("decode %s: %w", what, err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// Link writes, in one transaction: a check that k is the stored key of
// its id (same serial), the record of the copy in k's partition, and the
// copy under the conversation's id.
func (s *DynamoKeyStore) Link(ctx context.Context, conversationID string, k WrappedKey) (bool, error) {
	pk, sk, err := keyOf(k.ID)
	if err != nil {
		return false, err
	}
	if pk == hourPartition {
		return false, fmt.Errorf("%w: only a client key is linked to a conversation, not %s", ErrBadKeyID, k.ID)
	}
	lpk, lsk, err := linkKey(conversationID)
	if err != nil {
		return false, err
	}
	stored, err := expression.NewBuilder().WithCondition(
		expression.Name("serial").Equal(expression.Value(k.Serial))).Build()
	if err != nil {
		return false, fmt.Errorf("build link condition: %w", err)
	}
	record, err := attributevalue.MarshalMap(keyItem{PK: pk, SK: lpk, CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return false, fmt.Errorf("encode link record: %w", err)
	}
	copied, err := attributevalue.MarshalMap(linkItem{
		keyItem: keyItem{PK: lpk, SK: lsk, Serial: k.Serial, Wrapped: k.Wrapped, KMSKeyARN: k.KMSKeyARN,
			CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano)},
		Key: string(k.ID),
	})
	if err != nil {
		return false, fmt.Errorf("encode key copy: %w", err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName: s.table, Key: tableKey(pk, sk), ConditionExpression: stored.Condition(),
			ExpressionAttributeNames: stored.Names(), ExpressionAttributeValues: stored.Values(),
		}},
		{Put: &types.Put{TableName: s.table, Item: record}},
		{Put: &types.Put{TableName: s.table, Item: copied}},
	}})
	var canceled *types.TransactionCanceledException
	switch {
	case errors.As(err, &canceled) && len(canceled.CancellationReasons) > 0 &&
		aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed":
		return false, nil
	case err != nil:
		return false, fmt.Errorf("link %s to conversation %s: %w", k.ID, conversationID, err)
	}
	return true, nil
}

// linkItem is a copy of a client key stored under a conversation's id,
// naming the key it copies.
type linkItem struct {
	keyItem
	Key string `dynamodbav:"key"`
}

// Linked reads the copy strongly consistently.
func (s *DynamoKeyStore) Linked(ctx context.Context, conversationID string) (WrappedKey, bool, error) {
	pk, sk, err := linkKey(conversationID)
	if err != nil {
		return WrappedKey{}, false, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.table, Key: tableKey(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return WrappedKey{}, false, fmt.Errorf("get key of conversation %s: %w", conversationID, err)
	}
	if len(out.Item) == 0 {
		return WrappedKey{}, false, nil
	}
	var it linkItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return WrappedKey{}, false, fmt.Errorf("decode key of conversation %s: %w", conversationID, err)
	}
	name, err := parseKeyID(KeyID(it.Key))
	if err != nil || name.kind != kindClient {
		return WrappedKey{}, false, fmt.Errorf("key of conversation %s names %q: %w", conversationID, it.Key, ErrBadKeyID)
	}
	return it.wrapped(name.id)
}

// HourKeysBefore queries the hour partition up to the hour holding t, then
// keeps the hours that start before t. Only the keys are read.
func (s *DynamoKeyStore) HourKeysBefore(ctx context.Context, t time.Time) ([]KeyID, error) {
	last := t.UTC().Truncate(time.Hour)
	items, err := s.queryKeys(ctx, "hour keys", expression.Key(KeyTable.PK).Equal(expression.Value(hourPartition)).
		And(expression.Key(KeyTable.SK).LessThanEqual(expression.Value(last.Format(hourLayout)))))
	if err != nil {
		return nil, err
	}
	var ids []KeyID
	for _, it := range items {
		name, err := parseKeyID(idOf(it.PK, it.SK))
		if err != nil {
			return nil, fmt.Errorf("hour key %q in the key table: %w", it.SK, err)
		}
		if name.hour.Before(t) {
			ids = append(ids, name.id)
		}
	}
	return ids, nil
}
