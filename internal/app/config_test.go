package app

import (
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/app/envvar"
)

// TestConfigFromEnvSealing: message encryption takes both the key table and
// the KMS key or neither; half of it stops the function before it serves.
func TestConfigFromEnvSealing(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantSealed bool
		wantErr    string
	}{
		{"Both", map[string]string{envvar.KeyTableName: "keys", envvar.KMSKeyID: "arn:aws:kms:eu-west-2:1:key/k"}, true, ""},
		{"Neither", map[string]string{}, false, ""},
		{"TableWithoutKey", map[string]string{envvar.KeyTableName: "keys"}, false, envvar.KMSKeyID},
		{"KeyWithoutTable", map[string]string{envvar.KMSKeyID: "arn:aws:kms:eu-west-2:1:key/k"}, false, envvar.KeyTableName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{envvar.TableName: "confide"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := ConfigFromEnv(func(k string) string { return env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Sealed() != tt.wantSealed {
				t.Errorf("Sealed() = %v, want %v", c.Sealed(), tt.wantSealed)
			}
			back, err := ConfigFromEnv(func(k string) string { return c.Env()[k] })
			if err != nil || back.KeyTableName != c.KeyTableName || back.KMSKeyID != c.KMSKeyID {
				t.Errorf("Env round trip = %+v, %v; want the same sealing settings", back, err)
			}
		})
	}
}
