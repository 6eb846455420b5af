// Package webconfig is the /config.json the widget and the dashboard read
// next to their pages: one shape, served by the local stack's web server
// and written by the CDK stack's static hosting.
package webconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// Config is what the browser clients need to know.
type Config struct {
	// HTTPAPI is the HTTP API's base URL.
	HTTPAPI string `json:"httpApi"`
	// WebSocket is the WebSocket API's URL.
	WebSocket string `json:"websocket"`
	// CognitoEndpoint is where the pages sign in (Cognito's regional
	// endpoint, or cognito-local).
	CognitoEndpoint string `json:"cognitoEndpoint"`
	// UserPoolClientID is the app client the pages sign in with.
	UserPoolClientID string `json:"userPoolClientId"`
	// Limits are the server's, for the clients to check before sending.
	Limits Limits `json:"limits"`
	// Theme is how the widget presents the service that runs the stack
	// (an embed snippet's data- attributes override it field by field).
	Theme Theme `json:"theme"`
	// CannedReplies are the ready-made replies the dashboard offers
	// counsellors (greetings, crisis lines, closing words), in order.
	CannedReplies []CannedReply `json:"cannedReplies"`
}

// Theme is the embedding service's look and words in the widget. Every
// field is optional; the widget checks each again (web/widget/theme.js)
// and leaves out what it cannot use, with a console warning.
type Theme struct {
	// Name is the service's name, the widget's title.
	Name string `json:"name,omitempty"`
	// Logo is the https address of the service's logo.
	Logo string `json:"logo,omitempty"`
	// Accent is the service's colour, #rrggbb: the widget picks white or
	// near-black text on it, whichever reads at 4.5:1 or more.
	Accent string `json:"accent,omitempty"`
	// Welcome is the first line a client reads.
	Welcome string `json:"welcome,omitempty"`
	// Hours says when counsellors answer.
	Hours string `json:"hours,omitempty"`
	// Crisis lists the numbers and links for help now, shown before a
	// conversation starts, after it ends and to someone not signed in.
	Crisis []CrisisLine `json:"crisis,omitempty"`
}

// CrisisLine is one way to get help at once: a label and a phone number,
// or a label and an https link.
type CrisisLine struct {
	Label  string `json:"label"`
	Number string `json:"number,omitempty"`
	URL    string `json:"url,omitempty"`
}

// accentPattern is the one colour form a theme takes.
var accentPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate says what is wrong with a theme a deployment configures, so
// that the stack refuses it before the widget would quietly drop it.
func (t Theme) Validate() error {
	if t.Accent != "" && !accentPattern.MatchString(t.Accent) {
		return fmt.Errorf("theme accent %q is not a #rrggbb colour", t.Accent)
	}
	if t.Logo != "" && !strings.HasPrefix(t.Logo, "https://") {
		return fmt.Errorf("theme logo %q is not an https address", t.Logo)
	}
	for _, l := range t.Crisis {
		switch {
		case strings.TrimSpace(l.Label) == "":
			return errors.New("theme crisis line without a label")
		case l.Number == "" && l.URL == "":
			return fmt.Errorf("theme crisis line %q has neither a number nor a url", l.Label)
		case l.URL != "" && !strings.HasPrefix(l.URL, "https://"):
			return fmt.Errorf("theme crisis line %q: url %q is not https", l.Label, l.URL)
		}
	}
	return nil
}

// CannedReply is one ready-made reply: a short label to find it by and the
// text it puts in the reply box (the counsellor can still change it).
type CannedReply struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// The bounds of a canned reply.
const (
	maxCannedReplies = 50
	maxCannedLabel   = 60
)

// DefaultCannedReplies are the local stack's canned replies. The crisis
// lines hold placeholder numbers, marked as examples: a service configures
// its own (CDK context cannedReplies).
func DefaultCannedReplies() []CannedReply {
	return []CannedReply{
		{Label: "Greeting", Text: "Hello, I'm here and I'm listening. Take your time: what would you like to talk about?"},
		{Label: "Still there?", Text: "Are you still there? There's no rush. I'm here when you're ready."},
		{Label: "Crisis lines (EXAMPLE numbers: configure your own)", Text: "If you are in danger right now, please call " +
			"000 [EXAMPLE emergency number: configure]. You can also call the 24-hour crisis line on 0000 000 000 " +
			"[EXAMPLE number: configure], any time, day or night."},
		{Label: "Closing", Text: "Thank you for talking with me today. If you need us again, we're here. Take care of yourself."},
	}
}

// ParseCannedReplies reads canned replies given as a JSON array of
// {"label","text"} (how the CDK context gives them) and checks them: at
// most 50, each with a label of 1 to 60 characters and a text of 1 to
// maxChars characters (the longest message the service accepts).
func ParseCannedReplies(s string, maxChars int) ([]CannedReply, error) {
	var out []CannedReply
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("canned replies must be a JSON array of {\"label\",\"text\"}: %w", err)
	}
	if len(out) > maxCannedReplies {
		return nil, fmt.Errorf("at most %d canned replies, not %d", maxCannedReplies, len(out))
	}
	for i, r := range out {
		r.Label, r.Text = strings.TrimSpace(r.Label), strings.TrimSpace(r.Text)
		if n := utf8.RuneCountInString(r.Label); n < 1 || n > maxCannedLabel {
			return nil, fmt.Errorf("canned reply %d: the label must be 1 to %d characters", i+1, maxCannedLabel)
		}
		if n := utf8.RuneCountInString(r.Text); n < 1 || n > maxChars {
			return nil, fmt.Errorf("canned reply %d (%s): the text must be 1 to %d characters", i+1, r.Label, maxChars)
		}
		out[i] = r
	}
	return out, nil
}

// Limits are the server's limits the clients check before sending, so that
// they refuse what the server would refuse, counting as it counts.
type Limits struct {
	// MessageChars is the longest message, in Unicode characters after
	// trimming (chat.Limits.MaxMessageChars).
	MessageChars int `json:"messageChars"`
	// FrameBytes is the largest WebSocket frame (routes.MaxFrameBytes).
	FrameBytes int `json:"frameBytes"`
}

// LimitsOf are the limits of a service configured with l (zero fields: the
// service's defaults).
func LimitsOf(l chat.Limits) Limits {
	chars := l.MaxMessageChars
	if chars <= 0 {
		chars = chat.DefaultLimits().MaxMessageChars
	}
	return Limits{MessageChars: chars, FrameBytes: routes.MaxFrameBytes}
}

// Map is c as a JSON object, for writers that take one (the CDK stack's
// deployment, whose string values may be tokens resolved at deploy time).
func (c Config) Map() map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		panic("webconfig: marshal: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic("webconfig: unmarshal: " + err.Error())
	}
	return m
}
