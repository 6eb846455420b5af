// Package routes is Confide's one route table: every function, every
// WebSocket route key and every HTTP route with the function that serves
// it. The CDK stack and the local gateway both read it, so the deployed API
// and the local one cannot drift apart. What each function reads from its
// environment is in internal/app/envvar, Confide's own metric in
// internal/app/metric, and the memory each function gets in infra/.
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

// The actions of docs/protocol.md: a client frame's "action", and the route
// key API Gateway selects with RouteSelectionExpression.
const (
	ActionSendMessage = "sendMessage"
	ActionTyping      = "typing"
	ActionMarkRead    = "markRead"
	ActionPing        = "ping"
)

// MaxFrameBytes is API Gateway's WebSocket frame limit: the gateway (and
// the local one) closes the connection with 1009 above it, the handler
// refuses it too, and the clients check it before sending.
const MaxFrameBytes = 32 * 1024

// WebSocket lists every WebSocket route of the API.
var WebSocket = []WebSocketRoute{
	{Key: "$connect", Function: Connect},
	{Key: "$disconnect", Function: Disconnect},
	{Key: "$default", Function: Message},
	{Key: ActionSendMessage, Function: Message},
	{Key: ActionTyping, Function: Message},
	{Key: ActionMarkRead, Function: Message},
	{Key: ActionPing, Function: Message},
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
	{Method: "PUT", Path: "/me", Function: API},
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
	{Method: "POST", Path: "/conversations/{id}/assign", Function: API},
	{Method: "PUT", Path: "/conversations/{id}/risk", Function: API},
	{Method: "POST", Path: "/conversations/{id}/close", Function: API},
	{Method: "POST", Path: "/conversations/{id}/feedback", Function: API},
	{Method: "GET", Path: "/availability", Function: API},
	{Method: "GET", Path: "/widget/messages", Function: API},
	{Method: "GET", Path: "/stats", Function: API},
	{Method: "GET", Path: "/audit", Function: API},
	{Method: "GET", Path: "/staff", Function: API},
	{Method: "GET", Path: "/queue", Function: API},
}

// FunctionSpec describes one function: what it does and what it needs.
type FunctionSpec struct {
	Name Function
	// Description is shown in the Lambda console.
	Description string
	// Pushes is true when the function posts to WebSocket connections and so
	// needs execute-api:ManageConnections on the WebSocket stage.
	Pushes bool
	// Timeout is the longest an invocation may run, on AWS and in the local
	// stack alike.
	Timeout time.Duration
}

// Functions lists every function of Confide.
var Functions = []FunctionSpec{
	{Name: Authorizer, Description: "WebSocket $connect authorizer: origin, ticket, conversation access, revocation",
		Timeout: 10 * time.Second},
	{Name: Connect, Description: "WebSocket $connect: connection cap, stores the connection",
		Timeout: 10 * time.Second},
	{Name: Message, Description: "WebSocket actions: sendMessage, typing, markRead, ping",
		Pushes: true, Timeout: 10 * time.Second},
	{Name: Disconnect, Description: "WebSocket $disconnect: forget the connection",
		Pushes: true, Timeout: 10 * time.Second},
	{Name: API, Description: "HTTP API of conversations, messages, stats and audit",
		Pushes: true, Timeout: 15 * time.Second},
	{Name: Retention, Description: "Scheduled sweep: expired items, idle sessions, stale and revoked connections",
		Pushes: true, Timeout: 5 * time.Minute},
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
