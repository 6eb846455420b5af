package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// expirySweepDays is how many day partitions of the expiry index
// DeleteExpired reads, today included; TTL has removed anything older.
const expirySweepDays = 8

// itemKey is an item's primary key.
type itemKey struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
}

// keySet collects distinct item keys in order, up to a limit.
type keySet struct {
	keys  []itemKey
	seen  map[itemKey]bool
	limit int
}

func newKeySet(limit int) *keySet { return &keySet{seen: map[itemKey]bool{}, limit: limit} }

// add adds k and reports whether there is room for more.
func (ks *keySet) add(k itemKey) bool {
	if ks.full() {
		return false
	}
	if !ks.seen[k] {
		ks.seen[k] = true
		ks.keys = append(ks.keys, k)
	}
	return !ks.full()
}

func (ks *keySet) full() bool { return ks.limit > 0 && len(ks.keys) >= ks.limit }

func (ks *keySet) items() []item {
	out := make([]item, 0, len(ks.keys))
	for _, k := range ks.keys {
		out = append(out, key(k.PK, k.SK))
	}
	return out
}

// DeleteExpired removes up to limit items whose expiry is at or before now:
// messages, clientMessageId records, read markers, connections and
// memberships, and conversation records together with everything left in
// their partition. It finds them through the expiry index (the day
// partitions of the last eight days), never a Scan, and is safe to run
// again. A limit of 0 or less removes everything it finds.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	ks := newKeySet(limit)
	today := now.UTC().Truncate(24 * time.Hour)
	for d := expirySweepDays - 1; d >= 0 && !ks.full(); d-- {
		for n := 0; n < expiryShards && !ks.full(); n++ {
			if err := s.collectExpired(ctx, expiryPartition(today.AddDate(0, 0, -d), n), now, ks); err != nil {
				return 0, fmt.Errorf("delete expired: %w", err)
			}
		}
	}
	deleted, err := s.deleteKeys(ctx, ks.items())
	if err != nil {
		return deleted, fmt.Errorf("delete expired: %w", err)
	}
	return deleted, nil
}

// collectExpired adds the items of one expiry partition that expired at or
// before now; a conversation record brings its whole partition.
func (s *Store) collectExpired(ctx context.Context, partition string, now time.Time, ks *keySet) error {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrGSI3PK).Equal(expression.Value(partition)).
			And(expression.Key(attrGSI3SK).LessThanEqual(expression.Value(stamp(now)))),
	).Build()
	if err != nil {
		return fmt.Errorf("build expiry query: %w", err)
	}
	var found []itemKey
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(IndexExpiry),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, ks.limit, func(items []item) (bool, error) {
		for _, raw := range items {
			var k itemKey
			if err := attributevalue.UnmarshalMap(raw, &k); err != nil {
				return false, fmt.Errorf("decode key: %w", err)
			}
			found = append(found, k)
		}
		return ks.limit <= 0 || len(found) < ks.limit, nil
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", partition, err)
	}
	for _, k := range found {
		if k.SK == skMeta && strings.HasPrefix(k.PK, prefixConv) {
			// The rest of the partition first: if the limit cuts it short,
			// the record stays and the next run finds it again.
			rest, err := s.partitionKeys(ctx, k.PK)
			if err != nil {
				return err
			}
			for _, r := range rest {
				if r != k && !ks.add(r) {
					return nil
				}
			}
		}
		if !ks.add(k) {
			return nil
		}
	}
	return nil
}

// partitionKeys returns the keys of every item of partition pk.
func (s *Store) partitionKeys(ctx context.Context, pk string) ([]itemKey, error) {
	return readPartition[itemKey](ctx, s, pk, attrPK, attrSK)
}

// readPartition reads every item of partition pk, strongly consistent,
// with only the named attributes, decoded as T.
func readPartition[T any](ctx context.Context, s *Store, pk string, attrs ...string) ([]T, error) {
	names := make([]expression.NameBuilder, len(attrs))
	for i, a := range attrs {
		names[i] = expression.Name(a)
	}
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(pk))).
		WithProjection(expression.NamesList(names[0], names[1:]...)).
		Build()
	if err != nil {
		return nil, fmt.Errorf("build partition query: %w", err)
	}
	var out []T
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}, 0, func(items []item) (bool, error) {
		for _, raw := range items {
			var v T
			if err := attributevalue.UnmarshalMap(raw, &v); err != nil {
				return false, fmt.Errorf("decode %v: %w", raw[attrSK], err)
			}
			out = append(out, v)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read partition %s: %w", pk, err)
	}
	return out, nil
}
