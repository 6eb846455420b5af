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

// connectionItem is a connection, CONN#<id> / META, and each of its
// memberships (<group> / CONN#<id>), which copy it so fan-out needs one
// Query and no further reads.
type connectionItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry

	ID             string    `dynamodbav:"id"`
	UserID         string    `dynamodbav:"userId"`
	Username       string    `dynamodbav:"username"`
	Role           chat.Role `dynamodbav:"role"`
	Supervisor     bool      `dynamodbav:"supervisor,omitempty"`
	ConversationID string    `dynamodbav:"conversationId,omitempty"`
	SourceIP       string    `dynamodbav:"sourceIp,omitempty"`
	ConnectedAt    string    `dynamodbav:"connectedAt"`
	TokenExpiresAt *string   `dynamodbav:"tokenExpiresAt,omitempty"`
	TokenIssuedAt  *string   `dynamodbav:"tokenIssuedAt,omitempty"`
}

func (it connectionItem) connection() chat.Connection {
	c := chat.Connection{
		ID:             it.ID,
		UserID:         it.UserID,
		Username:       it.Username,
		Role:           it.Role,
		Supervisor:     it.Supervisor,
		ConversationID: it.ConversationID,
		SourceIP:       it.SourceIP,
		ConnectedAt:    parseStamp(it.ConnectedAt),
		TokenExpiresAt: parseStampPtr(it.TokenExpiresAt),
		TokenIssuedAt:  parseStampPtr(it.TokenIssuedAt),
	}
	if at := it.expiry.time(); at != nil {
		c.ExpiresAt = *at
	}
	return c
}

// connectionKeys are the primary keys of a connection's item and of every
// membership of it.
func connectionKeys(c chat.Connection) [][2]string {
	member := prefixConn + c.ID
	keys := [][2]string{{connPK(c.ID), skMeta}, {userPK(c.UserID), member}, {presencePK(c.Role, c.ID), member}}
	if c.ConversationID != "" {
		keys = append(keys, [2]string{convPK(c.ConversationID), member})
	}
	if c.IsFeed() {
		keys = append(keys, [2]string{feedPK, member})
		if c.Supervisor {
			keys = append(keys, [2]string{supervisorFeedPK, member})
		}
	}
	return keys
}

// PutConnection stores c and its memberships (its conversation, the staff
// feed and, for a supervisor's, the supervisors' feed, its user, the online
// presence of its role) in one transaction.
func (s *Store) PutConnection(ctx context.Context, c chat.Connection) error {
	var writes []types.TransactWriteItem
	for _, k := range connectionKeys(c) {
		it, err := attributevalue.MarshalMap(connectionItem{
			PK: k[0], SK: k[1], expiry: expiryOf(k[0], c.ExpiresAt.Ptr()),
			ID: c.ID, UserID: c.UserID, Username: c.Username, Role: c.Role, Supervisor: c.Supervisor,
			ConversationID: c.ConversationID, SourceIP: c.SourceIP,
			ConnectedAt: c.ConnectedAt.String(), TokenExpiresAt: stampPtr(c.TokenExpiresAt),
			TokenIssuedAt: stampPtr(c.TokenIssuedAt),
		})
		if err != nil {
			return fmt.Errorf("encode connection %s: %w", c.ID, err)
		}
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: it}})
	}
	if _, err := s.transact(ctx, writes); err != nil {
		return fmt.Errorf("put connection %s: %w", c.ID, err)
	}
	return nil
}

// GetConnection returns a connection, or not found when it does not exist or
// has expired at now.
func (s *Store) GetConnection(ctx context.Context, id string, now time.Time) (chat.Connection, error) {
	var it connectionItem
	found, err := s.getItem(ctx, connPK(id), skMeta, &it)
	if err != nil {
		return chat.Connection{}, fmt.Errorf("get connection %s: %w", id, err)
	}
	if !found || it.expiredAt(now) {
		return chat.Connection{}, chat.NotFound()
	}
	return it.connection(), nil
}

// DeleteConnection removes a connection and every membership of it; a
// connection already gone is no error.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	var it connectionItem
	found, err := s.getItem(ctx, connPK(id), skMeta, &it)
	if err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	if !found {
		return nil
	}
	var keys []item
	for _, k := range connectionKeys(it.connection()) {
		keys = append(keys, key(k[0], k[1]))
	}
	if _, err := s.deleteKeys(ctx, keys); err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	return nil
}

// ConversationConnections returns the open connections of a conversation.
func (s *Store) ConversationConnections(ctx context.Context, conversationID string, now time.Time) ([]chat.Connection, error) {
	return s.members(ctx, convPK(conversationID), now)
}

// FeedConnections returns the open staff feed connections.
func (s *Store) FeedConnections(ctx context.Context, now time.Time) ([]chat.Connection, error) {
	return s.members(ctx, feedPK, now)
}

// SupervisorFeedConnections returns the supervisors' open staff feed
// connections.
func (s *Store) SupervisorFeedConnections(ctx context.Context, now time.Time) ([]chat.Connection, error) {
	return s.members(ctx, supervisorFeedPK, now)
}

// UserConnections returns every open connection of a user.
func (s *Store) UserConnections(ctx context.Context, userID string, now time.Time) ([]chat.Connection, error) {
	return s.members(ctx, userPK(userID), now)
}

// OnlineStaff counts distinct staff users with an open connection.
func (s *Store) OnlineStaff(ctx context.Context, now time.Time) (int, error) {
	users := map[string]bool{}
	for n := range presenceShards {
		conns, err := s.members(ctx, presencePartition(chat.RoleStaff, n), now)
		if err != nil {
			return 0, err
		}
		for _, c := range conns {
			users[c.UserID] = true
		}
	}
	return len(users), nil
}

// OpenConnections returns every open connection, from the presence
// partitions of both roles.
func (s *Store) OpenConnections(ctx context.Context, now time.Time) ([]chat.Connection, error) {
	var out []chat.Connection
	for _, role := range []chat.Role{chat.RoleClient, chat.RoleStaff} {
		for n := range presenceShards {
			conns, err := s.members(ctx, presencePartition(role, n), now)
			if err != nil {
				return nil, err
			}
			out = append(out, conns...)
		}
	}
	return out, nil
}

// CountConnections counts every open connection.
func (s *Store) CountConnections(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, role := range []chat.Role{chat.RoleClient, chat.RoleStaff} {
		for n := range presenceShards {
			in, err := memberQuery(presencePartition(role, n), now)
			if err != nil {
				return 0, err
			}
			c, err := s.count(ctx, in)
			if err != nil {
				return 0, fmt.Errorf("count connections: %w", err)
			}
			total += c
		}
	}
	return total, nil
}

// memberQuery queries the connection memberships of a partition that have
// not expired at now.
func memberQuery(pk string, now time.Time) (*dynamodb.QueryInput, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(pk)).
			And(expression.Key(attrSK).BeginsWith(prefixConn))).
		WithFilter(notExpired(now)).
		Build()
	if err != nil {
		return nil, fmt.Errorf("build membership query: %w", err)
	}
	return &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

// members returns the connections with a membership in partition pk.
func (s *Store) members(ctx context.Context, pk string, now time.Time) ([]chat.Connection, error) {
	in, err := memberQuery(pk, now)
	if err != nil {
		return nil, err
	}
	conns := []chat.Connection{}
	err = s.eachPage(ctx, in, 0, func(items []item) (bool, error) {
		for _, raw := range items {
			c, err := decodeConnection(raw)
			if err != nil {
				return false, err
			}
			conns = append(conns, c)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("connections of %s: %w", pk, err)
	}
	return conns, nil
}

// decodeConnection is the connection of a connection's item or membership.
func decodeConnection(raw item) (chat.Connection, error) {
	var it connectionItem
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return chat.Connection{}, fmt.Errorf("decode connection: %w", err)
	}
	return it.connection(), nil
}
