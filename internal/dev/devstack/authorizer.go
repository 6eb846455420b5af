package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/routes"
)

// authorizerEvent is the event of a WebSocket Lambda REQUEST authorizer:
// the upgrade request's headers and query string, and the requestContext
// of the $connect it guards. (aws-lambda-go's
// APIGatewayCustomAuthorizerRequestTypeRequest reads it; its
// requestContext type lacks the WebSocket fields, so the event is written
// with the WebSocket one.)
type authorizerEvent struct {
	Type                            string                                        `json:"type"`
	MethodArn                       string                                        `json:"methodArn"`
	Headers                         map[string]string                             `json:"headers"`
	MultiValueHeaders               map[string][]string                           `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string                             `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string                           `json:"multiValueQueryStringParameters"`
	StageVariables                  map[string]string                             `json:"stageVariables"`
	RequestContext                  events.APIGatewayWebsocketProxyRequestContext `json:"requestContext"`
}

// unauthorizedMessage is the error message with which a Lambda authorizer
// makes API Gateway answer 401.
const unauthorizedMessage = "Unauthorized"

// authorize runs the route table's $connect authorizer for the $connect
// event ev as API Gateway does, and returns the requestContext.authorizer
// of every event of the connection (as JSON), or the status refusing the
// upgrade:
// 401 when an identity source is missing (the authorizer is not invoked)
// or the authorizer fails with "Unauthorized"; 403 when its policy does not
// allow $connect; 500 when it fails otherwise or answers something API
// Gateway would not take (no principalId, a context value that is not a
// string, number or boolean).
func (g *Gateway) authorize(r *http.Request, ev events.APIGatewayWebsocketProxyRequest) (json.RawMessage, int) {
	spec := routes.WebSocketAuthorizer
	if !identityPresent(spec.IdentitySource, r) {
		return nil, http.StatusUnauthorized
	}
	aev := authorizerEvent{
		Type:                            "REQUEST",
		MethodArn:                       g.methodArn(spec.Route),
		Headers:                         ev.Headers,
		MultiValueHeaders:               ev.MultiValueHeaders,
		QueryStringParameters:           ev.QueryStringParameters,
		MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		StageVariables:                  map[string]string{},
		RequestContext:                  ev.RequestContext,
	}
	start := time.Now()
	raw, err := g.invoke(context.Background(), spec.Function, aev)
	var fe *FunctionError
	switch {
	case errors.As(err, &fe) && fe.Err.Error() == unauthorizedMessage:
		return nil, http.StatusUnauthorized
	case err != nil:
		g.log.Error("authorizer failed", "connection", ev.RequestContext.ConnectionID, "error", err)
		return nil, http.StatusInternalServerError
	}
	var resp struct {
		PrincipalID    string                     `json:"principalId"`
		PolicyDocument events.IAMPolicyDocument   `json:"policyDocument"`
		Context        map[string]json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil || resp.PrincipalID == "" {
		g.log.Error("authorizer answer unusable", "connection", ev.RequestContext.ConnectionID, "error", err)
		return nil, http.StatusInternalServerError
	}
	if !allows(resp.PolicyDocument, aev.MethodArn) {
		return nil, http.StatusForbidden
	}
	attached, ok := stringified(resp.Context)
	if !ok {
		g.log.Error("authorizer context holds a value API Gateway refuses", "connection", ev.RequestContext.ConnectionID)
		return nil, http.StatusInternalServerError
	}
	attached["principalId"] = resp.PrincipalID
	attached["integrationLatency"] = time.Since(start).Milliseconds()
	out, err := json.Marshal(attached)
	if err != nil {
		return nil, http.StatusInternalServerError
	}
	return out, 0
}

// methodArn is the ARN API Gateway gives an authorizer for route.
func (g *Gateway) methodArn(route string) string {
	return "arn:aws:execute-api:local:" + accountID + ":" + webSocketAPIID + "/" + g.cfg.Stage + "/" + route
}

// identityPresent reports whether every identity source is in r, in API
// Gateway's syntax: route.request.querystring.<name> or
// route.request.header.<name>.
func identityPresent(sources []string, r *http.Request) bool {
	for _, src := range sources {
		if name, ok := strings.CutPrefix(src, "route.request.querystring."); ok {
			if r.URL.Query().Get(name) == "" {
				return false
			}
		} else if name, ok := strings.CutPrefix(src, "route.request.header."); ok {
			if r.Header.Get(name) == "" {
				return false
			}
		}
	}
	return true
}

// allows evaluates an authorizer's policy for execute-api:Invoke on arn as
// IAM does: an explicit Deny wins, else an Allow is needed.
func allows(doc events.IAMPolicyDocument, arn string) bool {
	allowed := false
	for _, st := range doc.Statement {
		if !anyMatches(st.Action, "execute-api:Invoke") || !anyMatches(st.Resource, arn) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

// anyMatches reports whether one of IAM's patterns (* and ? wildcards)
// matches s.
func anyMatches(patterns []string, s string) bool {
	for _, p := range patterns {
		expr := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if ok, _ := regexp.MatchString(expr, s); ok {
			return true
		}
	}
	return false
}

// stringified is an authorizer's context as API Gateway passes it on:
// strings as they are, numbers and booleans written as text. Any other
// value (object, array, null) makes API Gateway fail the connect.
func stringified(values map[string]json.RawMessage) (map[string]any, bool) {
	out := make(map[string]any, len(values)+2)
	for k, raw := range values {
		v := bytes.TrimSpace(raw)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, false
			}
			out[k] = s
		case string(v) == "true" || string(v) == "false":
			out[k] = string(v)
		case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
			var n json.Number
			if json.Unmarshal(v, &n) != nil {
				return nil, false
			}
			out[k] = n.String()
		default:
			return nil, false
		}
	}
	return out, true
}
