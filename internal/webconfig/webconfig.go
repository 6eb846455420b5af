// Package webconfig is the /config.json the widget and the dashboard read
// next to their pages: one shape, served by the local stack's web server
// and written by the CDK stack's static hosting.
package webconfig

import (
	"encoding/json"

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
