package triage

import "github.com/confidechat/confide/internal/chat"

// ForChat is s as the domain's chat.Screener: the level and the category
// that raised it, never the words.
func ForChat(s *Screener) chat.Screener { return chatScreener{s} }

type chatScreener struct{ s *Screener }

func (c chatScreener) Screen(text string) chat.Screening {
	r := c.s.Screen(text)
	return chat.Screening{Level: chat.RiskLevel(r.Level.String()), Category: r.Category}
}
