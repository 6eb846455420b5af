// Package app builds every dependency of Confide's functions from their
// configuration, in one place, for the Lambda mains and the local stack
// alike.
package app

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// Config is the configuration of every function, read from the environment
// variables named in internal/routes.
type Config struct {
	TableName  string
	Issuer     string
	ClientID   string
	StaffGroup string
	// SupervisorGroup is the group of supervisors (who are staff too).
	SupervisorGroup string
	AllowedOrigins  []string
	// ManagementEndpoint is the WebSocket stage's callback URL
	// (https://{api}.execute-api.{region}.amazonaws.com/{stage}).
	ManagementEndpoint string
	// DynamoDBEndpoint overrides the DynamoDB endpoint (local stack, LocalStack).
	DynamoDBEndpoint string
	// UserPoolID, when set, lets the retention sweep ask Cognito whether
	// the accounts holding connections are still enabled.
	UserPoolID string
	// CognitoEndpoint overrides the Cognito endpoint (local stack).
	CognitoEndpoint string
	// StaffCIDRs, when set, are the only networks staff may use.
	StaffCIDRs []netip.Prefix
	Limits     chat.Limits
	LogLevel   string
}

// ConfigFromEnv reads a Config through getenv (os.Getenv in the mains).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:          getenv(routes.EnvTableName),
		Issuer:             strings.TrimSuffix(getenv(routes.EnvIssuer), "/"),
		ClientID:           getenv(routes.EnvClientID),
		StaffGroup:         getenv(routes.EnvStaffGroup),
		SupervisorGroup:    getenv(routes.EnvSupervisorGroup),
		AllowedOrigins:     splitList(getenv(routes.EnvAllowedOrigins)),
		ManagementEndpoint: getenv(routes.EnvManagementEndpoint),
		DynamoDBEndpoint:   getenv(routes.EnvDynamoDBEndpoint),
		UserPoolID:         getenv(routes.EnvUserPoolID),
		CognitoEndpoint:    getenv(routes.EnvCognitoEndpoint),
		LogLevel:           getenv(routes.EnvLogLevel),
	}
	if c.StaffGroup == "" {
		c.StaffGroup = auth.DefaultStaffGroup
	}
	if c.SupervisorGroup == "" {
		c.SupervisorGroup = auth.DefaultSupervisorGroup
	}
	if c.TableName == "" {
		return c, fmt.Errorf("%s is required", routes.EnvTableName)
	}
	for _, s := range splitList(getenv(routes.EnvStaffCIDRs)) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return c, fmt.Errorf("%s: %w", routes.EnvStaffCIDRs, err)
		}
		c.StaffCIDRs = append(c.StaffCIDRs, p)
	}
	var err error
	l := &c.Limits
	for _, v := range []struct {
		name string
		dst  *int
	}{
		{routes.EnvMaxMessageChars, &l.MaxMessageChars},
		{routes.EnvRateLimit, &l.RateLimit},
		{routes.EnvConnectionCap, &l.ConnectionCap},
	} {
		if *v.dst, err = intEnv(getenv, v.name); err != nil {
			return c, err
		}
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{routes.EnvRateWindow, &l.RateWindow},
		{routes.EnvIdleTimeout, &l.IdleTimeout},
	} {
		if *v.dst, err = durationEnv(getenv, v.name); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Env returns c as environment variables, the inverse of ConfigFromEnv.
func (c Config) Env() map[string]string {
	cidrs := make([]string, len(c.StaffCIDRs))
	for i, p := range c.StaffCIDRs {
		cidrs[i] = p.String()
	}
	env := map[string]string{
		routes.EnvTableName:          c.TableName,
		routes.EnvIssuer:             c.Issuer,
		routes.EnvClientID:           c.ClientID,
		routes.EnvStaffGroup:         c.StaffGroup,
		routes.EnvSupervisorGroup:    c.SupervisorGroup,
		routes.EnvAllowedOrigins:     strings.Join(c.AllowedOrigins, ","),
		routes.EnvManagementEndpoint: c.ManagementEndpoint,
		routes.EnvDynamoDBEndpoint:   c.DynamoDBEndpoint,
		routes.EnvStaffCIDRs:         strings.Join(cidrs, ","),
		routes.EnvUserPoolID:         c.UserPoolID,
		routes.EnvCognitoEndpoint:    c.CognitoEndpoint,
		routes.EnvLogLevel:           c.LogLevel,
	}
	return env
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func intEnv(getenv func(string) string, name string) (int, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s must be a positive whole number, got %q", name, v)
	}
	return n, nil
}

func durationEnv(getenv func(string) string, name string) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration like 10s, got %q", name, v)
	}
	return d, nil
}

// StaffNetwork allows staff only from configured networks.
type StaffNetwork []netip.Prefix

// AllowsStaff reports whether a staff request from sourceIP is allowed:
// always when no network is configured.
func (n StaffNetwork) AllowsStaff(sourceIP string) bool {
	if len(n) == 0 {
		return true
	}
	ip, err := netip.ParseAddr(sourceIP)
	if err != nil {
		return false
	}
	for _, p := range n {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}
