package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat"
)

// staffPK is the one partition of the staff directory: a service has tens
// to hundreds of staff, read together by one Query.
const staffPK = "STAFF"

// prefixStaff prefixes a member's sort key, MEMBER#<sub>.
const prefixStaff = "MEMBER#"

// staffItem is one member of the staff directory, STAFF / MEMBER#<sub>. It
// never expires: it holds no client's data.
type staffItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	UserID      string `dynamodbav:"userId"`
	Username    string `dynamodbav:"username"`
	DisplayName string `dynamodbav:"displayName,omitempty"`
	Supervisor  bool   `dynamodbav:"supervisor"`
	LastSeenAt  string `dynamodbav:"lastSeenAt"`
}

func (it staffItem) member() chat.StaffMember {
	return chat.StaffMember{UserID: it.UserID, Username: it.Username, DisplayName: it.DisplayName,
		Supervisor: it.Supervisor, LastSeenAt: parseStamp(it.LastSeenAt)}
}

// PutStaffMember enters m in the directory or refreshes its username,
// supervisor flag and last sighting; a display name already chosen stays
// unless m brings one.
func (s *Store) PutStaffMember(ctx context.Context, m chat.StaffMember) error {
	upd := expression.Set(expression.Name("userId"), expression.Value(m.UserID)).
		Set(expression.Name("username"), expression.Value(m.Username)).
		Set(expression.Name("supervisor"), expression.Value(m.Supervisor)).
		Set(expression.Name("lastSeenAt"), expression.Value(m.LastSeenAt.String()))
	if m.DisplayName != "" {
		upd = upd.Set(expression.Name("displayName"), expression.Value(m.DisplayName))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("build staff member: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(staffPK, prefixStaff+m.UserID),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return fmt.Errorf("put staff member %s: %w", m.UserID, err)
	}
	return nil
}

// GetStaffMember returns one member of the directory, or not found.
func (s *Store) GetStaffMember(ctx context.Context, userID string) (chat.StaffMember, error) {
	var it staffItem
	found, err := s.getItem(ctx, staffPK, prefixStaff+userID, &it)
	if err != nil {
		return chat.StaffMember{}, fmt.Errorf("get staff member %s: %w", userID, err)
	}
	if !found {
		return chat.StaffMember{}, chat.NotFound()
	}
	return it.member(), nil
}

// ListStaffMembers returns the whole directory by username.
func (s *Store) ListStaffMembers(ctx context.Context) ([]chat.StaffMember, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrPK).Equal(expression.Value(staffPK)).
			And(expression.Key(attrSK).BeginsWith(prefixStaff))).Build()
	if err != nil {
		return nil, fmt.Errorf("build staff query: %w", err)
	}
	out := []chat.StaffMember{}
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, 0, func(items []item) (bool, error) {
		for _, raw := range items {
			var it staffItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return false, fmt.Errorf("decode staff member: %w", err)
			}
			out = append(out, it.member())
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	slices.SortFunc(out, func(a, b chat.StaffMember) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}
