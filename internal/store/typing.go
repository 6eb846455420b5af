package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat"
)

var _ chat.TypingGate = (*Store)(nil)

// PassTyping lets one typing frame of connectionID through per gap: it
// records now on the connection's item if the last relayed frame is at
// least gap old. An unknown connection passes nothing.
func (s *Store) PassTyping(ctx context.Context, connectionID string, now time.Time, gap time.Duration) (bool, error) {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("typingAt"), expression.Value(stamp(now)))).
		WithCondition(expression.And(
			expression.Name(attrPK).AttributeExists(),
			expression.Or(
				expression.Name("typingAt").AttributeNotExists(),
				expression.Name("typingAt").LessThanEqual(expression.Value(stamp(now.Add(-gap)))),
			),
		)).
		Build()
	if err != nil {
		return false, fmt.Errorf("build typing gate: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(connPK(connectionID), skMeta),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, held := conditionFailed(err); held {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("typing gate of %s: %w", connectionID, err)
	}
	return true, nil
}
