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

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/textlist"
)

// Config is the configuration of every function, read from the environment
// variables named in internal/app/envvar.
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
	// KeyTableName and KMSKeyID are the table of wrapped data keys and the
	// KMS key that wraps them: with both, the store seals every message
	// body and feedback comment (internal/seal). Neither is set only on
	// the functions that never touch words (StartSealed refuses the
	// others) and in tests that do not look at encryption.
	KeyTableName string
	KMSKeyID     string
	// KMSEndpoint overrides the KMS endpoint (local stack).
	KMSEndpoint string
	// StaffCIDRs, when set, are the only networks staff may use.
	StaffCIDRs []netip.Prefix
	Limits     chat.Limits
	LogLevel   string
	// TriageOff turns the safeguarding screening of client messages off.
	TriageOff bool
	// UrgentTopicARN, when set, is the SNS topic told of conversations
	// becoming urgent while they wait.
	UrgentTopicARN string
}

// ConfigFromEnv reads a Config through getenv (os.Getenv in the mains).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:          getenv(envvar.TableName),
		Issuer:             strings.TrimSuffix(getenv(envvar.Issuer), "/"),
		ClientID:           getenv(envvar.ClientID),
		StaffGroup:         getenv(envvar.StaffGroup),
		SupervisorGroup:    getenv(envvar.SupervisorGroup),
		AllowedOrigins:     textlist.Split(getenv(envvar.AllowedOrigins)),
		ManagementEndpoint: getenv(envvar.ManagementEndpoint),
		DynamoDBEndpoint:   getenv(envvar.DynamoDBEndpoint),
		UserPoolID:         getenv(envvar.UserPoolID),
		CognitoEndpoint:    getenv(envvar.CognitoEndpoint),
		KeyTableName:       getenv(envvar.KeyTableName),
		KMSKeyID:           getenv(envvar.KMSKeyID),
		KMSEndpoint:        getenv(envvar.KMSEndpoint),
		LogLevel:           getenv(envvar.LogLevel),
		TriageOff:          getenv(envvar.Triage) == "off",
		UrgentTopicARN:     getenv(envvar.UrgentTopicARN),
	}
	if c.StaffGroup == "" {
		c.StaffGroup = auth.DefaultStaffGroup
	}
	if c.SupervisorGroup == "" {
		c.SupervisorGroup = auth.DefaultSupervisorGroup
	}
	if c.TableName == "" {
		return c, fmt.Errorf("%s is required", envvar.TableName)
	}
	if err := c.checkSealing(); err != nil {
		return c, err
	}
	for _, s := range textlist.Split(getenv(envvar.StaffCIDRs)) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return c, fmt.Errorf("%s: %w", envvar.StaffCIDRs, err)
		}
		c.StaffCIDRs = append(c.StaffCIDRs, p)
	}
	var err error
	l := &c.Limits
	for _, v := range []struct {
		name string
		dst  *int
	}{
		{envvar.MaxMessageChars, &l.MaxMessageChars},
		{envvar.RateLimit, &l.RateLimit},
		{envvar.ConnectionCap, &l.ConnectionCap},
	} {
		if *v.dst, err = intEnv(getenv, v.name); err != nil {
			return c, err
		}
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{envvar.RateWindow, &l.RateWindow},
		{envvar.IdleTimeout, &l.IdleTimeout},
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
		envvar.TableName:          c.TableName,
		envvar.Issuer:             c.Issuer,
		envvar.ClientID:           c.ClientID,
		envvar.StaffGroup:         c.StaffGroup,
		envvar.SupervisorGroup:    c.SupervisorGroup,
		envvar.AllowedOrigins:     strings.Join(c.AllowedOrigins, ","),
		envvar.ManagementEndpoint: c.ManagementEndpoint,
		envvar.DynamoDBEndpoint:   c.DynamoDBEndpoint,
		envvar.StaffCIDRs:         strings.Join(cidrs, ","),
		envvar.UserPoolID:         c.UserPoolID,
		envvar.CognitoEndpoint:    c.CognitoEndpoint,
		envvar.KeyTableName:       c.KeyTableName,
		envvar.KMSKeyID:           c.KMSKeyID,
		envvar.KMSEndpoint:        c.KMSEndpoint,
		envvar.LogLevel:           c.LogLevel,
	}
	if c.TriageOff {
		env[envvar.Triage] = "off"
	}
	if c.UrgentTopicARN != "" {
		env[envvar.UrgentTopicARN] = c.UrgentTopicARN
	}
	return env
}

// Sealed reports whether c configures message encryption: a key table and
// a KMS key.
func (c Config) Sealed() bool { return c.KeyTableName != "" && c.KMSKeyID != "" }

// checkSealing refuses half a sealing configuration: a key table without
// the KMS key, or the key without the table.
func (c Config) checkSealing() error {
	switch {
	case c.KeyTableName != "" && c.KMSKeyID == "":
		return fmt.Errorf("%s is set and %s is not: message encryption needs both", envvar.KeyTableName, envvar.KMSKeyID)
	case c.KMSKeyID != "" && c.KeyTableName == "":
		return fmt.Errorf("%s is set and %s is not: message encryption needs both", envvar.KMSKeyID, envvar.KeyTableName)
	}
	return nil
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
