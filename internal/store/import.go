package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/chat"
)

// ImportConversations writes conversations as they are, each active one
// with its client's active-session lock, with BatchWriteItem (25 items a
// request): the fast way to seed or restore a table. Unlike
// CreateConversation it checks nothing and overwrites what is there, so it
// is for an operator's data, never for a request's (a feedback comment is
// sealed as UpdateConversation seals it); convs may hold at most
// one active conversation per client. It returns how many items it wrote.
func (s *Store) ImportConversations(ctx context.Context, convs []chat.Conversation) (int, error) {
	reqs := make([]types.WriteRequest, 0, len(convs))
	for _, c := range convs {
		conv := newConversationItem(c)
		if s.sealer != nil && conv.Comment != "" {
			id, err := commentKey(conv)
			if err != nil {
				return 0, fmt.Errorf("import conversation %s: %w", c.ID, err)
			}
			if conv.SealedComment, err = s.sealText(ctx, id, conv.Comment, conv.PK, conv.SK); err != nil {
				return 0, fmt.Errorf("import conversation %s: %w", c.ID, err)
			}
			conv.Comment = ""
		}
		items := []any{conv}
		if c.Status == chat.StatusActive {
			items = append(items, lockItem{PK: userPK(c.UserID), SK: skActive, ConversationID: c.ID})
		}
		for _, v := range items {
			it, err := attributevalue.MarshalMap(v)
			if err != nil {
				return 0, fmt.Errorf("encode conversation %s: %w", c.ID, err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
	}
	n, err := s.batchWrite(ctx, reqs)
	if err != nil {
		return n, fmt.Errorf("import conversations: %w", err)
	}
	return n, nil
}
