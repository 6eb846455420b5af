package loadtest

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *Config)
		wantErr string // "" when valid
	}{
		{"DefaultIsValid", func(*Config) {}, ""},
		{"DefaultOpensAThousandConnections", func(c *Config) {
			if c.Connections() != 1000 {
				t.Errorf("Default.Connections() = %d, want 1000", c.Connections())
			}
		}, ""},
		{"TooManyConnections", func(c *Config) { c.Conversations, c.Counsellors, c.StaffConversationConnections = 4000, 500, 1000 }, "connections, at most"},
		{"RateOverTheBound", func(c *Config) { c.Rate = MaxRate + 1 }, "rate"},
		{"DurationOverTheBound", func(c *Config) { c.Duration = MaxDuration + time.Second }, "duration"},
		{"TooManyMessages", func(c *Config) { c.Rate, c.Duration = MaxRate, MaxDuration }, "messages, at most"},
		{"MoreStaffConnectionsThanConversations", func(c *Config) { c.StaffConversationConnections = c.Conversations + 1 }, "staff conversation connections"},
		{"CounsellorOverTheConnectionCap", func(c *Config) { c.Counsellors = 50 }, "over the cap"},
		{"CounsellorAtTheConnectionCap", func(c *Config) { c.Counsellors, c.Feeds, c.StaffConversationConnections = 2, 2, 8 }, ""},
		{"NoCounsellor", func(c *Config) { c.Counsellors = 0 }, "at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

func TestCounsellorConnections(t *testing.T) {
	c := Config{Counsellors: 3, Feeds: 2, StaffConversationConnections: 7}
	// Feeds: counsellors 0 and 1. Conversations 0..6: 0,3,6 / 1,4 / 2,5.
	want := []int{4, 3, 2}
	for k, w := range want {
		if got := c.counsellorConnections(k); got != w {
			t.Errorf("counsellorConnections(%d) = %d, want %d", k, got, w)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:4510", true},
		{"ws://127.0.0.1:4511/local", true},
		{"http://127.8.9.10:80", true},
		{"http://localhost:4510", true},
		{"http://[::1]:4510", true},
		{"", true},
		{"http://10.0.0.5:4510", false},
		{"http://192.168.1.2", false},
		{"https://abc.execute-api.us-east-1.amazonaws.com/prod", false},
		{"http://example.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := CheckLoopback(tt.url)
			if got := err == nil; got != tt.want {
				t.Errorf("CheckLoopback(%q) = %v, want allowed %v", tt.url, err, tt.want)
			}
		})
	}
}
