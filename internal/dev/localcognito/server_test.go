package localcognito_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/confidechat/confide/internal/auth"
	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/dev/localcognito"
)

// repoRoot is where node_modules is: two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestCognitoLocalIssuesTokensTheVerifierAccepts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()

	began := time.Now()
	s, err := localcognito.Start(ctx, localcognito.Options{Root: repoRoot(t), Dir: dir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %v", time.Since(began).Round(time.Millisecond))
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = s.Close()
		}
	})

	t.Run("ConfigWritten", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, ".cognito", "config.json"))
		if err != nil {
			t.Fatalf("read config: %v", err)
		}
		var cfg struct {
			UserPoolDefaults struct{ UsernameAttributes []string }
			TokenConfig      struct{ IssuerDomain string }
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("decode config: %v", err)
		}
		if cfg.UserPoolDefaults.UsernameAttributes == nil || len(cfg.UserPoolDefaults.UsernameAttributes) != 0 {
			t.Errorf("UsernameAttributes = %v, want []", cfg.UserPoolDefaults.UsernameAttributes)
		}
		if cfg.TokenConfig.IssuerDomain != s.Endpoint {
			t.Errorf("IssuerDomain = %q, want %q", cfg.TokenConfig.IssuerDomain, s.Endpoint)
		}
		if want := s.Endpoint + "/" + s.UserPoolID; s.Issuer != want {
			t.Errorf("Issuer = %q, want %q", s.Issuer, want)
		}
		if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.UserPoolID == "" || s.ClientID == "" {
			t.Errorf("server = %+v, want endpoint on 127.0.0.1, pool and client ids", s)
		}
	})

	clientSub, err := s.CreateUser(ctx, "client1", "Client-pass-1", false)
	if err != nil {
		t.Fatalf("CreateUser client: %v", err)
	}
	staffSub, err := s.CreateUser(ctx, "counsellor1", "Staff-pass-1", true)
	if err != nil {
		t.Fatalf("CreateUser staff: %v", err)
	}
	if clientSub == "" || staffSub == "" || clientSub == staffSub {
		t.Fatalf("subs = %q, %q; want two distinct subs", clientSub, staffSub)
	}

	verifier := auth.NewVerifier(auth.Config{Issuer: s.Issuer, ClientID: s.ClientID})
	tests := []struct {
		name, username, password string
		want                     chat.Identity
	}{
		{"ClientSignsInAsClient", "client1", "Client-pass-1", chat.Identity{UserID: clientSub, Username: "client1", Role: chat.RoleClient}},
		{"CounsellorSignsInAsStaff", "counsellor1", "Staff-pass-1", chat.Identity{UserID: staffSub, Username: "counsellor1", Role: chat.RoleStaff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			access, refresh, err := s.SignIn(ctx, tt.username, tt.password)
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if refresh == "" {
				t.Error("SignIn returned no refresh token")
			}
			id, exp, err := verifier.Verify(ctx, access)
			if err != nil {
				t.Fatalf("Verify cognito-local's access token: %v", err)
			}
			if id.IssuedAt.IsZero() || id.IssuedAt.After(time.Now()) {
				t.Errorf("issued at %v, want the token's iat, in the past", id.IssuedAt)
			}
			id.IssuedAt = time.Time{}
			if id != tt.want {
				t.Errorf("identity = %+v, want %+v", id, tt.want)
			}
			if !exp.After(time.Now()) {
				t.Errorf("expiry = %v, want in the future", exp)
			}
		})
	}

	t.Run("VerifierForAnotherClientRefusesTheToken", func(t *testing.T) {
		access, _, err := s.SignIn(ctx, "client1", "Client-pass-1")
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		other := auth.NewVerifier(auth.Config{Issuer: s.Issuer, ClientID: "another-client"})
		if _, _, err := other.Verify(ctx, access); chat.CodeOf(err) != chat.CodeUnauthorized {
			t.Errorf("Verify with another client id: %v, want unauthorized", err)
		}
	})

	t.Run("WrongPasswordIsRefused", func(t *testing.T) {
		_, _, err := s.SignIn(ctx, "client1", "not-the-password")
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("SignIn with a wrong password: %v, want a Cognito API error", err)
		}
		if strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("error contains the password: %v", err)
		}
	})

	t.Run("UnknownUserIsRefused", func(t *testing.T) {
		if _, _, err := s.SignIn(ctx, "nobody", "Whatever-1"); err == nil {
			t.Error("SignIn of an unknown user succeeded")
		}
	})

	t.Run("CloseLeavesNoProcess", func(t *testing.T) {
		pid := s.Pid()
		if err := syscall.Kill(pid, 0); err != nil {
			t.Fatalf("cognito-local (pid %d) not running before Close: %v", pid, err)
		}
		closed = true
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d after Close: %v, want ESRCH", pid, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(s.Endpoint, "http://"), time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Close", s.Endpoint)
		}
	})
}

func TestStartRefusals(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	tests := []struct {
		name    string
		opts    localcognito.Options
		wantErr string
	}{
		{"NodeModulesMissing", localcognito.Options{Root: t.TempDir(), Dir: t.TempDir()}, "run npm ci"},
		{"PortTaken", localcognito.Options{Root: repoRoot(t), Dir: t.TempDir(), Addr: taken.Addr().String()}, "port taken"},
		{"DirMissing", localcognito.Options{Root: repoRoot(t)}, "Dir is required"},
		{"BadAddr", localcognito.Options{Root: repoRoot(t), Dir: t.TempDir(), Addr: "no-port"}, "no-port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := localcognito.Start(context.Background(), tt.opts)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Start succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Start error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
