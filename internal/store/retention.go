package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
)

// SetRetention changes the retention of conversation id, re-stamps the
// record's own expiry when it is closed, and re-stamps every message,
// clientMessageId record and read marker: sent + 24h, or no expiry for
// permanent. Items that had already expired stay expired.
func (s *Store) SetRetention(ctx context.Context, id string, r chat.Retention) (chat.Conversation, error) {
	now := s.now()
	var updated chat.Conversation
	for attempt := 1; ; attempt++ {
		c, err := s.GetConversation(ctx, id, now)
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("set retention of %s: %w", id, err)
		}
		upd := expression.Set(expression.Name("retention"), expression.Value(r))
		if c.Status == chat.StatusClosed && c.ClosedAt != nil {
			upd = expiryOf(convPK(id), r.Expiry(c.ClosedAt.Time)).set(upd)
		}
		expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.And(
			expression.Name(attrPK).AttributeExists(),
			expression.Name("status").Equal(expression.Value(c.Status)),
		)).Build()
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("build retention update: %w", err)
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 s.table,
			Key:                       key(convPK(id), skMeta),
			UpdateExpression:          expr.Update(),
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ReturnValues:              types.ReturnValueAllNew,
		})
		if _, failed := conditionFailed(err); failed && attempt < transactAttempts {
			continue // closed (or erased) meanwhile: read it again
		}
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("set retention of %s: %w", id, err)
		}
		var it conversationItem
		if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
			return chat.Conversation{}, fmt.Errorf("decode conversation %s: %w", id, err)
		}
		updated = it.conversation()
		break
	}
	if err := s.restamp(ctx, id, r, now); err != nil {
		return chat.Conversation{}, fmt.Errorf("set retention of %s: %w", id, err)
	}
	return updated, nil
}

// stampedItem is what re-stamping reads of a message, clientMessageId
// record or read marker.
type stampedItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	CreatedAt string `dynamodbav:"createdAt"`
	expiry
}

// restampWorkers bounds the concurrent re-stamp writes.
const restampWorkers = 8

// restamp gives every message, clientMessageId record and read marker of
// conversation id the expiry retention r implies.
func (s *Store) restamp(ctx context.Context, id string, r chat.Retention, now time.Time) error {
	todo, err := readPartition[stampedItem](ctx, s, convPK(id),
		attrPK, attrSK, "createdAt", attrExpiresAt, attrExpiry, attrGSI3PK, attrGSI3SK)
	if err != nil {
		return fmt.Errorf("read conversation %s: %w", id, err)
	}

	sem := make(chan struct{}, restampWorkers)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, it := range todo {
		if it.expiredAt(now) {
			continue // already gone for every reader; keep it gone
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.stamp(ctx, it, r, now); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return cmp.Or(first, ctx.Err())
}

// stamp writes the expiry retention r gives one item, if it needs one.
func (s *Store) stamp(ctx context.Context, it stampedItem, r chat.Retention, now time.Time) error {
	var at *chat.Time
	switch {
	case strings.HasPrefix(it.SK, prefixMsg), strings.HasPrefix(it.SK, prefixCMID):
		at = r.Expiry(parseStamp(it.CreatedAt).Time)
	case strings.HasPrefix(it.SK, prefixRead):
		at = r.Expiry(now)
	default:
		return nil
	}
	want := expiryOf(it.PK, at)
	if want == it.expiry {
		return nil
	}
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name(attrPK).AttributeExists()).
		WithUpdate(want.set(expression.UpdateBuilder{})).
		Build()
	if err != nil {
		return fmt.Errorf("build re-stamp: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(it.PK, it.SK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, gone := conditionFailed(err); gone {
		return nil // deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("re-stamp %s %s: %w", it.PK, it.SK, err)
	}
	return nil
}
