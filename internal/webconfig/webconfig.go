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
