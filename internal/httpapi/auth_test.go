package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/app/apptest"
	"github.com/confidechat/confide/internal/auth/authtest"
)

const unauthorizedBody = `{"error":{"code":"unauthorized","message":"Please sign in again."}}`

func TestRequestsNeedAValidBearerToken(t *testing.T) {
	s := newStack(t)
	const sub = "3f1c2a9e-0000-4000-8000-00000000c001"
	valid := s.clientToken(sub)
	// A client's token whose payload claims the staff group, under the
	// original signature.
	staffPayload := strings.Split(s.Issuer.AccessToken(sub, "client-"+sub, []string{"staff"}), ".")[1]
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + staffPayload + "." + parts[2]
	other := authtest.NewIssuer(t) // same key and kid, another pool

	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantBody   string
	}{
		{"ValidTokenIsServed", call{route: "GET /me", token: valid}, http.StatusOK,
			fmt.Sprintf(`{"userId":%q,"username":%q,"role":"client","activeConversationId":null}`, sub, "client-"+sub)},
		{"NoAuthorizationIsUnauthorized", call{route: "GET /me"}, http.StatusUnauthorized, unauthorizedBody},
		{"CookieWithoutAuthorizationIsUnauthorized", call{route: "GET /me",
			cookies: []string{"access_token=" + valid}, headers: map[string]string{"cookie": "access_token=" + valid}},
			http.StatusUnauthorized, unauthorizedBody},
		{"TokenWithoutBearerSchemeIsUnauthorized", call{route: "GET /me", headers: map[string]string{"authorization": valid}},
			http.StatusUnauthorized, unauthorizedBody},
		{"BasicSchemeIsUnauthorized", call{route: "GET /me", headers: map[string]string{"authorization": "Basic " + valid}},
			http.StatusUnauthorized, unauthorizedBody},
		{"ExpiredTokenIsUnauthorized", call{route: "GET /me", token: s.Issuer.AccessToken(sub, "client-"+sub, nil,
			authtest.WithClaims(map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}))},
			http.StatusUnauthorized, unauthorizedBody},
		{"TamperedTokenIsUnauthorized", call{route: "GET /me", token: tampered}, http.StatusUnauthorized, unauthorizedBody},
		{"TokenOfAnotherAppClientIsUnauthorized", call{route: "GET /me", token: s.Issuer.AccessToken(sub, "client-"+sub, nil,
			authtest.WithClaims(map[string]any{"client_id": "another-app-client"}))},
			http.StatusUnauthorized, unauthorizedBody},
		{"IDTokenIsUnauthorized", call{route: "GET /me", token: s.Issuer.IDToken(sub, "client-"+sub)},
			http.StatusUnauthorized, unauthorizedBody},
		{"TokenOfAnotherPoolIsUnauthorized", call{route: "GET /me", token: other.AccessToken(sub, "client-"+sub, nil)},
			http.StatusUnauthorized, unauthorizedBody},
		{"UnauthorizedWritesNothing", call{route: "POST /conversations", body: `{"retention":"permanent"}`},
			http.StatusUnauthorized, unauthorizedBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, tt.c)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", res.StatusCode, tt.wantStatus, res.Body)
			}
			apptest.JSONEqual(t, res.Body, tt.wantBody)
		})
	}
	// Nothing above may have opened a conversation.
	res := s.do(t, call{route: "GET /me", token: valid})
	apptest.JSONEqual(t, res.Body, fmt.Sprintf(`{"userId":%q,"username":%q,"role":"client","activeConversationId":null}`, sub, "client-"+sub))
}

func TestStaffNetworkRestriction(t *testing.T) {
	s := newStack(t, apptest.WithStaffCIDRs("203.0.113.0/24", "2001:db8::/32"))
	staff := s.staffToken("5e0c-staff-1")
	client := s.clientToken("5e0c-client-1")
	tests := []struct {
		name       string
		c          call
		wantStatus int
	}{
		{"StaffFromAnAllowedNetworkIsServed", call{route: "GET /me", token: staff, sourceIP: "203.0.113.7"}, http.StatusOK},
		{"StaffFromAnAllowedIPv6NetworkIsServed", call{route: "GET /me", token: staff, sourceIP: "2001:db8::7"}, http.StatusOK},
		{"StaffFromAnotherNetworkIsForbidden", call{route: "GET /me", token: staff, sourceIP: "198.51.100.9"}, http.StatusForbidden},
		{"StaffCannotClaimANetworkInXForwardedFor", call{route: "GET /me", token: staff, sourceIP: "198.51.100.9",
			headers: map[string]string{"x-forwarded-for": "203.0.113.7"}}, http.StatusForbidden},
		{"ClientsFromAnyNetworkAreServed", call{route: "GET /me", token: client, sourceIP: "198.51.100.9"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, tt.c)
			if tt.wantStatus == http.StatusForbidden {
				wantError(t, res, http.StatusForbidden, "forbidden")
				return
			}
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", res.StatusCode, tt.wantStatus, res.Body)
			}
		})
	}
}

func TestUnknownRouteIsNotFound(t *testing.T) {
	s := newStack(t)
	for _, route := range []string{"GET /nowhere", "$default", "PATCH /me"} {
		t.Run(route, func(t *testing.T) {
			res := s.do(t, call{route: route, token: s.clientToken("9a1d-client")})
			wantError(t, res, http.StatusNotFound, "not_found")
		})
	}
}

func TestResponsesAreNeverCached(t *testing.T) {
	s := newStack(t)
	broken := newStack(t, apptest.WithoutTable())
	client := s.clientToken("c4c4-client")
	tests := []struct {
		name       string
		s          *stack
		c          call
		wantStatus int
	}{
		{"OK", s, call{route: "GET /me", token: client}, http.StatusOK},
		{"Created", s, call{route: "POST /ws/ticket", token: client}, http.StatusCreated},
		{"Unauthorized", s, call{route: "GET /me"}, http.StatusUnauthorized},
		{"NotFound", s, call{route: "GET /nowhere", token: client}, http.StatusNotFound},
		{"PayloadTooLarge", s, call{route: "POST /conversations", token: client, body: strings.Repeat(" ", 64<<10+1)}, http.StatusRequestEntityTooLarge},
		{"Internal", broken, call{route: "GET /me", token: broken.clientToken("c4c4-client")}, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.s.do(t, tt.c)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", res.StatusCode, tt.wantStatus, res.Body)
			}
			if got := res.Headers["Cache-Control"]; got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

func TestInternalErrorsSayNothingAboutInternals(t *testing.T) {
	s := newStack(t, apptest.WithoutTable())
	const sub = "0dd0-client"
	client := s.clientToken(sub)
	tests := []struct {
		name string
		c    call
	}{
		{"Me", call{route: "GET /me", token: client}},
		{"OpenConversation", call{route: "POST /conversations", token: client, body: `{"retention":"24h"}`}},
		{"Ticket", call{route: "POST /ws/ticket", token: client}},
		{"ListConversations", call{route: "GET /conversations", token: client}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, tt.c)
			if res.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status = %d, want 500 (body %s)", res.StatusCode, res.Body)
			}
			apptest.JSONEqual(t, res.Body, `{"error":{"code":"internal","message":"Something went wrong on our side. Please try again."}}`)
			lower := strings.ToLower(res.Body)
			for _, leak := range []string{"dynamo", "table", "resource", "aws", strings.ToLower(s.App.Config.TableName)} {
				if strings.Contains(lower, leak) {
					t.Errorf("body %s mentions %q", res.Body, leak)
				}
			}
		})
	}
	// The failure was the store's, and the logs (not the caller) say so.
	if logs := s.Logs.String(); !strings.Contains(logs, s.App.Config.TableName) && !strings.Contains(logs, "ResourceNotFound") {
		t.Errorf("logs do not name the failing store call:\n%s", logs)
	}
}

// TestRevokedTokenIsRefusedEverywhere: once an account is disabled or
// signed out everywhere (a revocation), the access tokens issued before it
// read nothing, write nothing and get no ticket for a new connection; a
// token issued after it works.
func TestRevokedTokenIsRefusedEverywhere(t *testing.T) {
	s := newStack(t)
	// Signed in a minute ago; the account is revoked half a minute ago.
	s.Issuer.Now = func() time.Time { return time.Now().Add(-time.Minute) }
	before := s.clientToken("alice-sub")
	s.Issuer.Now = time.Now
	created := s.do(t, call{route: "POST /conversations", token: before, body: `{}`})
	if created.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", created.StatusCode, created.Body)
	}
	var out struct {
		Conversation struct{ ID string } `json:"conversation"`
	}
	if err := json.Unmarshal([]byte(created.Body), &out); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.Revoke(context.Background(), "alice-sub", time.Now().Add(-30*time.Second)); err != nil {
		t.Fatal(err)
	}
	conv := map[string]string{"id": out.Conversation.ID}
	for _, c := range []call{
		{route: "GET /me"},
		{route: "POST /ws/ticket"},
		{route: "GET /conversations/{id}/messages", params: conv},
		{route: "POST /conversations/{id}/messages", params: conv, body: `{"clientMessageId":"c-1","body":"still here"}`},
	} {
		c.token = before
		t.Run(strings.ReplaceAll(c.route, "/", "_"), func(t *testing.T) {
			wantError(t, s.do(t, c), http.StatusUnauthorized, "unauthorized")
		})
	}
	// Signing in again after the revocation works.
	if res := s.do(t, call{route: "GET /me", token: s.clientToken("alice-sub")}); res.StatusCode != http.StatusOK {
		t.Errorf("a token issued after the revocation: %d %s, want 200", res.StatusCode, res.Body)
	}
	if res := s.do(t, call{route: "GET /me", token: s.clientToken("bob-sub")}); res.StatusCode != http.StatusOK {
		t.Errorf("someone else's token: %d %s, want 200", res.StatusCode, res.Body)
	}
}
