package triage

import "github.com/confidechat/confide/internal/chat"

// ForChat is s as the domain's chat.Screener: the level and the category
// that raised it, never the words.
func ForChat(s *Screener) chat.Screener { return chatScreener{s} }

type chatScreener struct{ s *Screener }

// DefaultForChat is the shipped rules as a chat.Screener, built on the first
// message it screens rather than when a function starts: most functions
// (the authorizer, connect, disconnect, retention) never screen, and the
// others need not pay the ~7 ms build in their cold start.
func DefaultForChat() chat.Screener { return lazyDefault{} }

type lazyDefault struct{}

func (lazyDefault) Screen(text string) chat.Screening { return ForChat(Default()).Screen(text) }

func (c chatScreener) Screen(text string) chat.Screening {
	r := c.s.Screen(text)
	return chat.Screening{Level: chat.RiskLevel(r.Level.String()), Category: r.Category}
}
