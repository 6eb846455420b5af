// Package routes is Confide's one route table: every WebSocket route key,
// every HTTP route, the function that serves each and that function's
// environment. The CDK stack and the local gateway both read it, so the
// deployed API and the local one cannot drift apart.
package routes

import (
	"strings"
	"time"
)

// Function names one Lambda function of Confide. The name is also the folder
// under functions/ that holds its main package.
type Function string

// The six functions of Confide.
const (
	// Authorizer is the $connect route's Lambda REQUEST authorizer.
	Authorizer Function = "authorizer"
	Connect    Function = "connect"
	Message    Function = "message"
	Disconnect Function = "disconnect"
	API        Function = "api"
	Retention  Function = "retention"
)

// WebSocketRoute binds an API Gateway WebSocket route key to a function.
type WebSocketRoute struct {
	// Key is the route key: "$connect", "$disconnect", "$default" or an
	// action name matched by the route selection expression.
	Key      string
	Function Function
}

// HTTPRoute binds an HTTP API route to a function.
type HTTPRoute struct {
	Method string
	// Path uses API Gateway's syntax for path parameters, e.g.
	// "/conversations/{id}/messages/{mid}".
	Path     string
	Function Function
}

// Key returns the route key API Gateway puts in requestContext.routeKey,
// e.g. "GET /conversations/{id}".
func (r HTTPRoute) Key() string { return r.Method + " " + r.Path }

// Match reports whether method and path select this route and, if so, the
// path parameters named in Path.
func (r HTTPRoute) Match(method, path string) (map[string]string, bool) {
	if method != r.Method {
		return nil, false
	}
	want := strings.Split(strings.Trim(r.Path, "/"), "/")
	got := strings.Split(strings.Trim(path, "/"), "/")
	if len(want) != len(got) {
		return nil, false
	}
	var params map[string]string
	for i, seg := range want {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if got[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[seg[1:len(seg)-1]] = got[i]
			continue
		}
		if seg != got[i] {
			return nil, false
		}
	}
	return params, true
}

// RouteSelectionExpression is the WebSocket API's route selection expression.
const RouteSelectionExpression = "$request.body.action"

// WebSocket lists every WebSocket route of the API.
var WebSocket = []WebSocketRoute{
	{Key: "$connect", Function: Connect},
	{Key: "$disconnect", Function: Disconnect},
	{Key: "$default", Function: Message},
	{Key: "sendMessage", Function: Message},
	{Key: "typing", Function: Message},
	{Key: "markRead", Function: Message},
	{Key: "ping", Function: Message},
}

// WebSocketAuthorizerSpec is a Lambda REQUEST authorizer of the WebSocket
// API. API Gateway runs it before the route's function; it answers 401
// itself when an identity source is missing, and attaches the context the
// authorizer returns to the requestContext.authorizer of the route's event
// and of every later event of the connection.
type WebSocketAuthorizerSpec struct {
	// Name names the authorizer in the API.
	Name string
	// Route is the route it guards; API Gateway allows only $connect.
	Route    string
	Function Function
	// IdentitySource lists the request parts that must be present, in API
	// Gateway's syntax ("route.request.querystring.<name>" or
	// "route.request.header.<name>").
	IdentitySource []string
}

// WebSocketAuthorizer admits every WebSocket connection: it checks the
// Origin, consumes the one-time ticket of the query string and checks the
// conversation named, so each later frame arrives with the caller's
// identity and needs no read to know it.
var WebSocketAuthorizer = WebSocketAuthorizerSpec{
	Name:           "TicketAuthorizer",
	Route:          "$connect",
	Function:       Authorizer,
	IdentitySource: []string{"route.request.querystring.ticket"},
}

// HTTP lists every HTTP API route; all of them are served by the api function.
var HTTP = []HTTPRoute{
	{Method: "GET", Path: "/me", Function: API},
	{Method: "POST", Path: "/ws/ticket", Function: API},
	{Method: "POST", Path: "/conversations", Function: API},
	{Method: "GET", Path: "/conversations", Function: API},
	{Method: "GET", Path: "/conversations/{id}", Function: API},
	{Method: "DELETE", Path: "/conversations/{id}", Function: API},
	{Method: "GET", Path: "/conversations/{id}/messages", Function: API},
	{Method: "POST", Path: "/conversations/{id}/messages", Function: API},
	{Method: "PATCH", Path: "/conversations/{id}/messages/{mid}", Function: API},
	{Method: "DELETE", Path: "/conversations/{id}/messages/{mid}", Function: API},
	{Method: "POST", Path: "/conversations/{id}/read", Function: API},
	{Method: "PUT", Path: "/conversations/{id}/retention", Function: API},
	{Method: "POST", Path: "/conversations/{id}/claim", Function: API},
	{Method: "POST", Path: "/conversations/{id}/close", Function: API},
	{Method: "POST", Path: "/conversations/{id}/feedback", Function: API},
	{Method: "GET", Path: "/availability", Function: API},
	{Method: "GET", Path: "/widget/messages", Function: API},
	{Method: "GET", Path: "/stats", Function: API},
	{Method: "GET", Path: "/audit", Function: API},
}

// Environment variable names read by internal/app. The stack sets them on
// each function from FunctionSpec.Env; the local stack sets them in process.
const (
	EnvTableName          = "CONFIDE_TABLE_NAME"
	EnvIssuer             = "CONFIDE_ISSUER"
	EnvClientID           = "CONFIDE_CLIENT_ID"
	EnvStaffGroup         = "CONFIDE_STAFF_GROUP"
	EnvAllowedOrigins     = "CONFIDE_ALLOWED_ORIGINS"
	EnvManagementEndpoint = "CONFIDE_MANAGEMENT_ENDPOINT"
	EnvMaxMessageChars    = "CONFIDE_MAX_MESSAGE_CHARS"
	EnvRateLimit          = "CONFIDE_RATE_LIMIT"
	EnvRateWindow         = "CONFIDE_RATE_WINDOW"
	EnvIdleTimeout        = "CONFIDE_IDLE_TIMEOUT"
	EnvConnectionCap      = "CONFIDE_CONNECTION_CAP"
	EnvStaffCIDRs         = "CONFIDE_STAFF_CIDRS"
	EnvDynamoDBEndpoint   = "CONFIDE_DYNAMODB_ENDPOINT"
	EnvLogLevel           = "CONFIDE_LOG_LEVEL"
	// EnvUserPoolID, when set, lets the retention sweep look up the
	// accounts holding connections (Cognito AdminGetUser).
	EnvUserPoolID = "CONFIDE_USER_POOL_ID"
	// EnvCognitoEndpoint overrides the Cognito endpoint (the local stack
	// sets it; AWS never needs it, like EnvDynamoDBEndpoint).
	EnvCognitoEndpoint = "CONFIDE_COGNITO_ENDPOINT"
	// EnvKeyTableName names the table of wrapped data keys and EnvKMSKeyID
	// the KMS key (an ARN) that wraps them: message encryption
	// (internal/seal, crypto-shredding). The stack sets them on the
	// functions that seal, open or destroy keys; internal/app reads them
	// once message encryption is wired in.
	EnvKeyTableName = "CONFIDE_KEY_TABLE_NAME"
	EnvKMSKeyID     = "CONFIDE_KMS_KEY_ID"
)

// Confide's own CloudWatch metric: the retention function writes it as an
// embedded-metric log record after every sweep, and the stack alarms on it
// and graphs it. API Gateway counts new connections only; this is the
// number open at once.
const (
	// MetricsNamespace is the namespace of Confide's own metrics.
	MetricsNamespace = "Confide"
	// MetricsDimension names the deployment a value is of: its table.
	MetricsDimension = "Table"
	// OpenConnectionsMetric is the WebSocket connections open when a sweep
	// ended.
	OpenConnectionsMetric = "OpenConnections"
)

// FunctionSpec describes one function: what it serves and what it needs.
type FunctionSpec struct {
	Name Function
	// Description is shown in the Lambda console.
	Description string
	// Env lists the environment variables the function reads.
	Env []string
	// Pushes is true when the function posts to WebSocket connections and so
	// needs execute-api:ManageConnections on the WebSocket stage.
	Pushes  bool
	Timeout time.Duration
	// MemoryMB is the Lambda memory size.
	MemoryMB int
}

var common = []string{EnvTableName, EnvLogLevel}
var verifying = []string{EnvIssuer, EnvClientID, EnvStaffGroup}
var chatLimits = []string{EnvMaxMessageChars, EnvRateLimit, EnvRateWindow, EnvStaffCIDRs, EnvManagementEndpoint}

// sealing are the variables of the functions that seal and open message
// bodies (message, api) or destroy their keys (retention).
var sealing = []string{EnvKeyTableName, EnvKMSKeyID}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Functions lists every function of Confide. Memory sizes come from the
// measurements in docs/performance.md ("Lambda memory sizes"): every
// function peaks under 20 MB, so 128 MB; message gets 256 MB because its CPU
// time grows with the fan-out and the faster size costs the same.
var Functions = []FunctionSpec{
	{Name: Authorizer, Description: "WebSocket $connect authorizer: origin, ticket, conversation access, revocation",
		Env: join(common, []string{EnvAllowedOrigins, EnvStaffCIDRs}), Timeout: 10 * time.Second, MemoryMB: 128},
	{Name: Connect, Description: "WebSocket $connect: connection cap, stores the connection",
		Env: join(common, []string{EnvConnectionCap}), Timeout: 10 * time.Second, MemoryMB: 128},
	{Name: Message, Description: "WebSocket actions: sendMessage, typing, markRead, ping",
		Env: join(common, chatLimits, sealing), Pushes: true, Timeout: 10 * time.Second, MemoryMB: 256},
	{Name: Disconnect, Description: "WebSocket $disconnect: forget the connection",
		Env: join(common, []string{EnvManagementEndpoint}), Pushes: true, Timeout: 10 * time.Second, MemoryMB: 128},
	{Name: API, Description: "HTTP API of conversations, messages, stats and audit",
		Env: join(common, verifying, chatLimits, sealing), Pushes: true, Timeout: 15 * time.Second, MemoryMB: 128},
	{Name: Retention, Description: "Scheduled sweep: expired items, idle sessions, stale and revoked connections",
		Env: join(common, []string{EnvIdleTimeout, EnvManagementEndpoint, EnvUserPoolID}, sealing), Pushes: true,
		Timeout: 5 * time.Minute, MemoryMB: 128},
}

// Spec returns the spec of the named function.
func Spec(name Function) (FunctionSpec, bool) {
	for _, f := range Functions {
		if f.Name == name {
			return f, true
		}
	}
	return FunctionSpec{}, false
}

// SelectWebSocket returns the route key API Gateway would select for a frame
// whose action is action: the route of that name, or "$default".
func SelectWebSocket(action string) WebSocketRoute {
	if action != "" && !strings.HasPrefix(action, "$") {
		for _, r := range WebSocket {
			if r.Key == action {
				return r
			}
		}
	}
	for _, r := range WebSocket {
		if r.Key == "$default" {
			return r
		}
	}
	panic("routes: no $default route")
}
