// Package auth verifies Cognito access tokens and issues the one-time tickets
// that stand in for them on WebSocket connect, as docs/protocol.md "Identity"
// describes. It is an adapter: it turns a bearer credential into a
// chat.Identity and knows nothing else about the domain.
package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// MaxTokenSize is the largest token Verify looks at; Cognito access tokens
// are far smaller, so anything bigger is refused before it is decoded.
const MaxTokenSize = 8 << 10

// DefaultStaffGroup is the Cognito group that makes a person staff.
const DefaultStaffGroup = "staff"

// DefaultSupervisorGroup is the Cognito group that makes a person a
// supervisor (and staff).
const DefaultSupervisorGroup = "supervisors"

// groupsClaim is the claim in which Cognito lists a user's groups.
const groupsClaim = "cognito:groups"

// Config configures a Verifier.
type Config struct {
	// Issuer is the user pool's issuer, e.g.
	// https://cognito-idp.<region>.amazonaws.com/<poolId>. Tokens must carry
	// it as iss; its JWKS is {Issuer}/.well-known/jwks.json.
	Issuer string
	// ClientID is the app client whose tokens are accepted (client_id).
	ClientID string
	// StaffGroup is the group that makes a person staff (default "staff").
	StaffGroup string
	// SupervisorGroup is the group that makes a person a supervisor, who
	// is staff too (default "supervisors").
	SupervisorGroup string
	// HTTPClient fetches the JWKS (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives JWKS fetch events and rejections, never tokens
	// (default: discard).
	Logger *slog.Logger
}

// Verifier checks Cognito access tokens. It is safe for concurrent use and
// meant to live as long as the process, so its key cache serves every
// invocation of a warm Lambda.
type Verifier struct {
	issuer          string
	clientID        string
	staffGroup      string
	supervisorGroup string
	now             func() time.Time
	log             *slog.Logger
	keys            *keyCache
}

// NewVerifier returns a Verifier for cfg. It makes no network call: the JWKS
// is fetched on the first Verify and cached from then on.
func NewVerifier(cfg Config) *Verifier {
	if cfg.StaffGroup == "" {
		cfg.StaffGroup = DefaultStaffGroup
	}
	if cfg.SupervisorGroup == "" {
		cfg.SupervisorGroup = DefaultSupervisorGroup
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Verifier{
		issuer:          cfg.Issuer,
		clientID:        cfg.ClientID,
		staffGroup:      cfg.StaffGroup,
		supervisorGroup: cfg.SupervisorGroup,
		now:             cfg.Now,
		log:             cfg.Logger,
		keys:            newKeyCache(jwksURL(cfg.Issuer), cfg.HTTPClient, cfg.Now, cfg.Logger),
	}
}

// jwksURL is where a Cognito pool publishes its signing keys.
func jwksURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/jwks.json"
}

// Verify checks an access token and returns who it is (with the token's
// iat as IssuedAt) and when the token expires. A token refused is a
// *chat.Error with chat.CodeUnauthorized ("Please sign in again.") wrapping
// the cause; a token that could not be checked because the issuer's keys
// could not be fetched is chat.Unavailable (try again: the token may be
// fine). The cause never contains the token.
func (v *Verifier) Verify(ctx context.Context, token string) (chat.Identity, time.Time, error) {
	id, exp, err := v.verify(ctx, token)
	if errors.Is(err, errKeysUnavailable) {
		v.log.WarnContext(ctx, "access token not checked", "reason", err.Error())
		return chat.Identity{}, time.Time{}, chat.Unavailable(err)
	}
	if err != nil {
		v.log.DebugContext(ctx, "access token refused", "reason", err.Error())
		return chat.Identity{}, time.Time{}, refused(err)
	}
	return id, exp, nil
}

func (v *Verifier) verify(ctx context.Context, token string) (chat.Identity, time.Time, error) {
	if err := checkShape(token); err != nil {
		return chat.Identity{}, time.Time{}, err
	}
	kid, err := signingKeyID(token)
	if err != nil {
		return chat.Identity{}, time.Time{}, err
	}
	key, err := v.keys.key(ctx, kid)
	if err != nil {
		return chat.Identity{}, time.Time{}, err
	}
	tok, err := v.parse(token, key)
	if err != nil {
		return chat.Identity{}, time.Time{}, err
	}
	return v.identity(tok)
}

// checkShape refuses anything that is not a compact JWS of three non-empty
// base64url parts before any decoding, with causes that never echo input.
func checkShape(token string) error {
	switch {
	case token == "":
		return errors.New("empty token")
	case len(token) > MaxTokenSize:
		return fmt.Errorf("token longer than %d bytes", MaxTokenSize)
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return errors.New("token has a character outside base64url")
		}
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("token has %d parts, want 3", len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return errors.New("token has an empty part")
		}
	}
	return nil
}

// signingKeyID reads the protected header and returns its kid, refusing
// every algorithm but RS256 before any key is looked up.
func signingKeyID(token string) (string, error) {
	msg, err := jws.Parse([]byte(token), jws.WithCompact())
	if err != nil {
		return "", fmt.Errorf("parse token header: %w", err)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return "", fmt.Errorf("token has %d signatures, want 1", len(sigs))
	}
	hdr := sigs[0].ProtectedHeaders()
	alg, ok := hdr.Algorithm()
	if !ok {
		return "", errors.New("token header has no alg")
	}
	if alg != jwa.RS256() {
		return "", fmt.Errorf("token alg %.16q is not RS256", alg.String())
	}
	kid, ok := hdr.KeyID()
	if !ok || kid == "" {
		return "", errors.New("token header has no kid")
	}
	return kid, nil
}

// parse verifies the signature with key and validates the registered and
// Cognito claims.
func (v *Verifier) parse(token string, key *rsa.PublicKey) (jwt.Token, error) {
	tok, err := jwt.Parse([]byte(token),
		jwt.WithKey(jwa.RS256(), key),
		jwt.WithValidate(true),
		jwt.WithClock(jwt.ClockFunc(v.now)),
		jwt.WithAcceptableSkew(0),
		jwt.WithIssuer(v.issuer),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithClaimValue("client_id", v.clientID),
		jwt.WithClaimValue("token_use", "access"),
	)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	return tok, nil
}

// identity reads who the token stands for. The library's exp check
// truncates to the second; Confide wants exp strictly in the future.
func (v *Verifier) identity(tok jwt.Token) (chat.Identity, time.Time, error) {
	exp, ok := tok.Expiration()
	if !ok || !exp.After(v.now()) {
		return chat.Identity{}, time.Time{}, errors.New("token expired")
	}
	sub, ok := tok.Subject()
	if !ok || sub == "" {
		return chat.Identity{}, time.Time{}, errors.New("token has no sub")
	}
	var username string
	if err := tok.Get("username", &username); err != nil || username == "" {
		return chat.Identity{}, time.Time{}, errors.New("token has no username")
	}
	groups, err := groupsOf(tok)
	if err != nil {
		return chat.Identity{}, time.Time{}, err
	}
	id := chat.Identity{UserID: sub, Username: username, Role: chat.RoleClient}
	for _, g := range groups {
		switch g {
		case v.staffGroup:
			id.Role = chat.RoleStaff
		case v.supervisorGroup:
			id.Role, id.Supervisor = chat.RoleStaff, true
		}
	}
	// iat says which revocations void the token; Cognito always sets it.
	id.IssuedAt, _ = tok.IssuedAt()
	return id, exp, nil
}

// groupsOf returns the groups claim: none when it is missing, an error when
// it is anything but a list of strings.
func groupsOf(tok jwt.Token) ([]string, error) {
	if !tok.Has(groupsClaim) {
		return nil, nil
	}
	var raw any
	if err := tok.Get(groupsClaim, &raw); err != nil {
		return nil, fmt.Errorf("read %s: %w", groupsClaim, err)
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is %T, not a list", groupsClaim, raw)
	}
	groups := make([]string, 0, len(list))
	for _, g := range list {
		s, ok := g.(string)
		if !ok {
			return nil, fmt.Errorf("%s holds a %T, not a string", groupsClaim, g)
		}
		groups = append(groups, s)
	}
	return groups, nil
}

// BearerToken returns the token of an Authorization header of the form
// "Bearer <token>" (scheme case-insensitive), and false for anything else.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return "", false
	}
	return token, true
}
