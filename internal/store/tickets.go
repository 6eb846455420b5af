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
)

// ticketItem is a WebSocket ticket, TICKET#<hash> / META. It is short-lived
// and every read checks its expiry, so it needs no expiry index keys.
type ticketItem struct {
	PK             string    `dynamodbav:"pk"`
	SK             string    `dynamodbav:"sk"`
	ExpiresAt      int64     `dynamodbav:"expiresAt"`
	Expiry         string    `dynamodbav:"expiry"`
	UserID         string    `dynamodbav:"userId"`
	Username       string    `dynamodbav:"username"`
	Role           chat.Role `dynamodbav:"role"`
	Supervisor     bool      `dynamodbav:"supervisor,omitempty"`
	TokenExpiresAt *string   `dynamodbav:"tokenExpiresAt,omitempty"`
	TokenIssuedAt  *string   `dynamodbav:"tokenIssuedAt,omitempty"`
}

// PutTicket stores a ticket's hash with the identity it stands for.
func (s *Store) PutTicket(ctx context.Context, hash string, t chat.TicketClaims) error {
	pk := prefixTicket + hash
	exp := expiryOf(pk, t.ExpiresAt.Ptr())
	it, err := attributevalue.MarshalMap(ticketItem{
		PK: pk, SK: skMeta, ExpiresAt: exp.ExpiresAt, Expiry: exp.Expiry,
		UserID: t.UserID, Username: t.Username, Role: t.Role, Supervisor: t.Supervisor,
		TokenExpiresAt: stampPtr(t.TokenExpiresAt), TokenIssuedAt: instantPtr(t.IssuedAt),
	})
	if err != nil {
		return fmt.Errorf("encode ticket: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: it}); err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	return nil
}

// ConsumeTicket deletes the ticket and returns its claims if it exists and
// has not expired at now; else unauthorized. The delete is conditional, so
// of concurrent calls exactly one wins.
func (s *Store) ConsumeTicket(ctx context.Context, hash string, now time.Time) (chat.TicketClaims, error) {
	expr, err := expression.NewBuilder().WithCondition(expression.And(
		expression.Name(attrPK).AttributeExists(),
		expression.Name(attrExpiry).GreaterThan(expression.Value(stamp(now))),
	)).Build()
	if err != nil {
		return chat.TicketClaims{}, fmt.Errorf("build ticket condition: %w", err)
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       key(prefixTicket+hash, skMeta),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnValues:              types.ReturnValueAllOld,
	})
	if _, failed := conditionFailed(err); failed {
		return chat.TicketClaims{}, chat.Unauthorized()
	}
	if err != nil {
		return chat.TicketClaims{}, fmt.Errorf("consume ticket: %w", err)
	}
	var it ticketItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return chat.TicketClaims{}, fmt.Errorf("decode ticket: %w", err)
	}
	claims := chat.TicketClaims{
		Identity:       chat.Identity{UserID: it.UserID, Username: it.Username, Role: it.Role, Supervisor: it.Supervisor},
		ExpiresAt:      parseStamp(it.Expiry),
		TokenExpiresAt: parseStampPtr(it.TokenExpiresAt),
	}
	if issued := parseStampPtr(it.TokenIssuedAt); issued != nil {
		claims.IssuedAt = issued.Time
	}
	return claims, nil
}
