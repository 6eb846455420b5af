package devstack

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/confidechat/confide/internal/webbuild"
	"github.com/confidechat/confide/internal/webconfig"
	"github.com/confidechat/confide/internal/webpolicy"
)

// webHandler serves web/ as a deployment does (minified, see webbuild) and
// the local stack's own controls:
//
//	GET  /config.json          the endpoints, limits and theme for the browser clients
//	POST /_devstack/clock      {"advance":"25h"} moves the service clock
//	POST /_devstack/retention  runs the retention function once
//	GET  /_devstack/faults     the fault plan in force and the faults injected
//	PUT  /_devstack/faults     replaces the fault plan (internal/dev/faults)
//
// The controls exist only in the local stack: tests use them instead of
// waiting for hours.
func (s *Stack) webHandler(dir string, theme webconfig.Theme) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", webbuild.Handler(dir, webbuild.Bundles))
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, webconfig.Config{
			HTTPAPI:          s.Endpoints.HTTPAPI,
			WebSocket:        s.Endpoints.WebSocket,
			CognitoEndpoint:  s.Endpoints.CognitoEndpoint,
			UserPoolClientID: s.Endpoints.UserPoolClientID,
			Limits:           webconfig.LimitsOf(s.App.Config.Limits),
			Theme:            theme,
			CannedReplies:    webconfig.DefaultCannedReplies(),
		})
	})
	mux.HandleFunc("POST /_devstack/clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "body must be {\"advance\":\"<duration>\"}", http.StatusBadRequest)
			return
		}
		d, err := time.ParseDuration(in.Advance)
		if err != nil || d < 0 {
			http.Error(w, "advance must be a positive Go duration such as 25h", http.StatusBadRequest)
			return
		}
		off := s.Clock.Advance(d)
		writeJSON(w, http.StatusOK, map[string]string{"offset": off.String(), "now": s.Clock.Now().UTC().Format(time.RFC3339Nano)})
	})
	mux.Handle("GET /_devstack/faults", s.Faults)
	mux.Handle("PUT /_devstack/faults", s.Faults)
	retention := lambda.NewHandler(s.App.Retention)
	mux.HandleFunc("POST /_devstack/retention", func(w http.ResponseWriter, r *http.Request) {
		ev, _ := json.Marshal(events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.events", Time: time.Now().UTC()})
		out, err := retention.Invoke(r.Context(), ev)
		if err != nil {
			http.Error(w, "retention failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(out) //nolint:errcheck // best effort to a local caller
	})
	return securityHeaders(mux, webpolicy.ContentSecurityPolicy(s.connectSources()))
}

// connectSources are the origins the pages may connect to, as the stack's
// policy names its APIs and Cognito.
func (s *Stack) connectSources() []string {
	var out []string
	for _, u := range []string{s.Endpoints.HTTPAPI, s.Endpoints.WebSocket, s.Endpoints.CognitoEndpoint} {
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			out = append(out, p.Scheme+"://"+p.Host)
		}
	}
	return out
}

// securityHeaders adds the headers the stack's CloudFront policy adds, so
// the pages are tested under the policy production serves.
func securityHeaders(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Permissions-Policy", webpolicy.PermissionsPolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		// Pages change during development: never serve a stale one.
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // best effort to a local caller
}
