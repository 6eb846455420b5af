package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
)

// messageItem is a message, CONV#<id> / MSG#<msgId>.
type messageItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry

	ID             string    `dynamodbav:"id"`
	ConversationID string    `dynamodbav:"conversationId"`
	SenderID       string    `dynamodbav:"senderId"`
	SenderRole     chat.Role `dynamodbav:"senderRole"`
	Body           string    `dynamodbav:"body,omitempty"`
	// SealedBody is Body sealed (internal/seal) when the store has a
	// sealer; Body is then empty.
	SealedBody      []byte  `dynamodbav:"sealedBody,omitempty"`
	ClientMessageID string  `dynamodbav:"clientMessageId"`
	CreatedAt       string  `dynamodbav:"createdAt"`
	EditedAt        *string `dynamodbav:"editedAt,omitempty"`
	Deleted         bool    `dynamodbav:"deleted"`
}

// clientMessageItem records which message a clientMessageId produced,
// CONV#<id> / CMID#<clientMessageId>. It expires with its message.
type clientMessageItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry

	MessageID string `dynamodbav:"messageId"`
	CreatedAt string `dynamodbav:"createdAt"`
}

func (it messageItem) message() chat.Message {
	return chat.Message{
		ID:              it.ID,
		ConversationID:  it.ConversationID,
		SenderID:        it.SenderID,
		SenderRole:      it.SenderRole,
		Body:            it.Body,
		ClientMessageID: it.ClientMessageID,
		CreatedAt:       parseStamp(it.CreatedAt),
		EditedAt:        parseStampPtr(it.EditedAt),
		Deleted:         it.Deleted,
		ExpiresAt:       it.expiry.time(),
	}
}

// readMessage decodes a stored message, opening its body when sealed.
// readable is false when its key is gone or it does not open: it is then
// as if it had expired.
func (s *Store) readMessage(ctx context.Context, it messageItem) (m chat.Message, readable bool, err error) {
	m = it.message()
	if len(it.SealedBody) == 0 || it.Deleted {
		// A deleted message has no words, whatever an endpoint that
		// ignores REMOVE (minidyn) left of its sealed body.
		return m, true, nil
	}
	if !sealedForExpiry(it.SealedBody, m.ExpiresAt) {
		// Its expiry was rewritten, or a ciphertext of another key moved
		// in: it would outlive its key's destruction.
		s.log.WarnContext(ctx, "sealed words are not under the key of their expiry: left out", "pk", it.PK, "sk", it.SK)
		return chat.Message{}, false, nil
	}
	if m.Body, readable, err = s.openText(ctx, it.SealedBody, it.PK, it.SK); !readable {
		return chat.Message{}, false, err
	}
	return m, true, nil
}

// Positions of a PutMessage transaction's items.
const (
	putConversation = iota
	putMessage
	putClientMessage
)

// PutMessage stores m with its clientMessageId record and moves the
// conversation's activity in one transaction conditioned on the conversation
// meeting k.
func (s *Store) PutMessage(ctx context.Context, m chat.Message, k chat.Condition) (chat.Message, bool, error) {
	now := m.CreatedAt.Time
	pk := convPK(m.ConversationID)
	stored := messageItem{
		PK: pk, SK: msgSK(m.ID), expiry: expiryOf(pk, m.ExpiresAt),
		ID: m.ID, ConversationID: m.ConversationID, SenderID: m.SenderID, SenderRole: m.SenderRole,
		Body: m.Body, ClientMessageID: m.ClientMessageID, CreatedAt: m.CreatedAt.String(),
		EditedAt: stampPtr(m.EditedAt), Deleted: m.Deleted,
	}
	if s.sealer != nil && m.Body != "" {
		id, err := messageKey(m.ExpiresAt, m.Owner)
		if err != nil {
			return chat.Message{}, false, fmt.Errorf("put message %s: %w", m.ID, err)
		}
		if stored.SealedBody, err = s.sealText(ctx, id, m.Body, stored.PK, stored.SK); err != nil {
			return chat.Message{}, false, fmt.Errorf("put message %s: %w", m.ID, err)
		}
		stored.Body = ""
	}
	m.Owner = ""
	msg, err := attributevalue.MarshalMap(stored)
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	cmid, err := attributevalue.MarshalMap(clientMessageItem{
		PK: pk, SK: cmidSK(m.ClientMessageID), expiry: expiryOf(pk, m.ExpiresAt),
		MessageID: m.ID, CreatedAt: m.CreatedAt.String(),
	})
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	// An expired item that TTL has not removed yet does not count.
	fresh, err := expression.NewBuilder().WithCondition(expression.Or(
		expression.Name(attrPK).AttributeNotExists(),
		expression.Name(attrExpiry).LessThanEqual(expression.Value(stamp(now))),
	)).Build()
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("build message condition: %w", err)
	}
	conv, err := activityUpdate(m, k, now)
	if err != nil {
		return chat.Message{}, false, err
	}
	put := func(it item) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{
			TableName:                 s.table,
			Item:                      it,
			ConditionExpression:       fresh.Condition(),
			ExpressionAttributeNames:  fresh.Names(),
			ExpressionAttributeValues: fresh.Values(),
		}}
	}
	// The conversation goes first: endpoints that stop at the first failed
	// condition (minidyn) then answer the same as DynamoDB, which checks all.
	failed, err := s.transact(ctx, []types.TransactWriteItem{
		putConversation: {Update: &types.Update{
			TableName:                           s.table,
			Key:                                 key(pk, skMeta),
			UpdateExpression:                    conv.Update(),
			ConditionExpression:                 conv.Condition(),
			ExpressionAttributeNames:            conv.Names(),
			ExpressionAttributeValues:           conv.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		putMessage:       put(msg),
		putClientMessage: put(cmid),
	})
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("put message %s: %w", m.ID, err)
	}
	if failed == nil {
		return m, true, nil
	}
	if old, ok := failed.failed(putConversation); ok {
		c, err := s.conversationAsItWas(ctx, m.ConversationID, old, now)
		if err != nil {
			return chat.Message{}, false, fmt.Errorf("put message %s: %w", m.ID, err)
		}
		// Someone else's conversation: nothing more is said.
		if err := (chat.Condition{Owner: k.Owner}).Check(c); err != nil {
			return chat.Message{}, false, err
		}
		// A resend of a message stored before the conversation changed
		// still gets its first answer.
		first, err := s.firstMessage(ctx, m, now)
		if err == nil || !errors.Is(err, chat.Sentinel(chat.CodeNotFound)) {
			return first, false, err
		}
		if err := k.Check(c); err != nil {
			return chat.Message{}, false, fmt.Errorf("put message %s: %w", m.ID, err)
		}
		return chat.Message{}, false, chat.Errorf(chat.CodeConflict, "This conversation changed. Please try again.")
	}
	if _, ok := failed.failed(putClientMessage); ok {
		first, err := s.firstMessage(ctx, m, now)
		return first, false, err
	}
	return chat.Message{}, false, fmt.Errorf("put message %s: transaction cancelled: %v", m.ID, failed)
}

// activityUpdate is the conversation side of PutMessage.
func activityUpdate(m chat.Message, k chat.Condition, now time.Time) (expression.Expression, error) {
	activity := stamp(m.CreatedAt.Time) + "#" + m.ConversationID
	upd := expression.Set(expression.Name("lastMessageAt"), expression.Value(m.CreatedAt.String())).
		Set(expression.Name("lastSenderRole"), expression.Value(m.SenderRole)).
		Set(expression.Name(attrGSI1SK), expression.Value(activity)).
		Set(expression.Name(attrGSI2SK), expression.Value(activity))
	if m.StartsWait {
		upd = upd.Set(expression.Name("waitingSince"), expression.Value(m.CreatedAt.String()))
	}
	if m.SenderRole == chat.RoleStaff {
		upd = upd.Set(expression.Name("firstResponseAt"),
			expression.IfNotExists(expression.Name("firstResponseAt"), expression.Value(m.CreatedAt.String())))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(conversationCondition(k, now)).Build()
	if err != nil {
		return expression.Expression{}, fmt.Errorf("build activity update: %w", err)
	}
	return expr, nil
}

// firstMessage returns the message m's clientMessageId already produced, or
// not found when there is none.
func (s *Store) firstMessage(ctx context.Context, m chat.Message, now time.Time) (chat.Message, error) {
	var rec clientMessageItem
	found, err := s.getItem(ctx, convPK(m.ConversationID), cmidSK(m.ClientMessageID), &rec)
	if err != nil {
		return chat.Message{}, fmt.Errorf("put message %s: %w", m.ID, err)
	}
	if !found || rec.expiredAt(now) {
		return chat.Message{}, chat.NotFound()
	}
	first, err := s.GetMessage(ctx, m.ConversationID, rec.MessageID, now)
	if err != nil {
		return chat.Message{}, fmt.Errorf("put message %s: first message: %w", m.ID, err)
	}
	if first.SenderID != m.SenderID {
		return chat.Message{}, chat.Errorf(chat.CodeConflict, "This clientMessageId is already in use.")
	}
	return first, nil
}

// GetMessage returns one message, or not found when it does not exist or has
// expired at now.
func (s *Store) GetMessage(ctx context.Context, conversationID, messageID string, now time.Time) (chat.Message, error) {
	var it messageItem
	found, err := s.getItem(ctx, convPK(conversationID), msgSK(messageID), &it)
	if err != nil {
		return chat.Message{}, fmt.Errorf("get message %s: %w", messageID, err)
	}
	if !found || it.expiredAt(now) {
		return chat.Message{}, chat.NotFound()
	}
	m, readable, err := s.readMessage(ctx, it)
	if err != nil {
		return chat.Message{}, fmt.Errorf("get message %s: %w", messageID, err)
	}
	if !readable {
		return chat.Message{}, chat.NotFound()
	}
	return m, nil
}

// UpdateMessage edits (u.Body set) or soft-deletes (u.Delete: the body is
// erased) a message that has not expired and meets u.If. With a sealer an
// edit reads the message first, seals the new body under the key its
// expiry implies now, and writes it only if the stored ciphertext is still
// the one it read (a change of retention may be re-sealing it).
func (s *Store) UpdateMessage(ctx context.Context, conversationID, messageID string, u chat.MessageUpdate) (chat.Message, error) {
	for attempt := 1; ; attempt++ {
		m, retry, err := s.updateMessage(ctx, conversationID, messageID, u)
		if !retry || attempt == transactAttempts {
			return m, err
		}
	}
}

// updateMessage is one attempt of UpdateMessage; retry is true when a
// sealed edit lost a race with another writer of the body.
func (s *Store) updateMessage(ctx context.Context, conversationID, messageID string, u chat.MessageUpdate) (_ chat.Message, retry bool, _ error) {
	pk, sk := convPK(conversationID), msgSK(messageID)
	var upd expression.UpdateBuilder
	var sealedAs []byte
	switch {
	case u.Delete:
		// An empty body rather than REMOVE, which minidyn ignores.
		upd = expression.Set(expression.Name("deleted"), expression.Value(true)).
			Set(expression.Name("body"), expression.Value(""))
		if s.sealer != nil {
			// REMOVE, as DynamoDB drops the words; where minidyn ignores
			// it, readMessage still never opens a deleted message.
			upd = upd.Remove(expression.Name("sealedBody"))
		}
	case u.Body != nil && s.sealer != nil:
		ct, was, found, err := s.resealedEdit(ctx, pk, sk, *u.Body, u.At)
		if err != nil {
			return chat.Message{}, false, err
		}
		if !found {
			return chat.Message{}, false, chat.NotFound()
		}
		sealedAs = was
		upd = expression.Set(expression.Name("sealedBody"), expression.Value(ct)).
			Set(expression.Name("editedAt"), expression.Value(stamp(u.At)))
	case u.Body != nil:
		upd = expression.Set(expression.Name("body"), expression.Value(*u.Body)).
			Set(expression.Name("editedAt"), expression.Value(stamp(u.At)))
	default:
		upd = expression.Set(expression.Name("editedAt"), expression.Value(stamp(u.At)))
	}
	cond := expression.And(expression.Name(attrPK).AttributeExists(), notExpired(u.At))
	if u.If.Sender != "" {
		cond = cond.And(expression.Name("senderId").Equal(expression.Value(u.If.Sender)))
	}
	if u.If.Undeleted {
		cond = cond.And(expression.Name("deleted").NotEqual(expression.Value(true)))
	}
	if u.Body != nil && s.sealer != nil {
		if sealedAs == nil {
			cond = cond.And(expression.Name("sealedBody").AttributeNotExists())
		} else {
			cond = cond.And(expression.Name("sealedBody").Equal(expression.Value(sealedAs)))
		}
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("build message update: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           s.table,
		Key:                                 key(pk, sk),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, failed := conditionFailed(err); failed {
		// A sealed edit whose body changed under it tries again; any
		// other refusal is not found.
		var it messageItem
		if u.Body != nil && s.sealer != nil && len(old) > 0 && attributevalue.UnmarshalMap(old, &it) == nil &&
			!bytes.Equal(it.SealedBody, sealedAs) {
			return chat.Message{}, true, chat.NotFound()
		}
		return chat.Message{}, false, chat.NotFound()
	}
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("update message %s: %w", messageID, err)
	}
	var it messageItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return chat.Message{}, false, fmt.Errorf("decode message %s: %w", messageID, err)
	}
	m, readable, err := s.readMessage(ctx, it)
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("update message %s: %w", messageID, err)
	}
	if !readable {
		return chat.Message{}, false, chat.NotFound()
	}
	return m, false, nil
}

// resealedEdit reads message pk/sk and seals body for it under the key
// its expiry implies (the hour key of a 24h conversation's message, the
// client's key of a permanent one). was is the ciphertext it read (nil:
// none); found is false when the message does not exist or expired at at.
func (s *Store) resealedEdit(ctx context.Context, pk, sk, body string, at time.Time) (ct, was []byte, found bool, err error) {
	var it messageItem
	if found, err = s.getItem(ctx, pk, sk, &it); err != nil || !found || it.expiredAt(at) {
		return nil, nil, false, err
	}
	client := ""
	if it.expiry.time() == nil {
		var c conversationItem
		ok, err := s.getItem(ctx, pk, skMeta, &c)
		if err != nil || !ok {
			return nil, nil, false, err
		}
		client = c.UserID
	}
	id, err := messageKey(it.expiry.time(), client)
	if err != nil {
		return nil, nil, false, fmt.Errorf("edit message %s: %w", it.ID, err)
	}
	if ct, err = s.sealText(ctx, id, body, pk, sk); err != nil {
		return nil, nil, false, err
	}
	return ct, it.SealedBody, true, nil
}

// defaultMessageLimit is the page size when none is given.
const defaultMessageLimit = 50

// ListMessages returns a page of a conversation's messages, oldest first,
// none expired at now; see chat.MessageStore.
func (s *Store) ListMessages(ctx context.Context, conversationID string, q chat.MessageRange, now time.Time) (chat.Page[chat.Message], error) {
	if q.Before != "" && q.After != "" {
		return chat.Page[chat.Message]{}, chat.BadRequest("Use either before or after, not both.")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultMessageLimit
	}
	// Bounds are inclusive; the boundary message itself is skipped below.
	lower, upper, boundary, forward := prefixMsg, msgEnd, "", false
	switch {
	case q.After != "":
		lower, boundary, forward = msgSK(q.After), q.After, true
	case q.Before != "":
		upper, boundary = msgSK(q.Before), q.Before
	}
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(convPK(conversationID))).
			And(expression.Key(attrSK).Between(expression.Value(lower), expression.Value(upper)))).
		WithFilter(notExpired(now)).
		Build()
	if err != nil {
		return chat.Page[chat.Message]{}, fmt.Errorf("build message query: %w", err)
	}
	var msgs []chat.Message
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(forward),
	}, limit+2, func(items []item) (bool, error) {
		for _, raw := range items {
			var it messageItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return false, fmt.Errorf("decode message: %w", err)
			}
			if it.ID == boundary {
				continue
			}
			m, readable, err := s.readMessage(ctx, it)
			if err != nil {
				return false, err
			}
			if !readable {
				continue // its key is gone: as if expired
			}
			msgs = append(msgs, m)
			if len(msgs) > limit {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return chat.Page[chat.Message]{}, fmt.Errorf("list messages of %s: %w", conversationID, err)
	}
	page := chat.Page[chat.Message]{Items: msgs}
	if len(msgs) > limit {
		page.Items = msgs[:limit]
		page.Next = msgs[limit-1].ID
	}
	if !forward {
		slices.Reverse(page.Items)
	}
	if page.Items == nil {
		page.Items = []chat.Message{}
	}
	return page, nil
}
