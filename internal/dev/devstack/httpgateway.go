package devstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/routes"
)

// MaxHTTPBodyBytes is the largest request body an HTTP API accepts (10 MB).
const MaxHTTPBodyBytes = 10 * 1024 * 1024

// The CORS configuration of the stack's HTTP API.
const (
	corsAllowMethods = "GET,POST,PUT,PATCH,DELETE"
	corsAllowHeaders = "authorization,content-type"
	corsMaxAge       = "600"
)

// serveHTTPAPI serves one HTTP API request: CORS preflights itself, every
// other request through the function of the route it matches.
func (g *Gateway) serveHTTPAPI(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	origin := r.Header.Get("Origin")
	if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		// With CORS configured, API Gateway answers every preflight without
		// invoking a function; only an allowed origin gets CORS headers.
		if g.allowsOrigin(origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			h.Add("Vary", "Origin")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}

	route, params, ok := matchHTTP(r.Method, r.URL.Path)
	if !ok {
		g.writeHTTPMessage(w, origin, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHTTPBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			g.writeHTTPMessage(w, origin, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		g.writeHTTPMessage(w, origin, http.StatusBadRequest, "Bad Request")
		return
	}

	ev := g.httpEvent(r, route, params, body, now)
	// A function runs to its end even if the client goes away, as on Lambda.
	raw, err := g.invoke(context.WithoutCancel(r.Context()), route.Function, ev)
	var resp events.APIGatewayV2HTTPResponse
	if err == nil {
		resp, err = decodeHTTPResponse(raw)
	}
	if err != nil {
		g.log.Error("http route failed", "route", route.Key(), "request", ev.RequestContext.RequestID, "error", err)
		g.writeHTTPMessage(w, origin, http.StatusInternalServerError, "Internal Server Error")
		return
	}

	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	g.setCORS(h, origin)
	h.Set("Apigw-Requestid", ev.RequestContext.RequestID)
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			g.log.Error("http route returned bad base64", "route", route.Key(), "error", err)
			g.writeHTTPMessage(w, origin, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	g.log.Info("http", "route", route.Key(), "status", resp.StatusCode, "duration", time.Since(now))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// matchHTTP returns the route of routes.HTTP that method and path select.
func matchHTTP(method, path string) (routes.HTTPRoute, map[string]string, bool) {
	for _, route := range routes.HTTP {
		if params, ok := route.Match(method, path); ok {
			return route, params, true
		}
	}
	return routes.HTTPRoute{}, nil, false
}

// decodeHTTPResponse reads a function's payload format 2.0 response. As API
// Gateway does, a response without statusCode is itself the JSON body of a
// 200 response.
func decodeHTTPResponse(raw []byte) (events.APIGatewayV2HTTPResponse, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil || probe["statusCode"] == nil {
		return events.APIGatewayV2HTTPResponse{
			StatusCode: http.StatusOK,
			Headers:    map[string]string{"Content-Type": "application/json"},
			Body:       string(raw),
		}, nil
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return resp, err
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return resp, errors.New("response has no valid statusCode")
	}
	return resp, nil
}

// allowsOrigin reports whether the HTTP API's CORS allows origin.
func (g *Gateway) allowsOrigin(origin string) bool {
	return slices.Contains(g.cfg.AllowedOrigins, origin) || slices.Contains(g.cfg.AllowedOrigins, "*")
}

// setCORS replaces any CORS headers of the function, which API Gateway
// ignores when CORS is configured, with the gateway's for an allowed origin.
func (g *Gateway) setCORS(h http.Header, origin string) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	if origin != "" && g.allowsOrigin(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
}

// writeHTTPMessage writes an HTTP API's own JSON error, {"message": ...}.
func (g *Gateway) writeHTTPMessage(w http.ResponseWriter, origin string, status int, message string) {
	g.setCORS(w.Header(), origin)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"message": message})
	_, _ = w.Write(body)
}
