package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
)

// SetRetention changes the retention of conversation id, re-stamps the
// record's own expiry when it is closed, and re-stamps every message,
// clientMessageId record and read marker: sent + 24h, or no expiry for
// permanent. Items that had already expired stay expired. With a sealer,
// every re-stamped message body and the feedback comment are sealed again
// under the key of their new expiry (seal.Sealer.Reseal) in the same write.
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
		if err := s.resealComment(ctx, it); err != nil {
			return chat.Conversation{}, fmt.Errorf("set retention of %s: %w", id, err)
		}
		break
	}
	if r == chat.RetentionPermanent {
		s.linkConversation(ctx, id, updated.UserID)
	}
	if err := s.restamp(ctx, id, updated.UserID, r, now); err != nil {
		return chat.Conversation{}, fmt.Errorf("set retention of %s: %w", id, err)
	}
	return updated, nil
}

// stampedItem is what re-stamping reads of a message, clientMessageId
// record or read marker.
type stampedItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	CreatedAt  string `dynamodbav:"createdAt"`
	SealedBody []byte `dynamodbav:"sealedBody,omitempty"`
	expiry
}

// restampWorkers bounds the concurrent re-stamp writes.
const restampWorkers = 8

// restamp gives every message, clientMessageId record and read marker of
// conversation id the expiry retention r implies.
func (s *Store) restamp(ctx context.Context, id, client string, r chat.Retention, now time.Time) error {
	todo, err := readPartition[stampedItem](ctx, s, convPK(id),
		attrPK, attrSK, "createdAt", "sealedBody", attrExpiresAt, attrExpiry, attrGSI3PK, attrGSI3SK)
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
			if err := s.stamp(ctx, it, client, r, now); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return cmp.Or(first, ctx.Err())
}

// stamp writes the expiry retention r gives one item, if it needs one,
// and seals its body again under the key of that expiry (client's, for
// permanent). A body changed by an edit in between is read again.
func (s *Store) stamp(ctx context.Context, it stampedItem, client string, r chat.Retention, now time.Time) error {
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
	for attempt := 1; ; attempt++ {
		upd := want.set(expression.UpdateBuilder{})
		cond := expression.Name(attrPK).AttributeExists()
		switch {
		case len(it.SealedBody) == 0 || s.sealer == nil:
		case at != nil && !at.Time.After(now):
			// Expired by the change: its words go now.
			upd = upd.Remove(expression.Name("sealedBody"))
			cond = cond.And(expression.Name("sealedBody").Equal(expression.Value(it.SealedBody)))
		default:
			id, err := messageKey(at, client)
			if err != nil {
				return fmt.Errorf("re-seal %s %s: %w", it.PK, it.SK, err)
			}
			ct, err := s.sealer.Reseal(ctx, it.SealedBody, seal.AAD(it.PK, it.SK), id)
			if errors.Is(err, seal.ErrKeyGone) || errors.Is(err, seal.ErrTampered) {
				// Unreadable already: it stays so, and its expiry moves.
				ct, err = it.SealedBody, nil
			}
			if err != nil {
				return fmt.Errorf("re-seal %s %s: %w", it.PK, it.SK, err)
			}
			upd = upd.Set(expression.Name("sealedBody"), expression.Value(ct))
			cond = cond.And(expression.Name("sealedBody").Equal(expression.Value(it.SealedBody)))
		}
		failed, err := s.updateIf(ctx, it.PK, it.SK, cond, upd)
		if failed {
			if len(it.SealedBody) == 0 || attempt == transactAttempts {
				return nil // deleted meanwhile
			}
			// Deleted, or edited: read it again.
			found, err := s.getItem(ctx, it.PK, it.SK, &it)
			if err != nil {
				return fmt.Errorf("re-stamp %s %s: %w", it.PK, it.SK, err)
			}
			if !found {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("re-stamp %s %s: %w", it.PK, it.SK, err)
		}
		return nil
	}
}

// resealComment seals the feedback comment of a conversation record again
// under the key its retention and expiry now imply, unless it changed in
// between.
func (s *Store) resealComment(ctx context.Context, it conversationItem) error {
	if len(it.SealedComment) == 0 || s.sealer == nil {
		return nil
	}
	id, err := commentKey(it)
	if err != nil {
		return err
	}
	ct, err := s.sealer.Reseal(ctx, it.SealedComment, seal.AAD(it.PK, it.SK), id)
	if errors.Is(err, seal.ErrKeyGone) || errors.Is(err, seal.ErrTampered) {
		return nil // unreadable already: it stays so
	}
	if err != nil {
		return fmt.Errorf("re-seal comment: %w", err)
	}
	failed, err := s.updateIf(ctx, it.PK, it.SK,
		expression.Name("sealedComment").Equal(expression.Value(it.SealedComment)),
		expression.Set(expression.Name("sealedComment"), expression.Value(ct)))
	if failed {
		return nil // erased meanwhile: a comment is written once
	}
	if err != nil {
		return fmt.Errorf("re-seal comment: %w", err)
	}
	return nil
}
