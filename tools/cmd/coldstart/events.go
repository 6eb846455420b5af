package main

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/routes"
)

// firstEvent is the event each function's first invocation gets: a real
// request the function answers on its own or with a DynamoDB call to the
// embedded table, never with the token issuer (whose keys a function only
// fetches when a token arrives).
func firstEvent(fn string) []byte {
	var ev any
	switch routes.Function(fn) {
	case routes.Connect:
		// A browser on a site that is not allowed: refused with 403.
		ev = websocketEvent("$connect", "CONNECT", "", map[string]string{"Origin": "https://elsewhere.example"})
	case routes.Message:
		ev = websocketEvent("ping", "MESSAGE", `{"action":"ping"}`, nil)
	case routes.Disconnect:
		// Forgets a connection: one DynamoDB round trip.
		ev = websocketEvent("$disconnect", "DISCONNECT", "", nil)
	case routes.API:
		// No token: 401 without a call.
		ev = events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "GET /me", RawPath: "/me",
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "GET /me", Stage: "$default", RequestID: "cold",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/me", SourceIP: "127.0.0.1"},
			},
		}
	case routes.Retention:
		// A sweep of the empty table.
		ev = events.EventBridgeEvent{Version: "0", ID: "cold", DetailType: "Scheduled Event", Source: "aws.events", Region: "us-east-1"}
	case routes.Authorizer:
		// No ticket: refused without a call.
		ev = events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type: "REQUEST", MethodArn: "arn:aws:execute-api:us-east-1:000000000000:api/local/$connect",
			Headers:        map[string]string{"Origin": "https://elsewhere.example"},
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{Stage: "local", RequestID: "cold"},
		}
	default:
		ev = map[string]any{}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

func websocketEvent(route, eventType, body string, headers map[string]string) events.APIGatewayWebsocketProxyRequest {
	var ev events.APIGatewayWebsocketProxyRequest
	ev.Headers = headers
	ev.Body = body
	ev.RequestContext.RouteKey = route
	ev.RequestContext.EventType = eventType
	ev.RequestContext.ConnectionID = "Coldstart0000="
	ev.RequestContext.Stage = "local"
	ev.RequestContext.DomainName = "127.0.0.1"
	ev.RequestContext.RequestID = "cold"
	ev.RequestContext.Identity.SourceIP = "127.0.0.1"
	return ev
}
