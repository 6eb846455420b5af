package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
)

func TestAuthorizerContextRidesEveryEventOfTheConnection(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{Stage: "dev"})
	header := http.Header{"Origin": {"https://chat.example"}}
	conn, id := s.dial(t, "context", &websocket.DialOptions{HTTPHeader: header})
	if err := conn.Write(context.Background(), websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the frame", func() bool { return len(s.rec.socketEvents(t, routes.Message, id)) == 1 })
	if err := conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	s.disconnected(t, id)

	calls := s.rec.invocations(routes.Authorizer)
	if len(calls) != 1 {
		t.Fatalf("authorizer invoked %d times, want 1", len(calls))
	}
	var got struct {
		Type           string            `json:"type"`
		MethodArn      string            `json:"methodArn"`
		Headers        map[string]string `json:"headers"`
		Query          map[string]string `json:"queryStringParameters"`
		RequestContext struct {
			RouteKey     string `json:"routeKey"`
			EventType    string `json:"eventType"`
			ConnectionID string `json:"connectionId"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(calls[0].payload, &got); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"type", got.Type, "REQUEST"},
		{"methodArn", got.MethodArn, "arn:aws:execute-api:local:000000000000:confidews0/dev/$connect"},
		{"headers.Origin", got.Headers["Origin"], "https://chat.example"},
		{"queryStringParameters.ticket", got.Query["ticket"], "test-ticket"},
		{"requestContext.routeKey", got.RequestContext.RouteKey, "$connect"},
		{"requestContext.eventType", got.RequestContext.EventType, "CONNECT"},
		{"requestContext.connectionId", got.RequestContext.ConnectionID, id},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("authorizer event %s = %q, want %q", c.name, c.got, c.want)
		}
	}

	// API Gateway passes the context on with its values as strings, and
	// adds the principal and the authorizer's latency.
	want := map[string]any{"userId": "user-1", "sessions": "2", "staff": "false", "principalId": "user-1"}
	for _, fn := range []routes.Function{routes.Connect, routes.Message, routes.Disconnect} {
		evs := s.rec.socketEvents(t, fn, id)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events, want 1", fn, len(evs))
		}
		attached, _ := evs[0].RequestContext.Authorizer.(map[string]any)
		if _, ok := attached["integrationLatency"].(float64); !ok {
			t.Errorf("%s: integrationLatency = %v, want a number", fn, attached["integrationLatency"])
		}
		delete(attached, "integrationLatency")
		if !reflect.DeepEqual(attached, want) {
			t.Errorf("%s: requestContext.authorizer = %v, want %v", fn, attached, want)
		}
	}
}

func TestAuthorizerDecidesTheUpgrade(t *testing.T) {
	allowOn := func(resource string) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return func(req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			resp := allow(req, nil)
			resp.PolicyDocument.Statement[0].Resource = []string{resource}
			return resp, nil
		}
	}
	answer := func(edit func(*events.APIGatewayCustomAuthorizerResponse, events.APIGatewayCustomAuthorizerRequestTypeRequest)) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return func(req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			resp := allow(req, map[string]any{"userId": "user-1"})
			edit(&resp, req)
			return resp, nil
		}
	}
	fail := func(err error) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
			return events.APIGatewayCustomAuthorizerResponse{}, err
		}
	}
	tests := []struct {
		name       string
		query      string
		authorizer func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)
		wantStatus int // 0: the socket opens
		wantBody   string
		// invoked says whether the authorizer runs at all.
		invoked bool
	}{
		{name: "AllowConnects", query: "ticket=t", invoked: true},
		{name: "AllowOnEveryRouteConnects", query: "ticket=t", authorizer: allowOn("arn:aws:execute-api:local:000000000000:confidews0/*"), invoked: true},
		{name: "NoTicketIs401WithoutTheAuthorizer", query: "conversationId=c1", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "EmptyTicketIs401WithoutTheAuthorizer", query: "ticket=", wantStatus: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "UnauthorizedErrorIs401", query: "ticket=t", authorizer: fail(errors.New("Unauthorized")), wantStatus: 401,
			wantBody: `{"message":"Unauthorized"}`, invoked: true},
		{name: "DenyIs403", query: "ticket=t", invoked: true, wantStatus: 403, wantBody: `{"message":"Forbidden"}`,
			authorizer: answer(func(r *events.APIGatewayCustomAuthorizerResponse, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) {
				r.PolicyDocument.Statement[0].Effect = "Deny"
			})},
		{name: "DenyWinsOverAllow", query: "ticket=t", invoked: true, wantStatus: 403,
			authorizer: answer(func(r *events.APIGatewayCustomAuthorizerResponse, req events.APIGatewayCustomAuthorizerRequestTypeRequest) {
				r.PolicyDocument.Statement = append(r.PolicyDocument.Statement,
					events.IAMPolicyStatement{Action: []string{"execute-api:*"}, Effect: "Deny", Resource: []string{"*"}})
			})},
		{name: "AllowOfAnotherRouteIs403", query: "ticket=t", invoked: true, wantStatus: 403,
			authorizer: allowOn("arn:aws:execute-api:local:000000000000:confidews0/local/$disconnect")},
		{name: "AllowOfAnotherActionIs403", query: "ticket=t", invoked: true, wantStatus: 403,
			authorizer: answer(func(r *events.APIGatewayCustomAuthorizerResponse, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) {
				r.PolicyDocument.Statement[0].Action = []string{"execute-api:ManageConnections"}
			})},
		{name: "OtherErrorIs500", query: "ticket=t", authorizer: fail(errors.New("unauthorized: ticket used")), invoked: true,
			wantStatus: 500, wantBody: `{"message":"Internal server error"}`},
		{name: "NoPrincipalIs500", query: "ticket=t", invoked: true, wantStatus: 500,
			authorizer: answer(func(r *events.APIGatewayCustomAuthorizerResponse, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) {
				r.PrincipalID = ""
			})},
		{name: "NestedContextValueIs500", query: "ticket=t", invoked: true, wantStatus: 500,
			authorizer: answer(func(r *events.APIGatewayCustomAuthorizerResponse, _ events.APIGatewayCustomAuthorizerRequestTypeRequest) {
				r.Context["user"] = map[string]any{"id": 1}
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{authorizer: tt.authorizer}, GatewayConfig{})
			conn, resp, err := websocket.Dial(context.Background(), s.bareSocketURL(tt.query), nil)
			if got := len(s.rec.invocations(routes.Authorizer)) == 1; got != tt.invoked {
				t.Errorf("authorizer invoked: %v, want %v", got, tt.invoked)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("dial: %v, want connected", err)
				}
				defer conn.CloseNow()
				if got := len(s.rec.invocations(routes.Connect)); got != 1 {
					t.Errorf("$connect invoked %d times, want 1", got)
				}
				return
			}
			wantRefused(t, conn, resp, err, tt.wantStatus, tt.wantBody)
			if got := len(s.rec.invocations(routes.Connect)); got != 0 {
				t.Errorf("$connect invoked %d times after the authorizer refused, want 0", got)
			}
		})
	}
}
