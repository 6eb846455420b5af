package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/textlist"
	"github.com/confidechat/confide/internal/webconfig"
)

// Context keys read by the stack. Pass them with `cdk -c key=value` (the
// Makefile's CONTEXT variable) or put them in cdk.json:
//
//	stage              "prod" retains the table, pool, bucket and logs (default "dev")
//	stackName          the CloudFormation stack name (default "Confide")
//	userPoolId         an existing user pool to use, with userPoolClientId
//	staffGroup         the counsellors' group (default "staff")
//	supervisorGroup    the supervisors' group (default "supervisors")
//	selfSignUp         clients may create their own account (default true)
//	allowedOrigins     comma list of https origins allowed to call the APIs:
//	                   the sites embedding the widget and, for the hosted
//	                   dashboard, the WidgetUrl's origin (default: that
//	                   origin only)
//	logRetentionDays   function log retention (default 30)
//	wsStage            WebSocket stage name (default "prod")
//	wsThrottleRate     WebSocket messages per second (default 500), and
//	wsThrottleBurst    their burst (default 1000)
//	httpThrottleRate   HTTP requests per second (default 500), and
//	httpThrottleBurst  their burst (default 1000)
//	alarmEmails        comma list of addresses subscribed to the alarm topic
//	urgentAlertEmails  comma list of addresses told when a waiting
//	                   conversation becomes urgent (id and level only)
//	                   (each must confirm AWS's e-mail; default none)
//	connectionCeiling  new WebSocket connections per 5 minutes that raise
//	                   the alarm (default 9000)
//	openConnectionCeiling  WebSocket connections open at once that raise
//	                   the alarm (default 5000; the retention sweep counts
//	                   them every 15 minutes)
//	maxMessageChars, rateLimit, rateWindow, idleTimeout, connectionCap,
//	staffCidrs, logLevel, triage ("off" stops screening client messages):
//	                   function settings, set only when given (limitContext)
//	theme              the widget's theme in config.json (webconfig.Theme:
//	                   name, logo, accent, welcome, hours, crisis), as a
//	                   JSON object in cdk.json or a JSON string with -c
//	cannedReplies      the dashboard's canned replies: a JSON array of
//	                   {"label","text"} (in cdk.json an array, on the command
//	                   line a JSON string); default none (the local stack
//	                   has examples: a service writes its own crisis lines)
//	assetRoot, webRoot folders of the bootstraps and web files as make build
//	                   writes them (../build, ../build/web)
const (
	ctxStage                 = "stage"
	ctxUserPoolID            = "userPoolId"
	ctxUserPoolClientID      = "userPoolClientId"
	ctxStaffGroup            = "staffGroup"
	ctxSupervisorGroup       = "supervisorGroup"
	ctxSelfSignUp            = "selfSignUp"
	ctxAllowedOrigins        = "allowedOrigins"
	ctxLogRetentionDays      = "logRetentionDays"
	ctxWSStage               = "wsStage"
	ctxWSThrottleRate        = "wsThrottleRate"
	ctxWSThrottleBurst       = "wsThrottleBurst"
	ctxHTTPThrottleRate      = "httpThrottleRate"
	ctxHTTPThrottleBurst     = "httpThrottleBurst"
	ctxConnectionCeiling     = "connectionCeiling"
	ctxOpenConnectionCeiling = "openConnectionCeiling"
	ctxAlarmEmails           = "alarmEmails"
	ctxUrgentAlertEmails     = "urgentAlertEmails"
	ctxTheme                 = "theme"
	ctxCannedReplies         = "cannedReplies"
)

// limitContext names the context key that sets each optional function
// setting. A variable listed here is set only when its key is given, so the
// application's own default applies otherwise.
var limitContext = map[string]string{
	envvar.MaxMessageChars: "maxMessageChars",
	envvar.RateLimit:       "rateLimit",
	envvar.RateWindow:      "rateWindow",
	envvar.IdleTimeout:     "idleTimeout",
	envvar.ConnectionCap:   "connectionCap",
	envvar.StaffCIDRs:      "staffCidrs",
	envvar.LogLevel:        "logLevel",
	// triage "off" turns the safeguarding screening of client messages off
	// (docs/triage.md), for a service whose policy forbids scanning.
	envvar.Triage: "triage",
}

// retentionDays are the log retention periods CloudWatch Logs accepts.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// settings are the deployment choices read from the CDK context.
type settings struct {
	// prod keeps the data: deletion protection and RETAIN on the table,
	// the user pool, the log groups and the web bucket.
	prod bool
	// userPoolID and userPoolClientID name an existing pool and app client
	// to use instead of creating them; both or neither.
	userPoolID, userPoolClientID string
	staffGroup                   string
	supervisorGroup              string
	selfSignUp                   bool
	// allowedOrigins are the browser origins allowed to call the APIs; empty
	// means the stack's own CloudFront origin.
	allowedOrigins []string
	logRetention   awslogs.RetentionDays
	// logLevel is the level below which Lambda drops a function's JSON log
	// records: INFO, or the logLevel context.
	logLevel          awslambda.ApplicationLogLevel
	wsStage           string
	wsRate, wsBurst   float64
	httpRate          float64
	httpBurst         float64
	connectionCeiling float64
	// openCeiling is the alarm threshold of connections open at once.
	openCeiling float64
	// alarmEmails are subscribed to the topic every alarm notifies.
	alarmEmails []string
	// urgentAlertEmails are subscribed to the topic told of urgent
	// conversations waiting for a counsellor.
	urgentAlertEmails []string
	// limits holds the optional function settings given by context, by
	// environment variable name.
	limits map[string]string
	// theme is the widget's theme written into config.json.
	theme webconfig.Theme
	// cannedReplies is the cannedReplies context as JSON ("": none given).
	cannedReplies string
}

// readSettings reads the stack's settings from the context of node.
func readSettings(node constructs.Node) (settings, error) {
	c := contextReader{node: node}
	s := settings{
		prod:              c.str(ctxStage, "dev") == "prod",
		userPoolID:        c.str(ctxUserPoolID, ""),
		userPoolClientID:  c.str(ctxUserPoolClientID, ""),
		staffGroup:        c.str(ctxStaffGroup, "staff"),
		supervisorGroup:   c.str(ctxSupervisorGroup, "supervisors"),
		selfSignUp:        c.boolean(ctxSelfSignUp, true),
		allowedOrigins:    originList(c.str(ctxAllowedOrigins, "")),
		wsStage:           c.str(ctxWSStage, "prod"),
		wsRate:            c.number(ctxWSThrottleRate, 500),
		wsBurst:           c.number(ctxWSThrottleBurst, 1000),
		httpRate:          c.number(ctxHTTPThrottleRate, 500),
		httpBurst:         c.number(ctxHTTPThrottleBurst, 1000),
		connectionCeiling: c.number(ctxConnectionCeiling, 9000),
		openCeiling:       c.number(ctxOpenConnectionCeiling, 5000),
		alarmEmails:       textlist.Split(c.str(ctxAlarmEmails, "")),
		urgentAlertEmails: textlist.Split(c.str(ctxUrgentAlertEmails, "")),
		limits:            map[string]string{},
		cannedReplies:     c.jsonText(ctxCannedReplies),
	}
	days := int(c.number(ctxLogRetentionDays, 30))
	s.logRetention = retentionDays[days]
	if s.logRetention == "" && c.err == nil {
		c.err = fmt.Errorf("context %s: %d is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)", ctxLogRetentionDays, days)
	}
	for env, key := range limitContext {
		if v := c.str(key, ""); v != "" {
			s.limits[env] = v
		}
	}
	s.logLevel = awslambda.ApplicationLogLevel_INFO
	if v, ok := s.limits[envvar.LogLevel]; ok {
		levels := map[string]awslambda.ApplicationLogLevel{
			"DEBUG": awslambda.ApplicationLogLevel_DEBUG, "INFO": awslambda.ApplicationLogLevel_INFO,
			"WARN": awslambda.ApplicationLogLevel_WARN, "ERROR": awslambda.ApplicationLogLevel_ERROR,
		}
		if s.logLevel, ok = levels[strings.ToUpper(v)]; !ok {
			return s, fmt.Errorf("context %s: %q is none of debug, info, warn, error", limitContext[envvar.LogLevel], v)
		}
	}
	theme, err := readTheme(node)
	if err != nil {
		return s, err
	}
	s.theme = theme
	if (s.userPoolID == "") != (s.userPoolClientID == "") {
		return s, fmt.Errorf("context %s and %s go together: give both or neither", ctxUserPoolID, ctxUserPoolClientID)
	}
	for _, e := range append(slices.Clone(s.alarmEmails), s.urgentAlertEmails...) {
		if !strings.Contains(e, "@") {
			return s, fmt.Errorf("context %s: %q is not an e-mail address", ctxAlarmEmails, e)
		}
	}
	for _, o := range s.allowedOrigins {
		if !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://localhost") {
			return s, fmt.Errorf("context %s: %q is not an https origin", ctxAllowedOrigins, o)
		}
	}
	return s, c.err
}

// readTheme reads the theme context: a JSON object (cdk.json) or a JSON
// string (-c theme='{...}'), checked by webconfig.Theme.Validate.
func readTheme(node constructs.Node) (webconfig.Theme, error) {
	var t webconfig.Theme
	key := ctxTheme
	v := node.TryGetContext(&key)
	if v == nil {
		return t, nil
	}
	raw, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			return t, fmt.Errorf("context %s: %w", ctxTheme, err)
		}
		raw = string(b)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return t, fmt.Errorf("context %s: not a theme object: %w", ctxTheme, err)
	}
	if err := t.Validate(); err != nil {
		return t, fmt.Errorf("context %s: %w", ctxTheme, err)
	}
	return t, nil
}

// contextReader reads typed context values and keeps the first error.
type contextReader struct {
	node constructs.Node
	err  error
}

func (c *contextReader) raw(key string) (string, bool) {
	v := c.node.TryGetContext(&key)
	if v == nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v), v != ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, p := range v {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, ","), true
	default:
		return fmt.Sprint(v), true
	}
}

// jsonText returns a context value as JSON text: a string as it is given
// (the command line's -c key='[...]'), anything else (cdk.json's arrays and
// objects) marshalled; "" when it is not given.
func (c *contextReader) jsonText(key string) string {
	v := c.node.TryGetContext(&key)
	if s, ok := v.(string); ok || v == nil {
		return strings.TrimSpace(s)
	}
	b, err := json.Marshal(v)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("context %s: %w", key, err)
	}
	return string(b)
}

func (c *contextReader) str(key, def string) string {
	if v, ok := c.raw(key); ok {
		return v
	}
	return def
}

func (c *contextReader) number(key string, def float64) float64 {
	v, ok := c.raw(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 {
		if c.err == nil {
			c.err = fmt.Errorf("context %s: %q is not a positive number", key, v)
		}
		return def
	}
	return n
}

func (c *contextReader) boolean(key string, def bool) bool {
	v, ok := c.raw(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		if c.err == nil {
			c.err = fmt.Errorf("context %s: %q is not true or false", key, v)
		}
		return def
	}
	return b
}

// originList reads a comma-separated list of origins, each without the
// trailing slash people copy from an address bar (an Origin has no path).
func originList(s string) []string {
	out := textlist.Split(s)
	for i, o := range out {
		out[i] = strings.TrimSuffix(o, "/")
	}
	return out
}
