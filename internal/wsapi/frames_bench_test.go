package wsapi

import (
	"testing"

	"github.com/confidechat/confide/internal/chat"
)

// BenchmarkParseAndValidateFrame is the cost of reading a sendMessage frame
// and checking every field of it, before any I/O.
func BenchmarkParseAndValidateFrame(b *testing.B) {
	body := `{"action":"sendMessage","conversationId":"01JDQ8Z6V5T3R2Q1P0N9M8K7J6","clientMessageId":"c-1732659000000-42",` +
		`"body":"I have been feeling low for a few weeks and I do not know who to talk to about it."}`
	b.ReportAllocs()
	for range b.N {
		f, err := parseFrame(body)
		if err != nil {
			b.Fatal(err)
		}
		conv, err := required(f.ConversationID, "conversationId")
		if err != nil || !chat.ValidID(conv) {
			b.Fatalf("conversationId %q: %v", conv, err)
		}
		cmid, err := required(f.ClientMessageID, "clientMessageId")
		if err != nil {
			b.Fatal(err)
		}
		if err := chat.ValidClientMessageID(cmid); err != nil {
			b.Fatal(err)
		}
		if _, err := chat.NormalizeBody(*f.Body, 4000); err != nil {
			b.Fatal(err)
		}
	}
}
