package auth_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/auth/authtest"
	"github.com/confidechat/confide/internal/chat"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// assertRefused checks that err is the unauthorized error people see and
// that neither it nor the logs contain the token.
func assertRefused(t *testing.T, err error, token, logs string) {
	t.Helper()
	var e *chat.Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify error = %v (%T), want *chat.Error", err, err)
	}
	if e.Code != chat.CodeUnauthorized || e.Message != "Please sign in again." {
		t.Errorf("Verify error = %q/%q, want unauthorized/%q", e.Code, e.Message, "Please sign in again.")
	}
	if e.Err == nil {
		t.Errorf("Verify error has no cause")
	}
	if token == "" {
		return
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("Verify error contains the raw token: %v", err)
	}
	if strings.Contains(logs, token) {
		t.Errorf("logs contain the raw token: %s", logs)
	}
}

func TestVerifyAcceptsValidAccessTokens(t *testing.T) {
	tests := []struct {
		name     string
		edit     map[string]any
		wantRole chat.Role
	}{
		{"GroupsMissingIsClient", nil, chat.RoleClient},
		{"StaffGroupIsStaff", map[string]any{"cognito:groups": []string{"staff"}}, chat.RoleStaff},
		{"StaffAmongOtherGroupsIsStaff", map[string]any{"cognito:groups": []string{"volunteers", "staff"}}, chat.RoleStaff},
		{"OtherGroupsAreClient", map[string]any{"cognito:groups": []string{"volunteers"}}, chat.RoleClient},
		{"EmptyGroupsAreClient", map[string]any{"cognito:groups": []string{}}, chat.RoleClient},
		{"NbfInThePastIsFine", map[string]any{"nbf": time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC).Unix()}, chat.RoleClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t)
			v := iss.verifier()
			id, exp, err := v.Verify(context.Background(), iss.token(tt.edit))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !id.IssuedAt.Equal(iss.clock.Now()) {
				t.Errorf("issued at %v, want the token's iat %v", id.IssuedAt, iss.clock.Now())
			}
			id.IssuedAt = time.Time{}
			want := chat.Identity{UserID: testSub, Username: "alice", Role: tt.wantRole}
			if id != want {
				t.Errorf("identity = %+v, want %+v", id, want)
			}
			if wantExp := iss.clock.Now().Add(time.Hour); !exp.Equal(wantExp) {
				t.Errorf("expiry = %v, want %v", exp, wantExp)
			}
		})
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	iss := newIssuer(t)
	now := iss.clock.Now()
	keys := []*rsa.PrivateKey{authtest.Key(0), authtest.Key(1)}

	pubPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(&keys[0].PublicKey)
		must(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	valid := iss.token(nil)
	parts := strings.Split(valid, ".")
	header, payload, sig := parts[0], parts[1], parts[2]

	hs256 := func() string {
		return signWith(t, jwa.HS256(), pubPEM(), kidHeader(t, "k1"), iss.claims())
	}
	tampered := func() string {
		c := iss.claims()
		c["cognito:groups"] = []string{"staff"}
		forged := iss.Sign(c, authtest.SignedBy("k1", keys[1])) // same claims signed by another key
		return header + "." + strings.Split(forged, ".")[1] + "." + sig
	}
	huge := iss.token(map[string]any{"padding": strings.Repeat("x", 6200)})
	if len(huge) <= auth.MaxTokenSize {
		t.Fatalf("huge token is %d bytes, want more than %d", len(huge), auth.MaxTokenSize)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"Expired", iss.token(map[string]any{"exp": now.Add(-time.Second).Unix()})},
		{"ExpiringNow", iss.token(map[string]any{"exp": now.Unix()})},
		{"ExpMissing", iss.token(map[string]any{"exp": nil})},
		{"ExpNotANumber", iss.token(map[string]any{"exp": "tomorrow"})},
		{"NbfInTheFuture", iss.token(map[string]any{"nbf": now.Add(time.Minute).Unix()})},
		{"WrongIssuer", iss.token(map[string]any{"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_evil"})},
		{"IssuerMissing", iss.token(map[string]any{"iss": nil})},
		{"WrongClientID", iss.token(map[string]any{"client_id": "someone-else"})},
		{"ClientIDMissing", iss.token(map[string]any{"client_id": nil})},
		{"IDToken", iss.IDToken(testSub, "alice")},
		{"TokenUseMissing", iss.token(map[string]any{"token_use": nil})},
		{"SubMissing", iss.token(map[string]any{"sub": nil})},
		{"UsernameMissing", iss.token(map[string]any{"username": nil})},
		{"GroupsAString", iss.token(map[string]any{"cognito:groups": "staff"})},
		{"GroupsHoldANumber", iss.token(map[string]any{"cognito:groups": []any{1}})},
		{"GroupsMixed", iss.token(map[string]any{"cognito:groups": []any{"staff", 1}})},
		{"GroupsAnObject", iss.token(map[string]any{"cognito:groups": map[string]any{"staff": true}})},
		{"GroupsNull", iss.token(map[string]any{"cognito:groups": []any(nil)})},
		{"AlgNone", b64(`{"alg":"none","kid":"k1"}`) + "." + payload + "."},
		{"AlgNoneWithSignature", b64(`{"alg":"none","kid":"k1"}`) + "." + payload + "." + sig},
		{"HS256SignedWithPublicKey", hs256()},
		{"TamperedPayload", tampered()},
		{"SignedByUnpublishedKeyWithKnownKid", iss.Sign(iss.claims(), authtest.SignedBy("k1", keys[1]))},
		{"KidMissing", signWith(t, jwa.RS256(), keys[0], jws.NewHeaders(), iss.claims())},

		// Malformed shapes.
		{"Empty", ""},
		{"OnePart", header},
		{"TwoParts", header + "." + payload},
		{"FourParts", valid + "." + sig},
		{"EmptySignature", header + "." + payload + "."},
		{"EmptyHeader", "." + payload + "." + sig},
		{"BadBase64Header", "A" + header[1:] + "A." + payload + "." + sig},
		{"BadBase64Payload", header + "." + payload + "A." + sig},
		{"BadBase64Signature", header + "." + payload + "." + sig + "A"},
		{"PaddedBase64", header + "." + payload + "." + sig + "=="},
		{"StandardBase64Alphabet", header + "." + payload + "." + strings.ReplaceAll(sig[:len(sig)-2], "_", "/") + "+/"},
		{"HeaderNotJSON", b64("not json at all") + "." + payload + "." + sig},
		{"HeaderJSONArray", b64(`["alg","RS256"]`) + "." + payload + "." + sig},
		{"PayloadJSONString", iss.Sign("just a string")},
		{"PayloadJSONArray", iss.Sign([]string{"sub", testSub})},
		{"PayloadNotJSON", header + "." + b64("not json") + "." + sig},
		{"HeaderWithoutAlg", b64(`{"kid":"k1","typ":"JWT"}`) + "." + payload + "." + sig},
		{"HugeToken", huge},
		{"LeadingWhitespace", " " + valid},
		{"TrailingNewline", valid + "\n"},
		{"BearerPrefixPassedRaw", "Bearer " + valid},
		{"NULInside", header + "\x00." + payload + "." + sig},
		{"NonASCII", header + "." + payload + "é." + sig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := iss.verifier()
			id, exp, err := v.Verify(context.Background(), tt.token)
			if err == nil {
				t.Fatalf("Verify accepted the token: identity %+v", id)
			}
			if id != (chat.Identity{}) || !exp.IsZero() {
				t.Errorf("Verify returned identity %+v, expiry %v with an error", id, exp)
			}
			assertRefused(t, err, tt.token, iss.logs.String())
		})
	}
}

// TestVerifyGroupsStringNotList is the test of issue 4.1 asked for by name:
// a single string instead of a list must not make anyone staff.
func TestVerifyGroupsStringNotList(t *testing.T) {
	iss := newIssuer(t)
	token := iss.token(map[string]any{"cognito:groups": "staff"})
	_, _, err := iss.verifier().Verify(context.Background(), token)
	if err == nil {
		t.Fatal("Verify accepted cognito:groups as a string")
	}
	assertRefused(t, err, token, iss.logs.String())
}

func TestVerifyTokenExpiresWhileCached(t *testing.T) {
	iss := newIssuer(t)
	v := iss.verifier()
	token := iss.token(nil)
	if _, _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	iss.clock.Advance(time.Hour)
	_, _, err := v.Verify(context.Background(), token)
	if err == nil {
		t.Fatal("Verify accepted the token at its exp")
	}
	assertRefused(t, err, token, iss.logs.String())
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header string
		want   string
		wantOK bool
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", true},
		{"bearer abc.def.ghi", "abc.def.ghi", true},
		{"BEARER  abc.def.ghi", "abc.def.ghi", true},
		{"  Bearer abc.def.ghi  ", "abc.def.ghi", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic dXNlcjpwYXNz", "", false},
		{"abc.def.ghi", "", false},
		{"Bearer abc def", "", false},
		{"Bearerabc.def.ghi", "", false},
		{"Token abc.def.ghi", "", false},
	}
	for _, tt := range tests {
		got, ok := auth.BearerToken(tt.header)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.wantOK)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	iss := newIssuer(b)
	v := iss.verifier()
	token := iss.token(map[string]any{"cognito:groups": []string{"staff"}})
	if _, _, err := v.Verify(context.Background(), token); err != nil {
		b.Fatalf("warm up: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.Verify(context.Background(), token); err != nil {
			b.Fatal(err)
		}
	}
}
