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
	"github.com/oklog/ulid/v2"

	"github.com/confidechat/confide/internal/chat"
)

// auditItem is an audit entry, AUDIT#<yyyy-mm-dd> / <at>#<id>. It never
// holds message text.
type auditItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	ID     string `dynamodbav:"id"`
	At     string `dynamodbav:"at"`
	Actor  string `dynamodbav:"actor"`
	Action string `dynamodbav:"action"`
	Target string `dynamodbav:"target"`
	Detail string `dynamodbav:"detail,omitempty"`
}

func auditPK(day time.Time) string { return prefixAudit + day.UTC().Format(time.DateOnly) }

// PutAudit appends an entry; an entry without an id gets a new ULID.
func (s *Store) PutAudit(ctx context.Context, e chat.AuditEntry) error {
	if e.ID == "" {
		e.ID = ulid.Make().String()
	}
	it, err := attributevalue.MarshalMap(auditItem{
		PK: auditPK(e.At.Time), SK: e.At.String() + "#" + e.ID,
		ID: e.ID, At: e.At.String(), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail,
	})
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: it}); err != nil {
		return fmt.Errorf("put audit entry %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit lists entries between from and to (inclusive), oldest first,
// after position after: the sort key "<at>#<id>" of the last entry returned,
// whose first ten characters name its day partition.
func (s *Store) ListAudit(ctx context.Context, from, to time.Time, after string, limit int) (chat.Page[chat.AuditEntry], error) {
	page := chat.Page[chat.AuditEntry]{Items: []chat.AuditEntry{}}
	lower := stamp(from)
	day := from.UTC().Truncate(24 * time.Hour)
	if after != "" {
		t, err := time.Parse(time.DateOnly, after[:min(len(after), len(time.DateOnly))])
		if err != nil || !strings.Contains(after, "#") {
			return page, chat.BadRequest("Invalid audit position.")
		}
		lower, day = after+" ", t // just past the last entry returned
	}
	upper := stamp(to) + "$" // '$' sorts after "#<id>"
	last := to.UTC().Truncate(24 * time.Hour)
	var entries []auditItem
	for ; !day.After(last) && len(entries) <= limit; day = day.Add(24 * time.Hour) {
		expr, err := expression.NewBuilder().WithKeyCondition(
			expression.Key(attrPK).Equal(expression.Value(auditPK(day))).
				And(expression.Key(attrSK).Between(expression.Value(lower), expression.Value(upper))),
		).Build()
		if err != nil {
			return page, fmt.Errorf("build audit query: %w", err)
		}
		err = s.eachPage(ctx, &dynamodb.QueryInput{
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ScanIndexForward:          aws.Bool(true),
		}, limit+1-len(entries), func(items []item) (bool, error) {
			for _, raw := range items {
				var it auditItem
				if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
					return false, fmt.Errorf("decode audit entry: %w", err)
				}
				entries = append(entries, it)
				if len(entries) > limit {
					return false, nil
				}
			}
			return true, nil
		})
		if err != nil {
			return page, fmt.Errorf("list audit of %s: %w", day.Format(time.DateOnly), err)
		}
	}
	if len(entries) > limit {
		entries = entries[:limit]
		if limit > 0 {
			page.Next = entries[limit-1].SK
		}
	}
	for _, it := range entries {
		page.Items = append(page.Items, chat.AuditEntry{
			ID: it.ID, At: parseStamp(it.At), Actor: it.Actor, Action: it.Action, Target: it.Target, Detail: it.Detail,
		})
	}
	return page, nil
}
