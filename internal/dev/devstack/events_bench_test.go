package devstack

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// BenchmarkMessageEvent is the local gateway's cost of turning one frame
// into the JSON event a function receives.
func BenchmarkMessageEvent(b *testing.B) {
	g := NewGateway(GatewayConfig{Logger: slog.New(slog.DiscardHandler)})
	now := time.Now()
	c := &connection{id: newID(), connectedAt: now, sourceIP: "127.0.0.1", userAgent: "bench/1.0",
		domainName: "127.0.0.1:8081", ready: make(chan struct{}), authorizer: mustJSON(b, map[string]any{
			"principalId": "3f1c2a9e-5d7b-4e21-9a0c-1b2c3d4e5f60", "integrationLatency": int64(12),
			"userId": "3f1c2a9e-5d7b-4e21-9a0c-1b2c3d4e5f60", "username": "alex", "role": "client",
			"conversationId": "01JDQ8Z6V5T3R2Q1P0N9M8K7J6", "tokenExpiresAt": "2026-11-26T23:10:00.000Z",
			"tokenIssuedAt": "2026-11-26T22:10:00.000Z",
		})}
	frame := []byte(`{"action":"sendMessage","conversationId":"01JDQ8Z6V5T3R2Q1P0N9M8K7J6","clientMessageId":"c-1","body":"hello"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ev := g.messageEvent(c, "sendMessage", frame, now)
		if _, err := json.Marshal(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func mustJSON(b *testing.B, v any) json.RawMessage {
	b.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}
