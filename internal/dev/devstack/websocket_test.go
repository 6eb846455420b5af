package devstack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
)

func TestConnectEventCarriesTheUpgradeRequest(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{Stage: "dev"})
	header := http.Header{"Origin": {"https://chat.example"}, "User-Agent": {"widget/1.0"}}
	before := time.Now()
	_, id := s.dial(t, "carries", &websocket.DialOptions{HTTPHeader: header})
	ev := s.rec.socketEvents(t, routes.Connect, id)[0]
	rc := ev.RequestContext
	host := strings.TrimPrefix(s.ws.URL, "http://")

	checks := []struct{ name, got, want string }{
		{"routeKey", rc.RouteKey, "$connect"},
		{"eventType", rc.EventType, "CONNECT"},
		{"stage", rc.Stage, "dev"},
		{"domainName", rc.DomainName, host},
		{"messageDirection", rc.MessageDirection, "IN"},
		{"identity.sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
		{"identity.userAgent", rc.Identity.UserAgent, "widget/1.0"},
		{"headers.Origin", ev.Headers["Origin"], "https://chat.example"},
		{"headers.Host", ev.Headers["Host"], host},
		{"headers.Sec-WebSocket-Version", ev.Headers["Sec-WebSocket-Version"], "13"},
		{"headers.X-Forwarded-For", ev.Headers["X-Forwarded-For"], "127.0.0.1"},
		{"multiValueHeaders.Origin", strings.Join(ev.MultiValueHeaders["Origin"], "|"), "https://chat.example"},
		{"queryStringParameters.tag", ev.QueryStringParameters["tag"], "carries"},
		{"multiValueQueryStringParameters.tag", strings.Join(ev.MultiValueQueryStringParameters["tag"], "|"), "carries"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if ev.Headers["Sec-WebSocket-Key"] == "" {
		t.Errorf("headers lack Sec-WebSocket-Key: %v", ev.Headers)
	}
	for _, hopByHop := range []string{"Connection", "Upgrade"} {
		if _, ok := ev.Headers[hopByHop]; ok {
			t.Errorf("headers carry hop-by-hop %s, which API Gateway drops", hopByHop)
		}
	}
	if rc.ConnectionID == "" || rc.RequestID == "" || rc.ExtendedRequestID == "" {
		t.Errorf("ids connectionId=%q requestId=%q extendedRequestId=%q, want all set", rc.ConnectionID, rc.RequestID, rc.ExtendedRequestID)
	}
	if rc.ConnectedAt < before.UnixMilli() || rc.ConnectedAt > time.Now().UnixMilli() || rc.RequestTimeEpoch < rc.ConnectedAt {
		t.Errorf("connectedAt %d, requestTimeEpoch %d, want both within the dial", rc.ConnectedAt, rc.RequestTimeEpoch)
	}
}

func TestFramesSelectRoutesByAction(t *testing.T) {
	tests := []struct {
		name, frame, route string
	}{
		{"CustomAction", `{"action":"sendMessage","text":"hi"}`, "sendMessage"},
		{"AnotherCustomAction", `{"action":"ping"}`, "ping"},
		{"UnknownActionIsDefault", `{"action":"launchRockets"}`, "$default"},
		{"NonJSONIsDefault", `hello there`, "$default"},
		{"ActionNotAStringIsDefault", `{"action":5}`, "$default"},
		{"JSONArrayIsDefault", `["action","ping"]`, "$default"},
		{"NoActionIsDefault", `{"text":"hi"}`, "$default"},
		{"ActionIsCaseSensitive", `{"Action":"ping"}`, "$default"},
		{"ReservedRouteIsDefault", `{"action":"$connect"}`, "$default"},
	}
	s := newStack(t, functions{}, GatewayConfig{})
	conn, id := s.dial(t, "routes", nil)
	for _, tt := range tests {
		if err := conn.Write(context.Background(), websocket.MessageText, []byte(tt.frame)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every frame", func() bool { return len(s.rec.socketEvents(t, routes.Message, id)) == len(tests) })
	got := s.rec.socketEvents(t, routes.Message, id)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := got[i] // one connection's frames are invoked in order
			if ev.Body != tt.frame {
				t.Fatalf("event %d body = %q, want %q", i, ev.Body, tt.frame)
			}
			if ev.RequestContext.RouteKey != tt.route {
				t.Errorf("routeKey = %q, want %q", ev.RequestContext.RouteKey, tt.route)
			}
			if ev.RequestContext.EventType != "MESSAGE" || ev.IsBase64Encoded || ev.RequestContext.MessageID == nil {
				t.Errorf("eventType %q, isBase64Encoded %v, messageId %v; want MESSAGE, false, set",
					ev.RequestContext.EventType, ev.IsBase64Encoded, ev.RequestContext.MessageID)
			}
		})
	}
}

func TestConnectResponseDecidesTheUpgrade(t *testing.T) {
	tests := []struct {
		name       string
		answer     events.APIGatewayProxyResponse
		err        error
		wantStatus int // 0: the socket opens
		wantBody   string
	}{
		{name: "UnauthorizedRefuses", answer: events.APIGatewayProxyResponse{StatusCode: 401, Body: `{"code":"unauthorized"}`}, wantStatus: 401, wantBody: `{"code":"unauthorized"}`},
		{name: "ForbiddenRefuses", answer: events.APIGatewayProxyResponse{StatusCode: 403}, wantStatus: 403},
		{name: "ErrorRefusesWith500", err: errFunction, wantStatus: 500, wantBody: "Internal server error"},
		{name: "OKConnects", answer: events.APIGatewayProxyResponse{StatusCode: 200}},
		{name: "NoStatusConnects", answer: events.APIGatewayProxyResponse{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{connect: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return tt.answer, tt.err
			}}, GatewayConfig{})
			conn, resp, err := websocket.Dial(context.Background(), s.socketURL("tag=x"), nil)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("dial: %v, want connected", err)
				}
				defer conn.CloseNow()
				if got := s.gw.Connections(); got != 1 {
					t.Errorf("Connections() = %d, want 1", got)
				}
				return
			}
			wantRefused(t, conn, resp, err, tt.wantStatus, tt.wantBody)
			if got := s.gw.Connections(); got != 0 {
				t.Errorf("Connections() = %d after refusal, want 0", got)
			}
			s.gw.Close()
			if got := len(s.rec.invocations(routes.Disconnect)); got != 0 {
				t.Errorf("$disconnect invoked %d times for a refused connection, want 0", got)
			}
		})
	}
}

func TestPlainRequestNeedsAnUpgrade(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	resp, err := http.Get(s.ws.URL + "/local")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("status = %d, want 426", resp.StatusCode)
	}
	if got := len(s.rec.invocations(routes.Connect)); got != 0 {
		t.Errorf("$connect invoked %d times for a plain GET, want 0", got)
	}
}

func TestConnectEchoesTheChosenSubprotocol(t *testing.T) {
	s := newStack(t, functions{connect: func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "confide.v1"}}, nil
	}}, GatewayConfig{})
	conn, _ := s.dial(t, "subprotocol", &websocket.DialOptions{Subprotocols: []string{"confide.v1", "other"}})
	if got := conn.Subprotocol(); got != "confide.v1" {
		t.Errorf("Subprotocol() = %q, want confide.v1", got)
	}
}

func TestDisconnectFiresOnceWhateverClosesTheSocket(t *testing.T) {
	tests := []struct {
		name       string
		cfg        GatewayConfig
		close      func(t *testing.T, s *stack, conn *websocket.Conn, id string)
		wantCode   websocket.StatusCode
		wantReason string
	}{
		{
			name: "ClientClose",
			close: func(t *testing.T, s *stack, conn *websocket.Conn, id string) {
				if err := conn.Close(websocket.StatusNormalClosure, "bye"); err != nil {
					t.Fatal(err)
				}
			},
			wantCode: websocket.StatusNormalClosure, wantReason: "bye",
		},
		{
			name: "ManagementDelete",
			close: func(t *testing.T, s *stack, conn *websocket.Conn, id string) {
				done := conn.CloseRead(context.Background())
				if _, err := s.mgmt.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id}); err != nil {
					t.Fatal(err)
				}
				<-done.Done()
			},
			wantCode: websocket.StatusNormalClosure,
		},
		{
			name:     "IdleTimeout",
			cfg:      GatewayConfig{IdleTimeout: 50 * time.Millisecond},
			close:    expectClose(websocket.StatusGoingAway),
			wantCode: websocket.StatusGoingAway, wantReason: "Going away",
		},
		{
			name:     "MaxLifetime",
			cfg:      GatewayConfig{MaxLifetime: 80 * time.Millisecond},
			close:    expectClose(websocket.StatusGoingAway),
			wantCode: websocket.StatusGoingAway, wantReason: "Going away",
		},
		{
			name: "GatewayClose",
			close: func(t *testing.T, s *stack, conn *websocket.Conn, id string) {
				done := conn.CloseRead(context.Background())
				s.gw.Close()
				<-done.Done()
			},
			wantCode: websocket.StatusGoingAway, wantReason: "Going away",
		},
		{
			name: "BinaryFrame",
			close: func(t *testing.T, s *stack, conn *websocket.Conn, id string) {
				if err := conn.Write(context.Background(), websocket.MessageBinary, []byte{0xff, 0x00}); err != nil {
					t.Fatal(err)
				}
				expectClose(websocket.StatusUnsupportedData)(t, s, conn, id)
			},
			wantCode: websocket.StatusUnsupportedData, wantReason: "Binary frames are not supported",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{}, tt.cfg)
			conn, id := s.dial(t, "closing", nil)
			tt.close(t, s, conn, id)
			ev := s.disconnected(t, id)
			s.gw.Close() // lets any second $disconnect happen before counting
			if got := len(s.rec.socketEvents(t, routes.Disconnect, id)); got != 1 {
				t.Errorf("$disconnect fired %d times, want once", got)
			}
			rc := ev.RequestContext
			if rc.RouteKey != "$disconnect" || rc.EventType != "DISCONNECT" {
				t.Errorf("routeKey %q eventType %q, want $disconnect DISCONNECT", rc.RouteKey, rc.EventType)
			}
			if rc.DisconnectStatusCode != int64(tt.wantCode) {
				t.Errorf("disconnectStatusCode = %d, want %d", rc.DisconnectStatusCode, tt.wantCode)
			}
			if rc.DisconnectReason == nil || *rc.DisconnectReason != tt.wantReason {
				t.Errorf("disconnectReason = %v, want %q", rc.DisconnectReason, tt.wantReason)
			}
			if got := s.gw.Connections(); got != 0 {
				t.Errorf("Connections() = %d after close, want 0", got)
			}
		})
	}
}

// expectClose waits for the gateway to close conn with code.
func expectClose(code websocket.StatusCode) func(*testing.T, *stack, *websocket.Conn, string) {
	return func(t *testing.T, _ *stack, conn *websocket.Conn, _ string) {
		t.Helper()
		if got := closeStatus(t, conn); got != code {
			t.Errorf("client saw close status %v, want %v", got, code)
		}
	}
}

func TestRouteResponseComesBackAsAFrame(t *testing.T) {
	s := newStack(t, functions{message: func(ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		switch ev.RequestContext.RouteKey {
		case "ping":
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"type":"pong"}`}, nil
		case "typing":
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		}
		return events.APIGatewayProxyResponse{}, errFunction
	}}, GatewayConfig{})
	conn, id := s.dial(t, "responses", nil)
	ctx := context.Background()

	send := func(frame string) {
		t.Helper()
		if err := conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		typ, frame, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageText {
			t.Errorf("frame type %v, want text", typ)
		}
		return string(frame)
	}

	t.Run("BodyIsSent", func(t *testing.T) {
		send(`{"action":"ping"}`)
		if got := read(); got != `{"type":"pong"}` {
			t.Errorf("frame = %s, want the route response", got)
		}
	})
	t.Run("EmptyBodySendsNothing", func(t *testing.T) {
		send(`{"action":"typing"}`)
		send(`{"action":"ping"}`)
		if got := read(); got != `{"type":"pong"}` {
			t.Errorf("first frame after an empty response = %s, want the next route response", got)
		}
	})
	t.Run("ErrorSendsInternalServerError", func(t *testing.T) {
		send(`{"action":"sendMessage"}`)
		var got map[string]string
		if err := json.Unmarshal([]byte(read()), &got); err != nil {
			t.Fatal(err)
		}
		evs := s.rec.socketEvents(t, routes.Message, id)
		last := evs[len(evs)-1]
		want := map[string]string{"message": "Internal server error", "connectionId": id, "requestId": last.RequestContext.RequestID}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("error frame %s = %q, want %q", k, got[k], v)
			}
		}
	})
}

func TestFrameSizeLimit(t *testing.T) {
	tests := []struct {
		name      string
		limit     int // MaxFrameBytes; 0 for the default 32 KiB
		size      int
		delivered bool
	}{
		{"AtTheLimitIsDelivered", 0, DefaultMaxFrameBytes, true},
		{"JustUnderIsDelivered", 0, DefaultMaxFrameBytes - 1, true},
		{"OverTheLimitCloses1009", 0, DefaultMaxFrameBytes + 1, false},
		{"ConfiguredLimitIsDelivered", 1000, 1000, true},
		{"OverAConfiguredLimitCloses1009", 1000, 1001, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{}, GatewayConfig{MaxFrameBytes: tt.limit})
			conn, id := s.dial(t, "limit", nil)
			frame := strings.Repeat("x", tt.size)
			if err := conn.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			if tt.delivered {
				waitFor(t, "the frame", func() bool { return len(s.rec.socketEvents(t, routes.Message, id)) == 1 })
				if got := s.rec.socketEvents(t, routes.Message, id)[0].Body; len(got) != tt.size {
					t.Errorf("delivered body of %d bytes, want %d", len(got), tt.size)
				}
				return
			}
			expectClose(websocket.StatusMessageTooBig)(t, s, conn, id)
			ev := s.disconnected(t, id)
			if got := ev.RequestContext.DisconnectStatusCode; got != int64(websocket.StatusMessageTooBig) {
				t.Errorf("disconnectStatusCode = %d, want 1009", got)
			}
			if got := len(s.rec.socketEvents(t, routes.Message, id)); got != 0 {
				t.Errorf("oversized frame invoked the message function %d times, want 0", got)
			}
		})
	}
}

// TestTextFrameOfInvalidUTF8Closes1007: RFC 6455 fails a connection whose
// text frame is not UTF-8 (1007); no function sees the frame, whose event
// could not carry it unaltered.
func TestTextFrameOfInvalidUTF8Closes1007(t *testing.T) {
	tests := []struct {
		name      string
		frame     string
		delivered bool
	}{
		{"ValidUTF8IsDelivered", `{"body":"héllo ☕"}`, true},
		{"InvalidByteCloses1007", `{"body":"hi ` + "\xff" + `"}`, false},
		{"TruncatedSequenceCloses1007", "\xe2\x98", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, functions{}, GatewayConfig{})
			conn, id := s.dial(t, "utf8", nil)
			if err := conn.Write(context.Background(), websocket.MessageText, []byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			if tt.delivered {
				waitFor(t, "the frame", func() bool { return len(s.rec.socketEvents(t, routes.Message, id)) == 1 })
				return
			}
			expectClose(websocket.StatusInvalidFramePayloadData)(t, s, conn, id)
			if got := s.disconnected(t, id).RequestContext.DisconnectStatusCode; got != int64(websocket.StatusInvalidFramePayloadData) {
				t.Errorf("disconnectStatusCode = %d, want 1007", got)
			}
			if got := len(s.rec.socketEvents(t, routes.Message, id)); got != 0 {
				t.Errorf("the frame invoked the message function %d times, want 0", got)
			}
		})
	}
}
