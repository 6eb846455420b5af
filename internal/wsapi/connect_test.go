package wsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/chat"
)

// handshake is a $connect request as a browser makes it.
type handshake struct {
	connectionID string
	// origin is the Origin header; "" sends none.
	origin string
	// originHeader is the header's name as sent (default "Origin").
	originHeader string
	// query is the connect URL's query string parameters.
	query    map[string]string
	sourceIP string
}

// connectEvent builds the $connect event of h from aws-lambda-go's captured
// WebSocket request.
func connectEvent(t *testing.T, h handshake) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	ev := event(t, "apigw-websocket-request.json")
	ev.RequestContext.RouteKey, ev.RequestContext.EventType = "$connect", "CONNECT"
	ev.RequestContext.ConnectionID = h.connectionID
	ev.RequestContext.Authorizer = nil
	ev.Body = ""
	if h.origin != "" {
		name := h.originHeader
		if name == "" {
			name = "Origin"
		}
		ev.Headers[name] = h.origin
		ev.MultiValueHeaders[name] = []string{h.origin}
	}
	ev.QueryStringParameters = h.query
	ev.MultiValueQueryStringParameters = map[string][]string{}
	for k, v := range h.query {
		ev.MultiValueQueryStringParameters[k] = []string{v}
	}
	if h.sourceIP != "" {
		ev.RequestContext.Identity.SourceIP = h.sourceIP
	}
	return ev
}

// authorizerRequest is the authorizer's event for the $connect event ev.
func authorizerRequest(ev events.APIGatewayWebsocketProxyRequest) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       "arn:aws:execute-api:eu-west-1:123456789012:gy415nuibc/prod/$connect",
		Headers:                         ev.Headers,
		MultiValueHeaders:               ev.MultiValueHeaders,
		QueryStringParameters:           ev.QueryStringParameters,
		MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: ev.RequestContext.Identity.SourceIP},
		},
	}
}

// authorize runs the authorizer on the $connect event ev as API Gateway
// does, and returns the refusal API Gateway would answer (nil when it
// allows) and what it attaches to the connection's events.
func (s *stack) authorize(t *testing.T, ev events.APIGatewayWebsocketProxyRequest) (*events.APIGatewayProxyResponse, map[string]any) {
	t.Helper()
	payload, err := json.Marshal(authorizerRequest(ev))
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(s.App.WebSocket.Authorize).Invoke(context.Background(), payload)
	if err != nil {
		if err.Error() == "Unauthorized" {
			return &events.APIGatewayProxyResponse{StatusCode: http.StatusUnauthorized, Body: `{"message":"Unauthorized"}`}, nil
		}
		return &events.APIGatewayProxyResponse{StatusCode: http.StatusInternalServerError}, nil
	}
	var res events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("authorizer response %s: %v", out, err)
	}
	st := res.PolicyDocument.Statement
	if res.PrincipalID == "" || len(st) != 1 || st[0].Effect != "Allow" || fmt.Sprint(st[0].Resource) != "["+authorizerRequest(ev).MethodArn+"]" {
		return &events.APIGatewayProxyResponse{StatusCode: http.StatusForbidden, Body: string(out)}, nil
	}
	attached := map[string]any{"principalId": res.PrincipalID, "integrationLatency": 3}
	for k, v := range res.Context {
		str, ok := v.(string)
		if !ok {
			t.Fatalf("authorizer context %s = %v (%T), want a string", k, v, v)
		}
		attached[k] = str
	}
	return nil, attached
}

// connect opens the connection of h as API Gateway does: the authorizer
// first, then $connect with what the authorizer attached.
func (s *stack) connect(t *testing.T, h handshake) events.APIGatewayProxyResponse {
	t.Helper()
	ev := connectEvent(t, h)
	refused, attached := s.authorize(t, ev)
	if refused != nil {
		return *refused
	}
	ev.RequestContext.Authorizer = attached
	res := invoke(t, s.App.WebSocket.Connect, ev)
	if res.StatusCode == http.StatusOK {
		s.attached.Store(h.connectionID, attached)
	}
	return res
}

// connected opens a connection for id (naming conversationID, or none) and
// returns its connection id.
func (s *stack) connected(t *testing.T, id chat.Identity, conversationID string) string {
	t.Helper()
	h := handshake{connectionID: newConnectionID(), origin: allowedOrigin,
		query: map[string]string{"ticket": s.ticket(t, id)}}
	if conversationID != "" {
		h.query["conversationId"] = conversationID
	}
	if id.IsStaff() {
		h.sourceIP = staffIP
	}
	if res := s.connect(t, h); res.StatusCode != http.StatusOK {
		t.Fatalf("connect %s: status %d, body %q", id.UserID, res.StatusCode, res.Body)
	}
	return h.connectionID
}

func TestConnect(t *testing.T) {
	s := newStack(t)
	alice, bob := client("alice-sub"), client("bob-sub")
	staff := counsellor("staff-sub")
	aliceConv, bobConv := s.open(t, alice), s.open(t, bob)
	const nonexistent = "01JDQ0000000000000000000ZZ"

	used := s.ticket(t, alice)
	s.connected(t, alice, aliceConv) // a connection of its own, not the one under test
	if res := s.connect(t, handshake{connectionID: newConnectionID(), origin: allowedOrigin,
		query: map[string]string{"ticket": used, "conversationId": aliceConv}}); res.StatusCode != http.StatusOK {
		t.Fatalf("first use of the ticket: status %d", res.StatusCode)
	}

	tests := []struct {
		name string
		// who gets a fresh ticket; nil sends none.
		who            *chat.Identity
		origin         string
		originHeader   string
		conversationID string
		sourceIP       string
		// query replaces the query string parameters entirely.
		query      map[string]string
		wantStatus int
		wantConn   *chat.Connection
	}{
		{name: "ClientNamingItsConversationIsAdmitted", who: &alice, origin: allowedOrigin, conversationID: aliceConv,
			wantStatus: 200, wantConn: &chat.Connection{UserID: alice.UserID, Role: chat.RoleClient, ConversationID: aliceConv}},
		{name: "LowerCaseOriginHeaderIsRead", who: &alice, origin: allowedOrigin, originHeader: "origin", conversationID: aliceConv,
			wantStatus: 200, wantConn: &chat.Connection{UserID: alice.UserID, Role: chat.RoleClient, ConversationID: aliceConv}},
		{name: "AnyConfiguredOriginIsAdmitted", who: &alice, origin: "http://localhost:8080", conversationID: aliceConv,
			wantStatus: 200, wantConn: &chat.Connection{UserID: alice.UserID, Role: chat.RoleClient, ConversationID: aliceConv}},
		{name: "StaffNamingNoConversationIsTheFeed", who: &staff, origin: allowedOrigin, sourceIP: staffIP,
			wantStatus: 200, wantConn: &chat.Connection{UserID: staff.UserID, Role: chat.RoleStaff}},
		{name: "StaffNamingAnyConversationIsAdmitted", who: &staff, origin: allowedOrigin, sourceIP: staffIP, conversationID: bobConv,
			wantStatus: 200, wantConn: &chat.Connection{UserID: staff.UserID, Role: chat.RoleStaff, ConversationID: bobConv}},

		{name: "OriginMissingIsForbidden", who: &alice, conversationID: aliceConv, wantStatus: 403},
		{name: "ForeignOriginIsForbidden", who: &alice, origin: "https://evil.example", conversationID: aliceConv, wantStatus: 403},
		{name: "AllowedOriginAsPrefixIsForbidden", who: &alice, origin: "https://allowed.example.evil.com", conversationID: aliceConv, wantStatus: 403},
		{name: "AllowedOriginAsSuffixIsForbidden", who: &alice, origin: "https://evil-allowed.example", conversationID: aliceConv, wantStatus: 403},
		{name: "AllowedOriginUnderSubdomainIsForbidden", who: &alice, origin: "https://evil.allowed.example", conversationID: aliceConv, wantStatus: 403},
		{name: "AllowedHostOverHTTPIsForbidden", who: &alice, origin: "http://allowed.example", conversationID: aliceConv, wantStatus: 403},
		{name: "AllowedHostOnAnotherPortIsForbidden", who: &alice, origin: "https://allowed.example:8443", conversationID: aliceConv, wantStatus: 403},
		{name: "NullOriginIsForbidden", who: &alice, origin: "null", conversationID: aliceConv, wantStatus: 403},

		{name: "NoTicketIsUnauthorized", origin: allowedOrigin, query: map[string]string{"conversationId": aliceConv}, wantStatus: 401},
		{name: "UnknownTicketIsUnauthorized", origin: allowedOrigin,
			query: map[string]string{"ticket": strings.Repeat("A", 43), "conversationId": aliceConv}, wantStatus: 401},
		{name: "MalformedTicketIsUnauthorized", origin: allowedOrigin,
			query: map[string]string{"ticket": "not a ticket", "conversationId": aliceConv}, wantStatus: 401},
		{name: "ReusedTicketIsUnauthorized", origin: allowedOrigin,
			query: map[string]string{"ticket": used, "conversationId": aliceConv}, wantStatus: 401},
		{name: "AccessTokenInsteadOfTicketIsUnauthorized", origin: allowedOrigin,
			query: map[string]string{"token": s.Issuer.AccessToken(alice.UserID, alice.Username, nil), "conversationId": aliceConv}, wantStatus: 401},
		{name: "AccessTokenAsTicketIsUnauthorized", origin: allowedOrigin,
			query: map[string]string{"ticket": s.Issuer.AccessToken(alice.UserID, alice.Username, nil), "conversationId": aliceConv}, wantStatus: 401},

		{name: "ClientNamingAnotherClientsConversationIsForbidden", who: &alice, origin: allowedOrigin, conversationID: bobConv, wantStatus: 403},
		{name: "ClientNamingANonexistentConversationIsForbidden", who: &alice, origin: allowedOrigin, conversationID: nonexistent, wantStatus: 403},
		{name: "ClientNamingAMalformedConversationIsForbidden", who: &alice, origin: allowedOrigin, conversationID: "../" + aliceConv, wantStatus: 403},
		{name: "ClientNamingNoConversationIsForbidden", who: &alice, origin: allowedOrigin, wantStatus: 403},
		{name: "StaffFromOutsideTheStaffNetworkIsForbidden", who: &staff, origin: allowedOrigin, sourceIP: "198.51.100.9", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := handshake{connectionID: newConnectionID(), origin: tt.origin, originHeader: tt.originHeader,
				query: tt.query, sourceIP: tt.sourceIP}
			if tt.who != nil {
				h.query = map[string]string{"ticket": s.ticket(t, *tt.who)}
				if tt.conversationID != "" {
					h.query["conversationId"] = tt.conversationID
				}
			}
			res := s.connect(t, h)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", res.StatusCode, tt.wantStatus, res.Body)
			}
			got, stored := s.connection(t, h.connectionID)
			if tt.wantConn == nil {
				if stored {
					t.Errorf("refused connection was stored: %+v", got)
				}
				return
			}
			if !stored {
				t.Fatal("admitted connection is not stored")
			}
			if got.UserID != tt.wantConn.UserID || got.Role != tt.wantConn.Role || got.ConversationID != tt.wantConn.ConversationID {
				t.Errorf("stored connection = user %q role %q conversation %q, want %q %q %q",
					got.UserID, got.Role, got.ConversationID, tt.wantConn.UserID, tt.wantConn.Role, tt.wantConn.ConversationID)
			}
			if got.IsFeed() != (tt.wantConn.Role == chat.RoleStaff && tt.wantConn.ConversationID == "") {
				t.Errorf("stored connection IsFeed = %v", got.IsFeed())
			}
		})
	}
}

// TestConnectRefusalDoesNotRevealExistence: a client naming another
// client's conversation is answered exactly as one naming none that exists.
func TestConnectRefusalDoesNotRevealExistence(t *testing.T) {
	s := newStack(t)
	alice, bob := client("alice-sub"), client("bob-sub")
	bobConv := s.open(t, bob)
	s.open(t, alice)
	refuse := func(conversationID string) events.APIGatewayProxyResponse {
		return s.connect(t, handshake{connectionID: newConnectionID(), origin: allowedOrigin,
			query: map[string]string{"ticket": s.ticket(t, alice), "conversationId": conversationID}})
	}
	foreign, missing := refuse(bobConv), refuse("01JDQ0000000000000000000ZZ")
	if foreign.StatusCode != http.StatusForbidden || foreign.StatusCode != missing.StatusCode || foreign.Body != missing.Body {
		t.Errorf("another's conversation: %d %q; nonexistent: %d %q; want the same 403",
			foreign.StatusCode, foreign.Body, missing.StatusCode, missing.Body)
	}
}

func TestConnectionCap(t *testing.T) {
	s := newStack(t)
	alice := client("alice-sub")
	conv := s.open(t, alice)
	var ids []string
	for range 5 {
		ids = append(ids, s.connected(t, alice, conv))
	}
	sixth := handshake{connectionID: newConnectionID(), origin: allowedOrigin,
		query: map[string]string{"ticket": s.ticket(t, alice), "conversationId": conv}}
	if res := s.connect(t, sixth); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sixth connection: status %d, want 429 (body %q)", res.StatusCode, res.Body)
	}
	if _, stored := s.connection(t, sixth.connectionID); stored {
		t.Error("sixth connection was stored")
	}
	if res := s.disconnect(t, ids[0]); res.StatusCode != http.StatusOK {
		t.Fatalf("disconnect: status %d", res.StatusCode)
	}
	s.connected(t, alice, conv) // room again after one closed
}
