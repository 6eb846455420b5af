package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/confidechat/confide/internal/testkit/e2ekit"
)

// secret is something the suite used that no log line may hold.
type secret struct {
	kind  string // "message body", "access token", "ticket", "password"
	value string
}

// secrets is every secret the suite used, for the privacy check at the end.
var secrets struct {
	sync.Mutex
	list []secret
}

// remember registers a value no log line may hold.
func remember(kind, value string) {
	if value == "" {
		return
	}
	secrets.Lock()
	defer secrets.Unlock()
	secrets.list = append(secrets.list, secret{kind, value})
}

func remembered() []secret {
	secrets.Lock()
	defer secrets.Unlock()
	return append([]secret(nil), secrets.list...)
}

// leaks returns the kinds of the secrets found in text, as written or as a
// JSON string would escape them, and how many of each.
func leaks(text string, ss []secret) map[string]int {
	found := map[string]int{}
	for _, s := range ss {
		escaped, _ := json.Marshal(s.value)
		if strings.Contains(text, s.value) || strings.Contains(text, strings.Trim(string(escaped), `"`)) {
			found[s.kind]++
		}
	}
	return found
}

// checkLogsKeepSecrets is the privacy check TestMain runs on the local
// stack's logs once every test is done: no message body, access token,
// ticket or password the suite used may appear in any line.
func checkLogsKeepSecrets(text string) error {
	ss := remembered()
	if len(ss) == 0 {
		return nil // no test ran
	}
	// Without the functions' own lines the check would prove nothing.
	if !strings.Contains(text, `"route"`) {
		return fmt.Errorf("the captured logs hold no request line of the functions (%d bytes captured)", len(text))
	}
	found := leaks(text, ss)
	if len(found) == 0 {
		return nil
	}
	kinds := make([]string, 0, len(found))
	for k, n := range found {
		kinds = append(kinds, fmt.Sprintf("%d × %s", n, k))
	}
	sort.Strings(kinds)
	return fmt.Errorf("the logs hold what they never may: %s (of %d secrets checked)", strings.Join(kinds, ", "), len(ss))
}

// TestPrivacyCheckFindsWhatItLooksFor makes sure the check TestMain runs at
// the end of the suite would notice a leak, raw or JSON-escaped.
func TestPrivacyCheckFindsWhatItLooksFor(t *testing.T) {
	ss := []secret{{"message body", `I feel "lost" ` + e2ekit.UniqueName("")}, {"access token", "eyJ" + e2ekit.UniqueName("")}}
	tests := []struct {
		name string
		logs string
		want map[string]int
	}{
		{"clean", `{"msg":"http","route":"POST /conversations/{id}/messages","status":201}`, map[string]int{}},
		{"body as a JSON string", `{"msg":"oops","body":` + quote(ss[0].value) + `}`, map[string]int{"message body": 1}},
		{"token in a header dump", `{"msg":"oops","authorization":"Bearer ` + ss[1].value + `"}`, map[string]int{"access token": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := leaks(tt.logs, ss)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("leaks = %v, want %v", got, tt.want)
			}
		})
	}
	if local() && !strings.Contains(logs.String(), `"msg"`) {
		t.Errorf("the local stack's logs are not captured: the privacy check at the end would prove nothing")
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
