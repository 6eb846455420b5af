// Package store implements chat.Store on one DynamoDB table with
// aws-sdk-go-v2: items are structs marshalled by attributevalue, every
// condition, key, update and filter expression is built by expression.
//
// Layout (pk / sk):
//
//	CONV#<id>          META                 conversation (gsi1 by user, gsi2 by status)
//	USER#<sub>         ACTIVE               the client's active-session lock
//	CONV#<id>          MSG#<msgId>          message
//	CONV#<id>          CMID#<clientMsgId>   clientMessageId record
//	CONV#<id>          READ#<sub>           read marker
//	CONN#<connId>      META                 connection
//	CONV#<id> | FEED#staff | USER#<sub> | PRESENCE#<role>#<n>
//	                   CONN#<connId>        memberships, copies of the connection
//	TICKET#<hash>      META                 WebSocket ticket
//	RATE#<sub>         <window start>       rate window
//	AUDIT#<yyyy-mm-dd> <at>#<id>            audit entry
//
// Every item that can expire carries expiresAt (Unix seconds, for TTL),
// expiry (the same instant in protocol time, which reads compare) and the
// expiry index keys gsi3pk/gsi3sk. TTL lags by days, so every read drops
// expired items itself and DeleteExpired finds them through gsi3, never a Scan.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/ddb"
)

// DynamoDB is the part of the DynamoDB API the store calls. *dynamodb.Client
// satisfies it.
type DynamoDB interface {
	ddb.Items
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Store is chat.Store on one DynamoDB table.
type Store struct {
	db    DynamoDB
	table *string
	// now is the clock for the writes whose contract carries no instant
	// (SetRetention, UpdateConversation's expiry check).
	now func() time.Time
	// sealer, when set, seals message bodies and feedback comments.
	sealer Sealer
	log    *slog.Logger
}

var _ chat.Store = (*Store)(nil)

// Option adjusts a Store.
type Option func(*Store)

// WithClock makes the store read the time from now instead of time.Now where
// a method is not given the instant (SetRetention and UpdateConversation).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a store on table through db. Without WithSealer it stores
// the words as they are.
func New(db DynamoDB, table string, opts ...Option) *Store {
	s := &Store{db: db, table: aws.String(table), now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// item is one stored item as DynamoDB returns it.
type item = map[string]types.AttributeValue

// key returns the primary key of pk/sk.
func key(pk, sk string) item {
	return item{
		string(Schema.PK): &types.AttributeValueMemberS{Value: pk},
		string(Schema.SK): &types.AttributeValueMemberS{Value: sk},
	}
}

// getItem reads one item strongly consistently into out; found reports
// whether it exists.
func (s *Store) getItem(ctx context.Context, pk, sk string, out any) (found bool, err error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("get %s %s: %w", pk, sk, err)
	}
	if len(res.Item) == 0 {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fmt.Errorf("decode %s %s: %w", pk, sk, err)
	}
	return true, nil
}

// putIfAbsentOr writes the item it (which marshals to one) unless an item
// with its key exists and fails cond: a put that only moves forward. It
// reports whether it wrote; a failed condition is no error.
func (s *Store) putIfAbsentOr(ctx context.Context, it any, cond expression.ConditionBuilder) (bool, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("encode item: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.Or(expression.Name(attrPK).AttributeNotExists(), cond)).Build()
	if err != nil {
		return false, fmt.Errorf("build put condition: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 s.table,
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, failed := conditionFailed(err); failed {
		return false, nil
	}
	return err == nil, err
}

// eachPage runs a query page by page (pageSize items per request, 0 for
// DynamoDB's own page size) and hands every page to fn until fn answers
// false or no page is left. It never deletes while paging: callers collect
// first, so a deleted start key cannot end the walk early.
func (s *Store) eachPage(ctx context.Context, in *dynamodb.QueryInput, pageSize int, fn func(items []item) (more bool, err error)) error {
	in.TableName = s.table
	pages := dynamodb.NewQueryPaginator(s.db, in, func(o *dynamodb.QueryPaginatorOptions) {
		o.Limit = int32(max(pageSize, 0))
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		more, err := fn(out.Items)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// count runs a Select COUNT query over every page and sums the counts.
func (s *Store) count(ctx context.Context, in *dynamodb.QueryInput) (int, error) {
	in.Select = types.SelectCount
	n := 0
	in.TableName = s.table
	pages := dynamodb.NewQueryPaginator(s.db, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += int(out.Count)
	}
	return n, nil
}

// conditionFailed reports whether err is a failed condition, and returns the
// item as it was when the write asked for ALL_OLD and the endpoint sent it.
func conditionFailed(err error) (old item, failed bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}

// reasonConditionFailed is the reason code of TransactionCanceledException
// for an item whose condition failed (ddb.OnlyConflicts reads the others).
const reasonConditionFailed = "ConditionalCheckFailed"

// cancellation is a cancelled transaction: one reason per item, in order.
type cancellation []types.CancellationReason

// String lists the reasons' codes, for errors.
func (c cancellation) String() string {
	codes := make([]string, len(c))
	for i, r := range c {
		codes[i] = aws.ToString(r.Code)
	}
	return "[" + strings.Join(codes, " ") + "]"
}

// failed reports whether item i failed its condition, with the item as it
// was when ALL_OLD was asked for and the endpoint sent it.
func (c cancellation) failed(i int) (old item, failed bool) {
	if i >= len(c) || aws.ToString(c[i].Code) != reasonConditionFailed {
		return nil, false
	}
	return c[i].Item, true
}

// conflicted reports whether the transaction lost a race with another one
// and no condition failed, so it can simply be tried again.
func (c cancellation) conflicted() bool { return ddb.OnlyConflicts(c) }

// transactAttempts bounds the retries of a transaction that lost races.
const transactAttempts = 8

// transact writes items in one transaction, retrying with backoff while it
// only loses races with concurrent transactions. A transaction cancelled by
// a failed condition comes back as its cancellation.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) (cancellation, error) {
	for attempt := 1; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil, nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return nil, err
		}
		c := cancellation(tce.CancellationReasons)
		if !c.conflicted() {
			return c, nil
		}
		if attempt == transactAttempts {
			return nil, fmt.Errorf("transaction kept conflicting: %w", err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// backoff waits before retry attempt n (1-based): 10 ms doubling, capped at
// a second, or until ctx ends.
func backoff(ctx context.Context, n int) error {
	d := min(10*time.Millisecond<<min(n-1, 7), time.Second)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// batchSize is BatchWriteItem's limit.
const batchSize = 25

// deleteKeys deletes the items with keys in batches of 25, retrying
// unprocessed ones, and returns how many deletions it issued.
func (s *Store) deleteKeys(ctx context.Context, keys []item) (int, error) {
	reqs := make([]types.WriteRequest, 0, len(keys))
	for _, k := range keys {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	n, err := s.batchWrite(ctx, reqs)
	if err != nil {
		return n, fmt.Errorf("delete items: %w", err)
	}
	return n, nil
}

// batchWrite issues reqs with BatchWriteItem, 25 at a time, retrying
// unprocessed ones with backoff, and returns how many it issued.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) (int, error) {
	table := aws.ToString(s.table)
	for start := 0; start < len(reqs); start += batchSize {
		pending := map[string][]types.WriteRequest{table: reqs[start:min(start+batchSize, len(reqs))]}
		for attempt := 1; len(pending[table]) > 0; attempt++ {
			if attempt > 1 {
				if attempt > transactAttempts {
					return start, fmt.Errorf("%d writes left unprocessed", len(pending[table]))
				}
				if err := backoff(ctx, attempt-1); err != nil {
					return start, err
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return start, err
			}
			pending = out.UnprocessedItems
		}
	}
	return len(reqs), nil
}

// updateIf applies upd to item pk/sk if cond holds; failed reports that the
// condition refused it (nothing changed).
func (s *Store) updateIf(ctx context.Context, pk, sk string, cond expression.ConditionBuilder, upd expression.UpdateBuilder) (failed bool, err error) {
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return false, fmt.Errorf("build update of %s %s: %w", pk, sk, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(pk, sk),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, refused := conditionFailed(err); refused {
		return true, nil
	}
	return false, err
}
