package store

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/confidechat/confide/internal/chat"
)

// BenchmarkMarshalMessageItem is the cost of turning a message into the
// item PutMessage writes.
func BenchmarkMarshalMessageItem(b *testing.B) {
	now := time.Now()
	exp := chat.At(now.Add(chat.RetentionPeriod))
	m := chat.Message{ID: chat.NewID(now), ConversationID: chat.NewID(now), SenderID: "3f1c2a9e-5d7b-4e21-9a0c-1b2c3d4e5f60",
		SenderRole: chat.RoleClient, Body: "I have been feeling low for a few weeks.", ClientMessageID: "c-1",
		CreatedAt: chat.At(now), ExpiresAt: &exp}
	b.ReportAllocs()
	for range b.N {
		pk := convPK(m.ConversationID)
		if _, err := attributevalue.MarshalMap(messageItem{
			PK: pk, SK: msgSK(m.ID), expiry: expiryOf(pk, m.ExpiresAt),
			ID: m.ID, ConversationID: m.ConversationID, SenderID: m.SenderID, SenderRole: m.SenderRole,
			Body: m.Body, ClientMessageID: m.ClientMessageID, CreatedAt: m.CreatedAt.String(),
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalConnectionItems is the cost of reading the connections
// of one fan-out Query (ten memberships) into connections.
func BenchmarkUnmarshalConnectionItems(b *testing.B) {
	now := time.Now()
	conv := chat.NewID(now)
	var items []item
	for i := range 10 {
		c := chat.Connection{ID: newBenchConnID(i), UserID: "user", Username: "user", Role: chat.RoleStaff, ConversationID: conv,
			ConnectedAt: chat.At(now), ExpiresAt: chat.At(now.Add(chat.ConnectionLifetime))}
		it, err := attributevalue.MarshalMap(connectionItem{PK: convPK(conv), SK: prefixConn + c.ID,
			expiry: expiryOf(convPK(conv), c.ExpiresAt.Ptr()), ID: c.ID, UserID: c.UserID, Username: c.Username,
			Role: c.Role, ConversationID: c.ConversationID, ConnectedAt: c.ConnectedAt.String()})
		if err != nil {
			b.Fatal(err)
		}
		items = append(items, it)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, raw := range items {
			var it connectionItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				b.Fatal(err)
			}
			_ = it.connection()
		}
	}
}

func newBenchConnID(i int) string { return "BenchConn" + string(rune('A'+i)) + "AAAAA=" }
