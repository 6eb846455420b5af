package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
)

// UpdateConversation applies u to conversation id under u's conditions and
// returns the updated conversation. Closing also deletes the client's
// active-session lock in the same transaction.
func (s *Store) UpdateConversation(ctx context.Context, id string, u chat.ConversationUpdate) (chat.Conversation, error) {
	now := s.now()
	cond := conversationCondition(u.If, now)
	var sealed []byte
	if f := u.Feedback; f != nil && f.Comment != "" && s.sealer != nil {
		ct, retention, err := s.sealComment(ctx, id, f.Comment)
		if err != nil {
			return chat.Conversation{}, fmt.Errorf("update conversation %s: %w", id, err)
		}
		sealed = ct
		// The key follows the retention: a change in between is a conflict.
		cond = cond.And(expression.Name("retention").Equal(expression.Value(retention)))
	}
	upd, changes := conversationChanges(id, u, sealed)
	if !changes {
		c, err := s.GetConversation(ctx, id, now)
		if err == nil {
			err = u.If.Check(c)
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
// when u changes nothing. sealedComment, when set, is the feedback comment
// sealed, written instead of the comment.
func conversationChanges(id string, u chat.ConversationUpdate, sealedComment []byte) (upd expression.UpdateBuilder, changes bool) {
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
	if u.AssigneeName != nil {
		// No name is stored as an empty one, read back as none: minidyn
		// ignores REMOVE (keys.go).
		set("assigneeName", *u.AssigneeName)
	}
	if u.UserDeleted != nil {
		set("userDeleted", *u.UserDeleted)
	}
	if u.ExpiresAt != nil {
		upd, changes = expiryOf(convPK(id), u.ExpiresAt).set(upd), true
	}
	if r := u.Risk; r != nil {
		set("risk", r.Level)
		set("riskRank", r.Level.Rank())
		set("riskAt", r.At.String())
		set("riskCategory", r.Category)
		set("riskBy", r.By)
		set("riskReason", r.Reason)
	}
	if u.ClaimedAt != nil {
		upd, changes = upd.Set(expression.Name("claimedAt"),
			expression.IfNotExists(expression.Name("claimedAt"), expression.Value(u.ClaimedAt.String()))), true
	}
	if f := u.Feedback; f != nil {
		set("rating", f.Rating)
		set("ratedAt", f.At.String())
		switch {
		case sealedComment != nil:
			set("sealedComment", sealedComment)
		case f.Comment != "":
			set("comment", f.Comment)
		}
	}
	return upd, changes
}

// sealComment seals a feedback comment for conversation id under the key
// of its record: the hour of the record's expiry when it has one (24h),
// else its client's. It returns the retention the key was chosen for.
func (s *Store) sealComment(ctx context.Context, id, comment string) ([]byte, chat.Retention, error) {
	var it conversationItem
	found, err := s.getItem(ctx, convPK(id), skMeta, &it)
	if err != nil {
		return nil, "", err
	}
	if !found || it.expiredAt(s.now()) {
		return nil, "", chat.NotFound()
	}
	key, err := commentKey(it)
	if err != nil {
		return nil, "", err
	}
	ct, err := s.sealText(ctx, key, comment, it.PK, it.SK)
	return ct, it.Retention, err
}

// commentKey is the data key of a conversation record's comment.
func commentKey(it conversationItem) (seal.KeyID, error) {
	at := it.expiry.time()
	if it.Retention != chat.Retention24h {
		at = nil
	}
	return messageKey(at, it.UserID)
}

// conversationCondition is k as the condition of a write to a conversation
// record, which must also exist and not have expired at now.
func conversationCondition(k chat.Condition, now time.Time) expression.ConditionBuilder {
	cond := expression.And(expression.Name(attrPK).AttributeExists(), notExpired(now))
	if k.Status != "" {
		cond = cond.And(expression.Name("status").Equal(expression.Value(k.Status)))
	}
	if k.Owner != "" {
		cond = cond.And(expression.Name("userId").Equal(expression.Value(k.Owner)),
			expression.Name("userDeleted").NotEqual(expression.Value(true)))
	}
	if k.Retention != "" {
		cond = cond.And(expression.Name("retention").Equal(expression.Value(k.Retention)))
	}
	if k.Unrated {
		cond = cond.And(expression.Name("rating").AttributeNotExists())
	}
	if k.RiskBelow != "" {
		cond = cond.And(expression.Or(expression.Name("riskRank").AttributeNotExists(),
			expression.Name("riskRank").LessThan(expression.Value(k.RiskBelow.Rank()))))
	}
	if k.ClaimableBy != "" {
		cond = cond.And(expression.Or(unassigned(), expression.Name("assignee").Equal(expression.Value(k.ClaimableBy))))
	}
	if k.Assignee != "" {
		cond = cond.And(expression.Name("assignee").Equal(expression.Value(k.Assignee)))
	}
	if k.Reader != "" {
		// chat.CanRead for a counsellor: waiting unassigned, or theirs.
		cond = cond.And(expression.Or(
			expression.And(expression.Name("status").Equal(expression.Value(chat.StatusActive)), unassigned()),
			expression.Name("assignee").Equal(expression.Value(k.Reader)),
		))
	}
	return cond
}

// unassigned is the condition that no counsellor has claimed a
// conversation.
func unassigned() expression.ConditionBuilder {
	return expression.Or(expression.Name("assignee").AttributeNotExists(), expression.Name("assignee").Equal(expression.Value("")))
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
	if err := u.If.Check(c); err != nil {
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
