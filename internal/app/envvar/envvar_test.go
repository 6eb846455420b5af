package envvar

import (
	"testing"

	"github.com/confidechat/confide/internal/routes"
)

// known is every variable of the package, each once.
var known = map[string]bool{
	TableName: true, Issuer: true, ClientID: true, StaffGroup: true, SupervisorGroup: true, AllowedOrigins: true,
	ManagementEndpoint: true, MaxMessageChars: true, RateLimit: true, RateWindow: true,
	IdleTimeout: true, ConnectionCap: true, StaffCIDRs: true, DynamoDBEndpoint: true,
	LogLevel: true, UserPoolID: true, CognitoEndpoint: true, KeyTableName: true, KMSKeyID: true, Triage: true, UrgentTopicARN: true,
	KMSEndpoint: true,
}

// TestReadByCoversEveryFunction keeps the list whole: every function of the
// route table has its variables, each a name of this package and none
// twice, and every function reads the table and the log level.
func TestReadByCoversEveryFunction(t *testing.T) {
	for _, f := range routes.Functions {
		t.Run(string(f.Name), func(t *testing.T) {
			names, ok := ReadBy[f.Name]
			if !ok {
				t.Fatalf("ReadBy has no entry for %s", f.Name)
			}
			seen := map[string]bool{}
			for _, n := range names {
				if !known[n] {
					t.Errorf("%s reads %s, which the package does not name", f.Name, n)
				}
				if seen[n] {
					t.Errorf("%s lists %s twice", f.Name, n)
				}
				seen[n] = true
			}
			for _, want := range []string{TableName, LogLevel} {
				if !seen[want] {
					t.Errorf("%s does not read %s", f.Name, want)
				}
			}
		})
	}
	if len(ReadBy) != len(routes.Functions) {
		t.Errorf("ReadBy has %d functions, the route table %d", len(ReadBy), len(routes.Functions))
	}
}
