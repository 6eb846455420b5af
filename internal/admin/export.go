package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/confidechat/confide/internal/chat"
)

// Transcript is an exported conversation, its messages oldest first; a
// deleted message keeps its place without its text.
type Transcript struct {
	Conversation chat.Conversation `json:"conversation"`
	Messages     []chat.Message    `json:"messages"`
}

// Export formats.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// DeletedPlaceholder stands for a deleted message in a text transcript.
const DeletedPlaceholder = "[deleted]"

// exportPage is how many messages one ListMessages call reads (a variable
// so that tests can make paging visible).
var exportPage = 100

// Export returns the full transcript of a permanent conversation and writes
// it to Out in format (FormatJSON or FormatText). 24h conversations are
// refused: they are private by design.
func (a *Admin) Export(ctx context.Context, id, format string) (Transcript, error) {
	if format != FormatJSON && format != FormatText {
		return Transcript{}, fmt.Errorf("conversations export: --format must be %q or %q", FormatJSON, FormatText)
	}
	now := a.now()
	c, err := a.Store.GetConversation(ctx, id, now)
	if err != nil {
		return Transcript{}, fmt.Errorf("conversation %s: %w", id, err)
	}
	if c.Retention != chat.RetentionPermanent {
		return Transcript{}, fmt.Errorf("conversation %s keeps its messages for 24 hours only: only permanent conversations can be exported", id)
	}
	// Pages come newest first; each page is oldest first within itself.
	var pages [][]chat.Message
	q := chat.MessageRange{Limit: exportPage}
	for {
		p, err := a.Store.ListMessages(ctx, id, q, now)
		if err != nil {
			return Transcript{}, fmt.Errorf("messages of %s: %w", id, err)
		}
		pages = append(pages, p.Items)
		if p.Next == "" {
			break
		}
		q.Before = p.Next
	}
	slices.Reverse(pages)
	t := Transcript{Conversation: c, Messages: []chat.Message{}}
	for _, p := range pages {
		for _, m := range p {
			t.Messages = append(t.Messages, m.Redacted())
		}
	}
	if a.Out == nil {
		return t, nil
	}
	if format == FormatJSON {
		enc := json.NewEncoder(a.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(t); err != nil {
			return t, fmt.Errorf("write transcript %s: %w", id, err)
		}
		return t, nil
	}
	a.printf("conversation %s (client %s, %s, created %s)\n", c.ID, c.UserID, c.Status, c.CreatedAt)
	for _, m := range t.Messages {
		body := m.Body
		if m.Deleted {
			body = DeletedPlaceholder
		}
		a.printf("%s  %-6s  %s\n", m.CreatedAt, m.SenderRole, body)
	}
	return t, nil
}
