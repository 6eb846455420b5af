package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Hit counts one message of userID in the window starting at window, in the
// item RATE#<sub> / <window start>, and reports whether it stayed within
// limit. The count only grows while below limit, so under concurrent hits
// exactly limit are allowed. The item expires ttl after the window starts.
func (s *Store) Hit(ctx context.Context, userID string, window time.Time, limit int, ttl time.Duration) (bool, error) {
	exp := expiryOf(prefixRate+userID, chatTime(window.Add(ttl)))
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Add(expression.Name("count"), expression.Value(1)).
			Set(expression.Name(attrExpiresAt), expression.Value(exp.ExpiresAt))).
		WithCondition(expression.Or(
			expression.Name("count").AttributeNotExists(),
			expression.Name("count").LessThan(expression.Value(limit)),
		)).
		Build()
	if err != nil {
		return false, fmt.Errorf("build rate hit: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(prefixRate+userID, stamp(window)),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, full := conditionFailed(err); full {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("rate hit of %s: %w", userID, err)
	}
	return true, nil
}
