package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/testkit/apigw"
)

// freeForm are the objects whose keys are data (header names, parameters),
// not part of the event's shape.
var freeForm = map[string]bool{
	"headers": true, "multiValueHeaders": true, "queryStringParameters": true,
	"multiValueQueryStringParameters": true, "pathParameters": true, "stageVariables": true,
	"requestContext.authorizer": true,
}

// shape maps every key path of a JSON document to its JSON type.
func shape(t *testing.T, doc []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if path != "" {
				out[path] = "object"
			}
			if freeForm[path] {
				return
			}
			for k, child := range v {
				walk(strings.TrimPrefix(path+"."+k, "."), child)
			}
		case []any:
			out[path] = "array"
		case string:
			out[path] = "string"
		case float64:
			out[path] = "number"
		case bool:
			out[path] = "bool"
		case nil:
			out[path] = "null"
		}
	}
	walk("", v)
	return out
}

func sample(t *testing.T, name string) map[string]string {
	t.Helper()
	return shape(t, apigw.Event(t, name))
}

// within reports the keys of got missing from want or typed differently.
func within(got, want map[string]string) []string {
	var bad []string
	for k, typ := range got {
		if want[k] != typ {
			bad = append(bad, k+" ("+typ+" vs "+want[k]+")")
		}
	}
	slices.Sort(bad)
	return bad
}

// roundTrip checks raw survives decoding into the events type and encoding
// again unchanged: the gateway sent nothing the type does not know.
func roundTrip[E any](t *testing.T, raw []byte) {
	t.Helper()
	var ev E
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode into %T: %v", ev, err)
	}
	again, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shape(t, raw), shape(t, again)) || !jsonEqual(t, raw, again) {
		t.Errorf("round trip through %T changed the event:\n got %s\nwant %s", ev, again, raw)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestEventShapesMatchAPIGatewaySamples(t *testing.T) {
	s := newStack(t, functions{
		api: func(events.APIGatewayV2HTTPRequest) (any, error) {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
		},
	}, GatewayConfig{})
	header := http.Header{"Origin": {"https://chat.example"}, "User-Agent": {"shape-test"}}
	conn, id := s.dial(t, "shapes", &websocket.DialOptions{HTTPHeader: header})
	if err := conn.Write(context.Background(), websocket.MessageText, []byte(`{"action":"sendMessage","text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message", func() bool { return len(s.rec.invocations(routes.Message)) == 1 })
	if err := conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	s.disconnected(t, id)

	req, _ := http.NewRequest(http.MethodPost, s.api.URL+"/conversations/c1/messages?limit=5", strings.NewReader(`{"text":"hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "a=1; b=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	payload := func(fn routes.Function) []byte {
		calls := s.rec.invocations(fn)
		if len(calls) != 1 {
			t.Fatalf("%s invoked %d times, want 1", fn, len(calls))
		}
		return calls[0].payload
	}
	wsSample := func(name string) map[string]string { return sample(t, name) }
	authorized := map[string]string{"requestContext.authorizer": "object"}
	tests := []struct {
		name    string
		payload []byte
		// upTo holds every key the event may have, exactly the keys unless
		// required is set, in which case these keys are all it needs.
		upTo      map[string]string
		required  map[string]string
		roundTrip func(*testing.T, []byte)
	}{
		{
			name:    "Connect",
			payload: payload(routes.Connect),
			// The CONNECT sample is a REST/WebSocket hybrid with every
			// optional key; a real $connect has the subset AWS documents.
			upTo: wsSample("apigw-websocket-request.json"),
			required: map[string]string{
				"headers": "object", "multiValueHeaders": "object", "queryStringParameters": "object",
				"multiValueQueryStringParameters": "object", "isBase64Encoded": "bool",
				"requestContext.routeKey": "string", "requestContext.eventType": "string",
				"requestContext.connectionId": "string", "requestContext.connectedAt": "number",
				"requestContext.domainName": "string", "requestContext.stage": "string",
				"requestContext.apiId": "string", "requestContext.requestId": "string",
				"requestContext.extendedRequestId": "string", "requestContext.messageDirection": "string",
				"requestContext.requestTime": "string", "requestContext.requestTimeEpoch": "number",
				"requestContext.identity.sourceIp": "string", "requestContext.identity.userAgent": "string",
				"requestContext.authorizer": "object",
			},
			roundTrip: roundTrip[events.APIGatewayWebsocketProxyRequest],
		},
		// The MESSAGE and DISCONNECT samples come from an API without an
		// authorizer; with one, requestContext.authorizer is added.
		{name: "Message", payload: payload(routes.Message), upTo: merge(wsSample("apigw-websocket-request-send-message.json"), authorized),
			required: wsSample("apigw-websocket-request-send-message.json"), roundTrip: roundTrip[events.APIGatewayWebsocketProxyRequest]},
		{name: "Disconnect", payload: payload(routes.Disconnect), upTo: merge(wsSample("apigw-websocket-request-disconnect.json"), authorized),
			required: wsSample("apigw-websocket-request-disconnect.json"), roundTrip: roundTrip[events.APIGatewayWebsocketProxyRequest]},
		{
			name:    "HTTPAPI",
			payload: payload(routes.API),
			// One sample has cookies, query and path parameters and a body;
			// the other is the minimal request every event must cover.
			upTo:      merge(wsSample("apigw-v2-request-jwt-authorizer.json"), wsSample("apigw-v2-request-no-authorizer.json")),
			required:  wsSample("apigw-v2-request-no-authorizer.json"),
			roundTrip: roundTrip[events.APIGatewayV2HTTPRequest],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.roundTrip(t, tt.payload)
			got := shape(t, tt.payload)
			if bad := within(got, tt.upTo); len(bad) > 0 {
				t.Errorf("keys not in the AWS sample: %v", bad)
			}
			required := tt.required
			if required == nil {
				required = tt.upTo
			}
			if missing := within(required, got); len(missing) > 0 {
				t.Errorf("keys of the AWS sample missing: %v", missing)
			}
		})
	}

	t.Run("DisconnectHeaders", func(t *testing.T) {
		var got, want events.APIGatewayWebsocketProxyRequest
		_ = json.Unmarshal(payload(routes.Disconnect), &got)
		_ = json.Unmarshal(apigw.Event(t, apigw.WebSocketDisconnect), &want)
		if g, w := slices.Sorted(maps.Keys(got.Headers)), slices.Sorted(maps.Keys(want.Headers)); !slices.Equal(g, w) {
			t.Errorf("$disconnect header names = %v, want %v", g, w)
		}
	})
	t.Run("BodyIsTheFrame", func(t *testing.T) {
		var ev events.APIGatewayWebsocketProxyRequest
		_ = json.Unmarshal(payload(routes.Message), &ev)
		if !bytes.Equal([]byte(ev.Body), []byte(`{"action":"sendMessage","text":"hi"}`)) {
			t.Errorf("body = %q, want the frame", ev.Body)
		}
	})
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
