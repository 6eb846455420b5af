package chat

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// countingPusher delivers nothing and counts the frames it was given.
type countingPusher struct{ frames int }

func (p *countingPusher) Deliver(_ context.Context, ds []Delivery) []string {
	p.frames += len(ds)
	return nil
}

func (p *countingPusher) Disconnect(context.Context, string) error { return nil }

// BenchmarkFanOut is the cost of addressing one message.created event to a
// conversation's connections and the staff feed: picking the audience,
// rendering the frame once per role and handing one delivery per
// connection to the pusher.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{2, 10, 100} {
		b.Run(fmt.Sprintf("connections=%d", n), func(b *testing.B) {
			now := time.Now()
			conv := NewID(now)
			p := &countingPusher{}
			s := NewService(Options{Pusher: p, Logger: slog.New(slog.DiscardHandler)})
			inConv := make([]Connection, n)
			for i := range inConv {
				role := RoleStaff
				if i == 0 {
					role = RoleClient
				}
				inConv[i] = Connection{ID: fmt.Sprintf("Conn%011dA=", i), Role: role, ConversationID: conv}
			}
			feed := []Connection{{ID: "FeedConn0000A=", Role: RoleStaff}}
			m := Message{ID: NewID(now), ConversationID: conv, SenderID: "sub", SenderRole: RoleClient,
				Body: "I have been feeling low for a few weeks.", ClientMessageID: "c-1", CreatedAt: At(now)}
			a := audience{conversationID: conv, conversation: true, feed: true}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.deliver(ctx, a.pick(inConv, feed), eventFrames(Event{Type: "message.created", ConversationID: conv, Message: &m}))
			}
			if p.frames != b.N*(n+1) {
				b.Fatalf("delivered %d frames, want %d", p.frames, b.N*(n+1))
			}
		})
	}
}
