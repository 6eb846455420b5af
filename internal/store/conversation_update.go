package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
)

// UpdateConversation applies u to conversation id under u's conditions and
// returns the updated conversation. Closing also deletes the client's
// active-session lock in the same transaction.
func (s *Store) UpdateConversation(ctx context.Context, id string, u chat.ConversationUpdate) (chat.Conversation, error) {
	now := s.now()
	cond := expression.And(expression.Name(attrPK).AttributeExists(), notExpired(now))
	if u.IfStatus != "" {
		cond = cond.And(expression.Name("status").Equal(expression.Value(u.IfStatus)))
	}
	if u.IfOwner != "" {
		cond = cond.And(expression.Name("userId").Equal(expression.Value(u.IfOwner)))
	}
	upd, changes := conversationChanges(id, u)
	if !changes {
		c, err := s.GetConversation(ctx, id, now)
		if err == nil {
			err = checkUpdate(c, u)
		}
		return c, err
	}
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("build conversation update: %w", err)
	}
	if u.Status != nil && *u.Status == chat.StatusClosed {
		return s.closeConversation(ctx, id, u, expr)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           s.table,
		Key:                                 key(convPK(id), skMeta),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionFailed(err); failed {
		return chat.Conversation{}, fmt.Errorf("update conversation %s: %w", id, s.explainUpdate(ctx, id, u, old))
	}
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("update conversation %s: %w", id, err)
	}
	var it conversationItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return chat.Conversation{}, fmt.Errorf("decode conversation %s: %w", id, err)
	}
	return it.conversation(), nil
}

// conversationChanges turns u into an update expression; changes is false
// when u changes nothing.
func conversationChanges(id string, u chat.ConversationUpdate) (upd expression.UpdateBuilder, changes bool) {
	set := func(name string, v any) {
		upd, changes = upd.Set(expression.Name(name), expression.Value(v)), true
	}
	if u.Status != nil {
		set("status", *u.Status)
		set(attrGSI2PK, statusPK(*u.Status))
	}
	if u.ClosedAt != nil {
		set("closedAt", u.ClosedAt.String())
	}
	if u.ClosedBy != nil {
		set("closedBy", *u.ClosedBy)
	}
	if u.Assignee != nil {
		set("assignee", *u.Assignee)
	}
	if u.UserDeleted != nil {
		set("userDeleted", *u.UserDeleted)
	}
	if u.ExpiresAt != nil {
		upd, changes = expiryOf(convPK(id), u.ExpiresAt).set(upd), true
	}
	return upd, changes
}

// closeConversation closes a conversation and deletes the client's lock in
// one transaction, then reads the result back.
func (s *Store) closeConversation(ctx context.Context, id string, u chat.ConversationUpdate, expr expression.Expression) (chat.Conversation, error) {
	for range transactAttempts {
		var current conversationItem
		found, err := s.getItem(ctx, convPK(id), skMeta, &current)
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("close conversation %s: %w", id, err)
		}
		if !found {
			return chat.Conversation{}, chat.NotFound()
		}
		items := []types.TransactWriteItem{{Update: &types.Update{
			TableName:                           s.table,
			Key:                                 key(convPK(id), skMeta),
			UpdateExpression:                    expr.Update(),
			ConditionExpression:                 expr.Condition(),
			ExpressionAttributeNames:            expr.Names(),
			ExpressionAttributeValues:           expr.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}}}
		active, err := s.ActiveConversationID(ctx, current.UserID)
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("close conversation %s: %w", id, err)
		}
		if active == id {
			held, err := expression.NewBuilder().WithCondition(
				expression.Name("conversationId").Equal(expression.Value(id)),
			).Build()
			if err != nil {
				return chat.Conversation{}, fmt.Errorf("build lock release: %w", err)
			}
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName:                 s.table,
				Key:                       key(userPK(current.UserID), skActive),
				ConditionExpression:       held.Condition(),
				ExpressionAttributeNames:  held.Names(),
				ExpressionAttributeValues: held.Values(),
			}})
		}
		failed, err := s.transact(ctx, items)
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("close conversation %s: %w", id, err)
		}
		if old, ok := failed.failed(0); ok {
			return chat.Conversation{}, fmt.Errorf("close conversation %s: %w", id, s.explainUpdate(ctx, id, u, old))
		}
		if failed == nil {
			return s.GetConversation(ctx, id, s.now())
		}
		// The lock changed between reading and writing it: read again.
	}
	return chat.Conversation{}, fmt.Errorf("close conversation %s: the active-session lock kept changing", id)
}

// explainUpdate tells why a conversation update's condition failed, from the
// record as it was (ALL_OLD) or, when the endpoint did not send it, as it is.
func (s *Store) explainUpdate(ctx context.Context, id string, u chat.ConversationUpdate, old item) error {
	c, err := s.conversationAsItWas(ctx, id, old, s.now())
	if err != nil {
		return err
	}
	if err := checkUpdate(c, u); err != nil {
		return err
	}
	return chat.Errorf(chat.CodeConflict, "This conversation changed. Please try again.")
}

// conversationAsItWas decodes a failed write's old image, or reads the
// record when there is none; not found when it does not exist or expired.
func (s *Store) conversationAsItWas(ctx context.Context, id string, old item, now time.Time) (chat.Conversation, error) {
	if len(old) == 0 {
		return s.GetConversation(ctx, id, now)
	}
	var it conversationItem
	if err := attributevalue.UnmarshalMap(old, &it); err != nil {
		return chat.Conversation{}, fmt.Errorf("decode conversation %s: %w", id, err)
	}
	if it.expiredAt(now) {
		return chat.Conversation{}, chat.NotFound()
	}
	return it.conversation(), nil
}

// checkUpdate checks u's conditions against c.
func checkUpdate(c chat.Conversation, u chat.ConversationUpdate) error {
	switch {
	case u.IfOwner != "" && c.UserID != u.IfOwner:
		return chat.NotFound()
	case u.IfStatus != "" && c.Status != u.IfStatus && c.Status == chat.StatusClosed:
		return chat.Closed()
	case u.IfStatus != "" && c.Status != u.IfStatus:
		return chat.Errorf(chat.CodeConflict, "This conversation is %s.", c.Status)
	}
	return nil
}

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
			upd = expiryOf(convPK(id), retentionExpiry(r, *c.ClosedAt)).set(upd)
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
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrPK).Equal(expression.Value(convPK(id))),
	).WithProjection(expression.NamesList(
		expression.Name(attrPK), expression.Name(attrSK), expression.Name("createdAt"),
		expression.Name(attrExpiresAt), expression.Name(attrExpiry),
		expression.Name(attrGSI3PK), expression.Name(attrGSI3SK),
	)).Build()
	if err != nil {
		return fmt.Errorf("build partition query: %w", err)
	}
	var todo []stampedItem
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}, 0, func(items []item) (bool, error) {
		for _, raw := range items {
			var it stampedItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return false, fmt.Errorf("decode %v: %w", raw[attrSK], err)
			}
			todo = append(todo, it)
		}
		return true, nil
	})
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
		at = retentionExpiry(r, parseStamp(it.CreatedAt))
	case strings.HasPrefix(it.SK, prefixRead):
		at = retentionExpiry(r, chat.At(now))
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

// PutFeedback records the client's rating once, on a closed conversation
// they own.
func (s *Store) PutFeedback(ctx context.Context, id, userID string, rating int, comment string, at time.Time) error {
	upd := expression.Set(expression.Name("rating"), expression.Value(rating)).
		Set(expression.Name("ratedAt"), expression.Value(stamp(at)))
	if comment != "" {
		upd = upd.Set(expression.Name("comment"), expression.Value(comment))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.And(
		expression.Name(attrPK).AttributeExists(),
		expression.Name("userId").Equal(expression.Value(userID)),
		expression.Name("status").Equal(expression.Value(chat.StatusClosed)),
		expression.Name("rating").AttributeNotExists(),
		notExpired(at),
	)).Build()
	if err != nil {
		return fmt.Errorf("build feedback: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           s.table,
		Key:                                 key(convPK(id), skMeta),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionFailed(err); failed {
		c, err := s.conversationAsItWas(ctx, id, old, at)
		switch {
		case err != nil:
			return fmt.Errorf("feedback on %s: %w", id, err)
		case c.UserID != userID:
			return chat.NotFound()
		case c.Status != chat.StatusClosed:
			return chat.Errorf(chat.CodeConflict, "Feedback can be given once the conversation is closed.")
		default:
			return chat.Errorf(chat.CodeConflict, "Feedback was already given for this conversation.")
		}
	}
	if err != nil {
		return fmt.Errorf("feedback on %s: %w", id, err)
	}
	return nil
}
