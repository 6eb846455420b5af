package admin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/confidechat/confide/internal/chat"
)

// Transcript is an exported conversation (chat.Transcript).
type Transcript = chat.Transcript

// Export formats.
const (
	FormatJSON = "json"
	FormatText = "text"
)

// DeletedPlaceholder stands for a deleted message in a text transcript.
const DeletedPlaceholder = "[deleted]"

// Export returns the full transcript of a permanent conversation
// (chat.Service.Transcript) and writes it to Out in format (FormatJSON or
// FormatText). 24h conversations are refused: they are private by design.
func (a *Admin) Export(ctx context.Context, id, format string) (Transcript, error) {
	if format != FormatJSON && format != FormatText {
		return Transcript{}, fmt.Errorf("conversations export: --format must be %q or %q", FormatJSON, FormatText)
	}
	t, err := a.service().Transcript(ctx, id)
	if err != nil {
		return Transcript{}, fmt.Errorf("conversation %s: %w", id, err)
	}
	c := t.Conversation
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
