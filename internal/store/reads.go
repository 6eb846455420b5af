package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat"
)

// readItem is a read marker, CONV#<id> / READ#<sub>: the last message the
// person has read.
type readItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry

	UserID    string `dynamodbav:"userId"`
	MessageID string `dynamodbav:"messageId"`
	CreatedAt string `dynamodbav:"createdAt"`
}

// PutReadMarker moves userID's read marker in conversation id forward to
// messageID; an older id leaves it where it is.
func (s *Store) PutReadMarker(ctx context.Context, id, userID, messageID string, at *chat.Time) error {
	pk := convPK(id)
	// A whole-item Put, not an upsert: see noExpiry. An older messageID
	// leaves the marker as it is.
	_, err := s.putIfAbsentOr(ctx, readItem{
		PK: pk, SK: readSK(userID), expiry: expiryOf(pk, at),
		UserID: userID, MessageID: messageID, CreatedAt: stamp(s.now()),
	}, expression.Name("messageId").LessThan(expression.Value(messageID)))
	if err != nil {
		return fmt.Errorf("put read marker of %s in %s: %w", userID, id, err)
	}
	return nil
}

// Unread counts the messages of conversation id sent by the other role than
// role, neither deleted nor expired at now, after userID's read marker.
func (s *Store) Unread(ctx context.Context, id, userID string, role chat.Role, now time.Time) (int, error) {
	var marker readItem
	found, err := s.getItem(ctx, convPK(id), readSK(userID), &marker)
	if err != nil {
		return 0, fmt.Errorf("unread in %s: %w", id, err)
	}
	lower := prefixMsg
	if found && !marker.expiredAt(now) {
		// Message ids have one length, so this sorts right after the
		// marker's message and before every later one.
		lower = msgSK(marker.MessageID) + " "
	}
	other := chat.RoleStaff
	if role == chat.RoleStaff {
		other = chat.RoleClient
	}
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(convPK(id))).
			And(expression.Key(attrSK).Between(expression.Value(lower), expression.Value(msgEnd)))).
		WithFilter(expression.And(
			expression.Name("senderRole").Equal(expression.Value(other)),
			expression.Name("deleted").NotEqual(expression.Value(true)),
			notExpired(now),
		)).
		Build()
	if err != nil {
		return 0, fmt.Errorf("build unread query: %w", err)
	}
	n, err := s.count(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return 0, fmt.Errorf("unread in %s: %w", id, err)
	}
	return n, nil
}
