// Package envvar names the environment variables Confide's functions read
// and says which function reads which. internal/app reads them
// (app.ConfigFromEnv); the CDK stack in infra/ sets on each function exactly
// the ones ReadBy lists; the local stack builds the same app.Config in
// process. It is a leaf: the stack imports it without the application.
package envvar

import "github.com/confidechat/confide/internal/routes"

// The names of the environment variables of Confide's functions.
const (
	// TableName is the DynamoDB table (required).
	TableName = "CONFIDE_TABLE_NAME"
	// Issuer is the Cognito user pool's token issuer URL.
	Issuer = "CONFIDE_ISSUER"
	// ClientID is the user pool's app client, the audience of its tokens.
	ClientID = "CONFIDE_CLIENT_ID"
	// StaffGroup is the Cognito group whose members are counsellors.
	StaffGroup = "CONFIDE_STAFF_GROUP"
	// SupervisorGroup is the Cognito group whose members are supervisors
	// (staff too).
	SupervisorGroup = "CONFIDE_SUPERVISOR_GROUP"
	// AllowedOrigins is the comma-separated origins WebSockets may open from.
	AllowedOrigins = "CONFIDE_ALLOWED_ORIGINS"
	// ManagementEndpoint is the WebSocket stage's callback URL.
	ManagementEndpoint = "CONFIDE_MANAGEMENT_ENDPOINT"
	// MaxMessageChars is the longest message body, in characters.
	MaxMessageChars = "CONFIDE_MAX_MESSAGE_CHARS"
	// RateLimit is the messages a person may send per RateWindow.
	RateLimit = "CONFIDE_RATE_LIMIT"
	// RateWindow is the window of RateLimit, a Go duration.
	RateWindow = "CONFIDE_RATE_WINDOW"
	// IdleTimeout is how long a session may go without a message before the
	// retention sweep closes it, a Go duration.
	IdleTimeout = "CONFIDE_IDLE_TIMEOUT"
	// ConnectionCap is the WebSocket connections a person may hold at once.
	ConnectionCap = "CONFIDE_CONNECTION_CAP"
	// StaffCIDRs, when set, are the comma-separated only networks staff may
	// use.
	StaffCIDRs = "CONFIDE_STAFF_CIDRS"
	// DynamoDBEndpoint overrides the DynamoDB endpoint (the local stack,
	// LocalStack; AWS never needs it).
	DynamoDBEndpoint = "CONFIDE_DYNAMODB_ENDPOINT"
	// LogLevel is the lowest level logged: debug, info, warn or error.
	LogLevel = "CONFIDE_LOG_LEVEL"
	// UserPoolID, when set, lets the retention sweep look up the accounts
	// holding connections (Cognito AdminGetUser).
	UserPoolID = "CONFIDE_USER_POOL_ID"
	// CognitoEndpoint overrides the Cognito endpoint (the local stack sets
	// it; AWS never needs it, like DynamoDBEndpoint).
	CognitoEndpoint = "CONFIDE_COGNITO_ENDPOINT"
	// KeyTableName names the table of wrapped data keys and KMSKeyID the
	// KMS key (an ARN) that wraps them: message encryption (internal/seal,
	// crypto-shredding). The stack sets them on the functions that seal,
	// open or destroy keys.
	KeyTableName = "CONFIDE_KEY_TABLE_NAME"
	// Triage "off" turns the safeguarding screening of client messages off,
	// for services whose policy forbids scanning; it is on otherwise.
	Triage = "CONFIDE_TRIAGE"
	// UrgentTopicARN is the SNS topic told when a waiting conversation
	// becomes urgent (its id and level only); unset: only the dashboards
	// are told.
	UrgentTopicARN = "CONFIDE_URGENT_TOPIC_ARN"
	KMSKeyID       = "CONFIDE_KMS_KEY_ID"
	// KMSEndpoint overrides the KMS endpoint (the local stack sets it; AWS
	// never needs it, like DynamoDBEndpoint).
	KMSEndpoint = "CONFIDE_KMS_ENDPOINT"
)

var (
	common     = []string{TableName, LogLevel}
	verifying  = []string{Issuer, ClientID, StaffGroup, SupervisorGroup}
	chatLimits = []string{MaxMessageChars, RateLimit, RateWindow, StaffCIDRs, ManagementEndpoint, Triage, UrgentTopicARN}
	// sealing are the variables of the functions that seal and open
	// message bodies (message, api) or destroy their keys (retention).
	sealing = []string{KeyTableName, KMSKeyID}
)

// ReadBy lists, for every function of routes.Functions, the variables it
// reads: the stack sets these on it and no others.
var ReadBy = map[routes.Function][]string{
	routes.Authorizer: join(common, []string{AllowedOrigins, StaffCIDRs}),
	routes.Connect:    join(common, []string{ConnectionCap}),
	routes.Message:    join(common, chatLimits, sealing),
	routes.Disconnect: join(common, []string{ManagementEndpoint}),
	routes.API:        join(common, verifying, chatLimits, sealing),
	routes.Retention:  join(common, []string{IdleTimeout, ManagementEndpoint, UserPoolID}, sealing),
}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
