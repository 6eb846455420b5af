package loadtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// Config is one load run. Its zero fields take Default's values.
type Config struct {
	// Conversations is how many clients there are, each with one active
	// conversation and one connection on it.
	Conversations int `json:"conversations"`
	// Counsellors is how many staff users there are.
	Counsellors int `json:"counsellors"`
	// Feeds is how many staff-feed connections are open (a counsellor's
	// dashboard): feed i belongs to counsellor i mod Counsellors.
	Feeds int `json:"feeds"`
	// Supervisors is how many supervisors each hold a feed: they receive
	// the words of every conversation, where a counsellor's feed gets those
	// of the conversations assigned to them (need to know).
	Supervisors int `json:"supervisors"`
	// StaffConversationConnections is how many conversations also have a
	// counsellor's connection on them: conversation i < this number has one,
	// owned by counsellor i mod Counsellors.
	StaffConversationConnections int `json:"staffConversationConnections"`
	// ConnectionCap is the deployment's per-person connection cap: the run
	// refuses a plan that gives a counsellor more connections.
	ConnectionCap int `json:"connectionCap"`
	// Rate is the number of messages sent per second, all conversations
	// together; each conversation's turns alternate between its client and
	// its counsellor.
	Rate float64 `json:"rate"`
	// Duration is how long messages are sent.
	Duration time.Duration `json:"duration"`
	// BodyBytes is the length of every message body.
	BodyBytes int `json:"bodyBytes"`
	// SetupConcurrency bounds the user creations, sign-ins and conversation
	// creations in flight; ConnectConcurrency the connects in flight.
	SetupConcurrency   int `json:"setupConcurrency"`
	ConnectConcurrency int `json:"connectConcurrency"`
	// Drain is how long to wait, after the last send, for outstanding
	// acknowledgements and deliveries.
	Drain time.Duration `json:"drain"`
	// Verify bounds the time spent reading the conversations back.
	Verify time.Duration `json:"verify"`
	// Progress is the interval between progress lines.
	Progress time.Duration `json:"progress"`
}

// Default is the run of `make loadtest`: 500 conversations and 1,000
// connections at 50 messages a second for a minute. Each of 100 counsellors
// has a dashboard on the staff feed and up to four conversations open (the
// per-person cap is 5 connections; 397 in all, so that 3 supervisors' feeds
// make 1,000), and claims its five conversations.
var Default = Config{
	Conversations:                500,
	Counsellors:                  100,
	Feeds:                        100,
	Supervisors:                  3,
	StaffConversationConnections: 397,
	ConnectionCap:                5,
	Rate:                         50,
	Duration:                     60 * time.Second,
	BodyBytes:                    120,
	SetupConcurrency:             8,
	ConnectConcurrency:           1,
	Drain:                        30 * time.Second,
	Verify:                       5 * time.Minute,
	Progress:                     time.Second,
}

// The bounds every run stays within.
const (
	MaxConnections = 5000
	MaxRate        = 500
	MaxDuration    = 10 * time.Minute
	MaxMessages    = 100_000
	MaxDrain       = 2 * time.Minute
	MaxVerify      = 15 * time.Minute
)

// MaxBodyBytes is the longest body a run sends: the service's message limit
// (bodies are ASCII, so its characters are bytes).
var MaxBodyBytes = chat.DefaultLimits().MaxMessageChars

// withDefaults fills c's zero fields from Default.
func (c Config) withDefaults() Config {
	d := Default
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&c.Conversations, d.Conversations)
	fill(&c.Counsellors, d.Counsellors)
	fill(&c.ConnectionCap, d.ConnectionCap)
	fill(&c.BodyBytes, d.BodyBytes)
	fill(&c.SetupConcurrency, d.SetupConcurrency)
	fill(&c.ConnectConcurrency, d.ConnectConcurrency)
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.Duration == 0 {
		c.Duration = d.Duration
	}
	if c.Drain == 0 {
		c.Drain = d.Drain
	}
	if c.Verify == 0 {
		c.Verify = d.Verify
	}
	if c.Progress == 0 {
		c.Progress = d.Progress
	}
	return c
}

// Connections is the number of WebSocket connections the run opens.
func (c Config) Connections() int {
	return c.Conversations + c.Feeds + c.StaffConversationConnections + c.Supervisors
}

// Validate checks that the run is bounded and that no counsellor needs
// more connections than the cap allows.
func (c Config) Validate() error {
	switch {
	case c.Conversations < 1 || c.Counsellors < 1:
		return errors.New("loadtest: at least one conversation and one counsellor")
	case c.Feeds < 0 || c.StaffConversationConnections < 0 || c.Supervisors < 0:
		return errors.New("loadtest: feeds and staff conversation connections cannot be negative")
	case c.StaffConversationConnections > c.Conversations:
		return fmt.Errorf("loadtest: %d staff conversation connections for %d conversations", c.StaffConversationConnections, c.Conversations)
	case c.Connections() > MaxConnections:
		return fmt.Errorf("loadtest: %d connections, at most %d", c.Connections(), MaxConnections)
	case c.Rate <= 0 || c.Rate > MaxRate:
		return fmt.Errorf("loadtest: rate %g messages/s, want 0 < rate <= %d", c.Rate, MaxRate)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("loadtest: duration %s, want 0 < duration <= %s", c.Duration, MaxDuration)
	case c.Rate*c.Duration.Seconds() > MaxMessages:
		return fmt.Errorf("loadtest: %.0f messages, at most %d", c.Rate*c.Duration.Seconds(), MaxMessages)
	case c.Drain < 0 || c.Drain > MaxDrain:
		return fmt.Errorf("loadtest: drain %s, at most %s", c.Drain, MaxDrain)
	case c.Verify < 0 || c.Verify > MaxVerify:
		return fmt.Errorf("loadtest: verify %s, at most %s", c.Verify, MaxVerify)
	case c.BodyBytes < 1 || c.BodyBytes > MaxBodyBytes:
		return fmt.Errorf("loadtest: body of %d bytes, want 1 to %d", c.BodyBytes, MaxBodyBytes)
	}
	for k := range c.Counsellors {
		if n := c.counsellorConnections(k); n > c.ConnectionCap {
			return fmt.Errorf("loadtest: counsellor %d would need %d connections, over the cap of %d: add counsellors", k, n, c.ConnectionCap)
		}
	}
	return nil
}

// counsellorConnections is how many connections counsellor k holds.
func (c Config) counsellorConnections(k int) int {
	return countOf(c.Feeds, c.Counsellors, k) + countOf(c.StaffConversationConnections, c.Counsellors, k)
}

// countOf is how many of 0..n-1 are k modulo m.
func countOf(n, m, k int) int {
	if k >= n {
		return 0
	}
	return (n-1-k)/m + 1
}

// CheckLoopback refuses any address that is not on this machine: the load
// generator only ever sends to the loopback range.
func CheckLoopback(rawURLs ...string) error {
	for _, raw := range rawURLs {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("loadtest: address %q: %w", raw, err)
		}
		host := u.Hostname()
		if host == "localhost" {
			continue
		}
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("loadtest: %s is not a loopback address; the load generator only targets this machine", raw)
		}
	}
	return nil
}
