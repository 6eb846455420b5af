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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
)

// conversationItem is a conversation's record, CONV#<id> / META.
type conversationItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	GSI2PK string `dynamodbav:"gsi2pk"`
	GSI2SK string `dynamodbav:"gsi2sk"`
	expiry

	ID              string         `dynamodbav:"id"`
	UserID          string         `dynamodbav:"userId"`
	Status          chat.Status    `dynamodbav:"status"`
	Retention       chat.Retention `dynamodbav:"retention"`
	CreatedAt       string         `dynamodbav:"createdAt"`
	LastMessageAt   *string        `dynamodbav:"lastMessageAt,omitempty"`
	ClosedAt        *string        `dynamodbav:"closedAt,omitempty"`
	ClosedBy        *string        `dynamodbav:"closedBy,omitempty"`
	Assignee        *string        `dynamodbav:"assignee,omitempty"`
	AssigneeName    *string        `dynamodbav:"assigneeName,omitempty"`
	UserDeleted     bool           `dynamodbav:"userDeleted"`
	LastSenderRole  chat.Role      `dynamodbav:"lastSenderRole,omitempty"`
	FirstResponseAt *string        `dynamodbav:"firstResponseAt,omitempty"`
	Rating          int            `dynamodbav:"rating,omitempty"`
	Comment         string         `dynamodbav:"comment,omitempty"`
	// SealedComment is Comment sealed (internal/seal) when the store has
	// a sealer; Comment is then empty.
	SealedComment []byte `dynamodbav:"sealedComment,omitempty"`
	RatedAt       string `dynamodbav:"ratedAt,omitempty"`
	// Risk is the safeguarding level, RiskRank its order (what a condition
	// compares), RiskBy who set it and RiskReason staff's reason code.
	Risk         chat.RiskLevel `dynamodbav:"risk,omitempty"`
	RiskRank     int            `dynamodbav:"riskRank,omitempty"`
	RiskAt       *string        `dynamodbav:"riskAt,omitempty"`
	RiskCategory string         `dynamodbav:"riskCategory,omitempty"`
	RiskBy       string         `dynamodbav:"riskBy,omitempty"`
	RiskReason   string         `dynamodbav:"riskReason,omitempty"`
	ClaimedAt    *string        `dynamodbav:"claimedAt,omitempty"`
	// WaitingSince is when the client's first unanswered message was sent
	// (meaningful while lastSenderRole is client).
	WaitingSince *string `dynamodbav:"waitingSince,omitempty"`
}

// lockItem is a client's active-session lock, USER#<sub> / ACTIVE.
type lockItem struct {
	PK             string `dynamodbav:"pk"`
	SK             string `dynamodbav:"sk"`
	ConversationID string `dynamodbav:"conversationId"`
}

func newConversationItem(c chat.Conversation) conversationItem {
	pk := convPK(c.ID)
	return conversationItem{
		PK:              pk,
		SK:              skMeta,
		GSI1PK:          userPK(c.UserID),
		GSI1SK:          activitySK(c),
		GSI2PK:          statusPK(c.Status),
		GSI2SK:          activitySK(c),
		expiry:          expiryOf(pk, c.ExpiresAt),
		ID:              c.ID,
		UserID:          c.UserID,
		Status:          c.Status,
		Retention:       c.Retention,
		CreatedAt:       c.CreatedAt.String(),
		LastMessageAt:   stampPtr(c.LastMessageAt),
		ClosedAt:        stampPtr(c.ClosedAt),
		ClosedBy:        c.ClosedBy,
		Assignee:        c.Assignee,
		AssigneeName:    c.AssigneeName,
		UserDeleted:     c.Deleted,
		LastSenderRole:  c.LastSenderRole,
		FirstResponseAt: stampPtr(c.FirstResponseAt),
		Rating:          c.Rating,
		Comment:         c.Comment,
		Risk:            c.Risk,
		RiskRank:        c.Risk.Rank(),
		RiskAt:          stampPtr(c.RiskAt),
		RiskCategory:    c.RiskCategory,
		ClaimedAt:       stampPtr(c.ClaimedAt),
		WaitingSince:    stampPtr(c.WaitingSince),
	}
}

func (it conversationItem) conversation() chat.Conversation {
	return chat.Conversation{
		ID:              it.ID,
		UserID:          it.UserID,
		Status:          it.Status,
		Retention:       it.Retention,
		CreatedAt:       parseStamp(it.CreatedAt),
		LastMessageAt:   parseStampPtr(it.LastMessageAt),
		ClosedAt:        parseStampPtr(it.ClosedAt),
		ClosedBy:        it.ClosedBy,
		Assignee:        it.Assignee,
		AssigneeName:    named(it.AssigneeName),
		Deleted:         it.UserDeleted,
		LastSenderRole:  it.LastSenderRole,
		FirstResponseAt: parseStampPtr(it.FirstResponseAt),
		Rating:          it.Rating,
		Comment:         it.Comment,
		RatedAt:         parseStampPtr(optional(it.RatedAt)),
		HasComment:      it.Comment != "" || len(it.SealedComment) > 0,
		Risk:            it.Risk,
		RiskAt:          parseStampPtr(it.RiskAt),
		RiskCategory:    it.RiskCategory,
		ClaimedAt:       parseStampPtr(it.ClaimedAt),
		WaitingSince:    parseStampPtr(it.WaitingSince),
		ExpiresAt:       it.expiry.time(),
	}
}

func stampPtr(t *chat.Time) *string {
	if t == nil {
		return nil
	}
	return aws.String(t.String())
}

// optional is s as an optional stored value: nil when it is "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// instantPtr writes t as an optional stored time: nil when t is zero.
func instantPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return aws.String(stamp(t))
}

// parseStamp reads a stored protocol time; the store only writes valid ones.
func parseStamp(s string) chat.Time {
	t, _ := chat.ParseTime(s)
	return t
}

// named is a stored name, none when it is empty.
func named(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func parseStampPtr(s *string) *chat.Time {
	if s == nil {
		return nil
	}
	return parseStamp(*s).Ptr()
}

// CreateConversation stores c and, when it is active, the client's
// active-session lock in one transaction. If the client already holds the
// lock it returns a conflict naming the active conversation.
func (s *Store) CreateConversation(ctx context.Context, c chat.Conversation) error {
	if s.sealer != nil {
		// The key of its first messages is made now, off their path: its
		// client's for a permanent conversation, else the hour's.
		id := seal.ClientKey(c.UserID)
		if at := c.Retention.Expiry(c.CreatedAt.Time); at != nil {
			id = seal.HourKey(at.Time)
		}
		if err := s.sealer.Prepare(ctx, id); err != nil {
			return fmt.Errorf("create conversation %s: %w", c.ID, err)
		}
	}
	conv, err := attributevalue.MarshalMap(newConversationItem(c))
	if err != nil {
		return fmt.Errorf("encode conversation %s: %w", c.ID, err)
	}
	absent, err := expression.NewBuilder().WithCondition(expression.Name(attrPK).AttributeNotExists()).Build()
	if err != nil {
		return fmt.Errorf("build create condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:                 s.table,
		Item:                      conv,
		ConditionExpression:       absent.Condition(),
		ExpressionAttributeNames:  absent.Names(),
		ExpressionAttributeValues: absent.Values(),
	}}}
	if c.Status == chat.StatusActive {
		// An Update rather than a Put: DynamoDB returns the old item of a
		// failed Update (ALL_OLD) everywhere, minidyn included.
		lock, err := expression.NewBuilder().
			WithCondition(expression.Name(attrPK).AttributeNotExists()).
			WithUpdate(expression.Set(expression.Name("conversationId"), expression.Value(c.ID))).
			Build()
		if err != nil {
			return fmt.Errorf("build lock: %w", err)
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                           s.table,
			Key:                                 key(userPK(c.UserID), skActive),
			UpdateExpression:                    lock.Update(),
			ConditionExpression:                 lock.Condition(),
			ExpressionAttributeNames:            lock.Names(),
			ExpressionAttributeValues:           lock.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	for range transactAttempts {
		failed, err := s.transact(ctx, items)
		if err != nil {
			return fmt.Errorf("create conversation %s: %w", c.ID, err)
		}
		if failed == nil {
			if c.Retention == chat.RetentionPermanent {
				s.linkConversation(ctx, c.ID, c.UserID)
			}
			return nil
		}
		if _, ok := failed.failed(0); ok {
			return fmt.Errorf("create conversation %s: %w", c.ID, chat.Errorf(chat.CodeConflict, "This conversation already exists."))
		}
		old, ok := failed.failed(1)
		if !ok {
			return fmt.Errorf("create conversation %s: transaction cancelled: %v", c.ID, failed)
		}
		active, err := s.activeFrom(ctx, c.UserID, old)
		if err != nil {
			return fmt.Errorf("create conversation %s: %w", c.ID, err)
		}
		if active != "" {
			return &chat.Error{
				Code:           chat.CodeConflict,
				Message:        "You already have an active conversation.",
				ConversationID: active,
			}
		}
		// The lock was released between the failure and the read: try again.
	}
	return fmt.Errorf("create conversation %s: the active-session lock kept changing", c.ID)
}

// activeFrom names the active conversation from the lock's old image, or
// reads the lock when the endpoint did not send it.
func (s *Store) activeFrom(ctx context.Context, userID string, old item) (string, error) {
	var lock lockItem
	if len(old) > 0 {
		if err := attributevalue.UnmarshalMap(old, &lock); err != nil {
			return "", fmt.Errorf("decode lock: %w", err)
		}
		return lock.ConversationID, nil
	}
	return s.ActiveConversationID(ctx, userID)
}

// GetConversation returns a conversation, or not found when it does not
// exist or its record has expired at now. It is the one read that opens
// the feedback comment (listings leave it empty).
func (s *Store) GetConversation(ctx context.Context, id string, now time.Time) (chat.Conversation, error) {
	var it conversationItem
	found, err := s.getItem(ctx, convPK(id), skMeta, &it)
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	if !found || it.expiredAt(now) {
		return chat.Conversation{}, chat.NotFound()
	}
	return s.openConversation(ctx, it)
}

// openConversation is the conversation of it with its feedback comment
// opened.
func (s *Store) openConversation(ctx context.Context, it conversationItem) (chat.Conversation, error) {
	c := it.conversation()
	if len(it.SealedComment) > 0 {
		var err error
		// A comment whose key is gone reads as none.
		if c.Comment, _, err = s.openText(ctx, it.SealedComment, it.PK, it.SK); err != nil {
			return chat.Conversation{}, fmt.Errorf("get conversation %s: comment: %w", c.ID, err)
		}
	}
	return c, nil
}

// ConversationAndConnections returns a conversation and its open
// connections with one strongly consistent Query of the conversation's
// partition: its connections' memberships (CONN#…) sort just before its
// record (META), and nothing else of the partition sorts between them
// (CMID# before, MSG# and READ# after). It reads as GetConversation does:
// not found when the record does not exist or has expired.
func (s *Store) ConversationAndConnections(ctx context.Context, id string, now time.Time) (chat.Conversation, []chat.Connection, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(convPK(id))).
			And(expression.Key(attrSK).Between(expression.Value(prefixConn), expression.Value(skMeta)))).
		WithFilter(notExpired(now)).
		Build()
	if err != nil {
		return chat.Conversation{}, nil, fmt.Errorf("build conversation query: %w", err)
	}
	var (
		conv  *conversationItem
		conns = []chat.Connection{}
	)
	err = s.eachPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}, 0, func(items []item) (bool, error) {
		for _, raw := range items {
			sk, _ := raw[attrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
				continue
			case sk.Value == skMeta:
				conv = &conversationItem{}
				if err := attributevalue.UnmarshalMap(raw, conv); err != nil {
					return false, fmt.Errorf("decode conversation: %w", err)
				}
				continue
			case !strings.HasPrefix(sk.Value, prefixConn):
				continue // an item of a kind added between them later
			}
			c, err := decodeConnection(raw)
			if err != nil {
				return false, err
			}
			conns = append(conns, c)
		}
		return true, nil
	})
	if err != nil {
		return chat.Conversation{}, nil, fmt.Errorf("get conversation %s with its connections: %w", id, err)
	}
	if conv == nil {
		return chat.Conversation{}, nil, chat.NotFound()
	}
	c, err := s.openConversation(ctx, *conv)
	if err != nil {
		return chat.Conversation{}, nil, err
	}
	return c, conns, nil
}

// ActiveConversationID returns the client's active conversation id, or "".
func (s *Store) ActiveConversationID(ctx context.Context, userID string) (string, error) {
	var lock lockItem
	if _, err := s.getItem(ctx, userPK(userID), skActive, &lock); err != nil {
		return "", fmt.Errorf("active conversation of %s: %w", userID, err)
	}
	return lock.ConversationID, nil
}

// ListUserConversations lists a client's conversations that are neither
// user-deleted nor expired, most recently active first, after position after
// (a gsi1 sort key).
func (s *Store) ListUserConversations(ctx context.Context, userID, after string, limit int, now time.Time) (chat.Page[chat.Conversation], error) {
	filter := expression.And(
		expression.Name("userDeleted").NotEqual(expression.Value(true)),
		notExpired(now),
	)
	items, err := s.listConversations(ctx, IndexUser, attrGSI1PK, attrGSI1SK, userPK(userID), after, limit+1, filter)
	if err != nil {
		return chat.Page[chat.Conversation]{}, fmt.Errorf("list conversations of %s: %w", userID, err)
	}
	return conversationPage(items, limit, func(it conversationItem) string { return it.GSI1SK }), nil
}

// ListConversations lists conversations with status (every status when it
// is ""), not expired at now, most recently active first, after position
// after (a gsi2 sort key).
func (s *Store) ListConversations(ctx context.Context, status chat.Status, after string, limit int, now time.Time) (chat.Page[chat.Conversation], error) {
	statuses := []chat.Status{status}
	if status == "" {
		statuses = []chat.Status{chat.StatusActive, chat.StatusClosed}
	}
	var all []conversationItem
	for _, st := range statuses {
		items, err := s.listConversations(ctx, IndexStatus, attrGSI2PK, attrGSI2SK, statusPK(st), after, limit+1, notExpired(now))
		if err != nil {
			return chat.Page[chat.Conversation]{}, fmt.Errorf("list %s conversations: %w", st, err)
		}
		all = mergeByActivity(all, items)
	}
	return conversationPage(all, limit, func(it conversationItem) string { return it.GSI2SK }), nil
}

// mergeByActivity merges two lists each sorted by gsi2sk descending.
func mergeByActivity(a, b []conversationItem) []conversationItem {
	out := make([]conversationItem, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].GSI2SK >= b[0].GSI2SK {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// conversationPage cuts items (up to limit+1) to a page of limit with the
// position of its last item when more follow.
func conversationPage(items []conversationItem, limit int, position func(conversationItem) string) chat.Page[chat.Conversation] {
	page := chat.Page[chat.Conversation]{Items: []chat.Conversation{}}
	if len(items) > limit {
		items = items[:limit]
		if limit > 0 {
			page.Next = position(items[limit-1])
		}
	}
	for _, it := range items {
		page.Items = append(page.Items, it.conversation())
	}
	return page
}

// listConversations queries an index partition newest first, below position
// after when set, until want items pass filter.
func (s *Store) listConversations(ctx context.Context, index, pkAttr, skAttr, pk, after string, want int, filter expression.ConditionBuilder) ([]conversationItem, error) {
	keyCond := expression.Key(pkAttr).Equal(expression.Value(pk))
	if after != "" {
		keyCond = keyCond.And(expression.Key(skAttr).LessThan(expression.Value(after)))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).WithFilter(filter).Build()
	if err != nil {
		return nil, fmt.Errorf("build query: %w", err)
	}
	in := &dynamodb.QueryInput{
		IndexName:                 aws.String(index),
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
	}
	return s.collectConversations(ctx, in, want)
}

// collectConversations runs in until want conversations are read (want <= 0:
// all of them).
func (s *Store) collectConversations(ctx context.Context, in *dynamodb.QueryInput, want int) ([]conversationItem, error) {
	var out []conversationItem
	err := s.eachPage(ctx, in, want, func(items []item) (bool, error) {
		for _, raw := range items {
			var it conversationItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return false, fmt.Errorf("decode conversation: %w", err)
			}
			out = append(out, it)
			if want > 0 && len(out) == want {
				return false, nil
			}
		}
		return true, nil
	})
	return out, err
}

// ListIdle lists active conversations last active before cutoff, oldest
// first, at most limit.
func (s *Store) ListIdle(ctx context.Context, cutoff time.Time, limit int) ([]chat.Conversation, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrGSI2PK).Equal(expression.Value(statusPK(chat.StatusActive))).
			And(expression.Key(attrGSI2SK).LessThan(expression.Value(stamp(cutoff)))),
	).Build()
	if err != nil {
		return nil, fmt.Errorf("build idle query: %w", err)
	}
	items, err := s.collectConversations(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(IndexStatus),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(true),
	}, limit)
	if err != nil {
		return nil, fmt.Errorf("list idle conversations: %w", err)
	}
	out := make([]chat.Conversation, 0, len(items))
	for _, it := range items {
		out = append(out, it.conversation())
	}
	return out, nil
}

// StatsSample returns every active conversation and the most recent closed
// ones, at most limit of each, none expired at now.
func (s *Store) StatsSample(ctx context.Context, limit int, now time.Time) (active, closed []chat.Conversation, err error) {
	for _, st := range []chat.Status{chat.StatusActive, chat.StatusClosed} {
		page, err := s.ListConversations(ctx, st, "", limit, now)
		if err != nil {
			return nil, nil, fmt.Errorf("stats sample: %w", err)
		}
		if st == chat.StatusActive {
			active = page.Items
		} else {
			closed = page.Items
		}
	}
	return active, closed, nil
}
