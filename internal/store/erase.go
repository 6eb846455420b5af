package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EraseUser removes every item of a client: each of their conversations
// (user-deleted and expired ones too) with all its messages, records, read
// markers, their active-session lock, every connection of theirs or to
// their conversations (staff ones too) with all its memberships, and their
// rate windows. It returns how many items
// it deleted.
func (s *Store) EraseUser(ctx context.Context, userID string) (int, error) {
	ks := newKeySet(0)
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrGSI1PK).Equal(expression.Value(userPK(userID)))).
		Build()
	if err != nil {
		return 0, fmt.Errorf("build conversation query: %w", err)
	}
	convs, err := s.collectConversations(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(IndexUser),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, 0)
	if err != nil {
		return 0, fmt.Errorf("erase %s: conversations: %w", userID, err)
	}
	partitions := []string{userPK(userID), prefixRate + userID}
	for _, c := range convs {
		partitions = append(partitions, c.PK)
	}
	for _, pk := range partitions {
		keys, err := s.partitionKeys(ctx, pk)
		if err != nil {
			return 0, fmt.Errorf("erase %s: %w", userID, err)
		}
		for _, k := range keys {
			ks.add(k)
			// A connection to one of these conversations, or of the
			// user, goes whole, with every membership.
			if strings.HasPrefix(k.SK, prefixConn) {
				if err := s.addConnectionKeys(ctx, k, ks); err != nil {
					return 0, fmt.Errorf("erase %s: %w", userID, err)
				}
			}
		}
	}
	n, err := s.deleteKeys(ctx, ks.items())
	if err != nil {
		return n, fmt.Errorf("erase %s: %w", userID, err)
	}
	return n, nil
}

// addConnectionKeys adds the keys of the connection a membership copies and
// of all its other memberships.
func (s *Store) addConnectionKeys(ctx context.Context, membership itemKey, ks *keySet) error {
	var it connectionItem
	found, err := s.getItem(ctx, membership.PK, membership.SK, &it)
	if err != nil || !found {
		return err
	}
	for _, k := range connectionKeys(it.connection()) {
		ks.add(itemKey{PK: k[0], SK: k[1]})
	}
	return nil
}
