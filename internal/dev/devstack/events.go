package devstack

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/routes"
)

// Identifiers of the local account and APIs, in the places AWS puts its own.
const (
	accountID      = "000000000000"
	webSocketAPIID = "confidews0"
	httpAPIID      = "confidehttp"
	httpStage      = "$default"
)

// requestTimeLayout is API Gateway's requestTime format,
// e.g. "20/Jan/2024:11:55:08 +0000".
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// newID returns an id shaped like API Gateway's connection, request and
// message ids ("L0SM9cOFvHcCIhw="). The alphabet is URL-safe so a
// connection id needs no escaping in an @connections path.
func newID() string {
	var b [11]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.URLEncoding.EncodeToString(b[:])
}

// traceID returns an X-Amzn-Trace-Id value as API Gateway adds it.
func traceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x", now.Unix(), b)
}

// sourceIP is the client address API Gateway reports as identity.sourceIp.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// forwarded returns the X-Forwarded-* headers API Gateway adds to a request.
func forwarded(r *http.Request) (forwardedFor, port, proto string) {
	forwardedFor = sourceIP(r)
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		forwardedFor = prior + ", " + forwardedFor
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		_, port, _ = net.SplitHostPort(addr.String())
	}
	proto = "http"
	if r.TLS != nil {
		proto = "https"
	}
	return forwardedFor, port, proto
}

// webSocketHeaderName spells a canonical Go header name as browsers send it
// and API Gateway passes it on: "Sec-Websocket-Key" is "Sec-WebSocket-Key".
func webSocketHeaderName(name string) string {
	if rest, ok := strings.CutPrefix(name, "Sec-Websocket-"); ok {
		return "Sec-WebSocket-" + rest
	}
	return name
}

// wsContext is the requestContext API Gateway sends for every event of c,
// with what the $connect authorizer attached once it has run.
func (g *Gateway) wsContext(c *connection, routeKey, eventType string, now time.Time) events.APIGatewayWebsocketProxyRequestContext {
	id := newID()
	rc := events.APIGatewayWebsocketProxyRequestContext{
		RouteKey:          routeKey,
		EventType:         eventType,
		ExtendedRequestID: id,
		RequestID:         id,
		RequestTime:       now.UTC().Format(requestTimeLayout),
		RequestTimeEpoch:  now.UnixMilli(),
		MessageDirection:  "IN",
		Stage:             g.cfg.Stage,
		ConnectedAt:       c.connectedAt.UnixMilli(),
		Identity:          events.APIGatewayRequestIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
		DomainName:        c.domainName,
		ConnectionID:      c.id,
		APIID:             webSocketAPIID,
	}
	if c.authorizer != nil {
		rc.Authorizer = c.authorizer
	}
	return rc
}

// connectEvent is the $connect event of the upgrade request r: its headers
// (with Host and the X-Forwarded-* API Gateway adds) and query string.
func (g *Gateway) connectEvent(c *connection, r *http.Request, now time.Time) events.APIGatewayWebsocketProxyRequest {
	multi := map[string][]string{"Host": {r.Host}}
	for name, values := range r.Header {
		if name == "Connection" || name == "Upgrade" {
			continue // hop-by-hop: API Gateway does not pass them on
		}
		multi[webSocketHeaderName(name)] = append([]string(nil), values...)
	}
	forwardedFor, port, proto := forwarded(r)
	multi["X-Forwarded-For"] = []string{forwardedFor}
	multi["X-Forwarded-Proto"] = []string{proto}
	if port != "" {
		multi["X-Forwarded-Port"] = []string{port}
	}
	multi["X-Amzn-Trace-Id"] = []string{traceID(now)}

	ev := events.APIGatewayWebsocketProxyRequest{
		Headers:           lastValues(multi),
		MultiValueHeaders: multi,
		RequestContext:    g.wsContext(c, "$connect", "CONNECT", now),
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.MultiValueQueryStringParameters = q
		ev.QueryStringParameters = lastValues(q)
	}
	return ev
}

// messageEvent is the event of one frame from the client, for route routeKey.
func (g *Gateway) messageEvent(c *connection, routeKey string, frame []byte, now time.Time) events.APIGatewayWebsocketProxyRequest {
	rc := g.wsContext(c, routeKey, "MESSAGE", now)
	rc.MessageID = newID()
	return events.APIGatewayWebsocketProxyRequest{RequestContext: rc, Body: string(frame)}
}

// disconnectEvent is the $disconnect event of c, closed with code and reason.
// Its headers are the ones API Gateway sends with every $disconnect.
func (g *Gateway) disconnectEvent(c *connection, code int64, reason string, now time.Time) events.APIGatewayWebsocketProxyRequest {
	rc := g.wsContext(c, "$disconnect", "DISCONNECT", now)
	rc.DisconnectStatusCode = code
	rc.DisconnectReason = &reason
	headers := map[string]string{"Host": c.domainName, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
	multi := make(map[string][]string, len(headers))
	for k, v := range headers {
		multi[k] = []string{v}
	}
	return events.APIGatewayWebsocketProxyRequest{Headers: headers, MultiValueHeaders: multi, RequestContext: rc}
}

// lastValues keeps the last value of each key, as API Gateway's
// single-valued headers and queryStringParameters do.
func lastValues(multi map[string][]string) map[string]string {
	out := make(map[string]string, len(multi))
	for k, vs := range multi {
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1]
		}
	}
	return out
}

// httpEvent is the payload format 2.0 event of r for route, whose path
// parameters are params and whose body was read into body.
func (g *Gateway) httpEvent(r *http.Request, route routes.HTTPRoute, params map[string]string, body []byte, now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{"host": r.Host}
	var cookies []string
	for name, values := range r.Header {
		if strings.EqualFold(name, "Cookie") {
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[strings.ToLower(name)] = strings.Join(values, ",")
	}
	forwardedFor, port, proto := forwarded(r)
	headers["x-forwarded-for"] = forwardedFor
	headers["x-forwarded-proto"] = proto
	if port != "" {
		headers["x-forwarded-port"] = port
	}
	headers["x-amzn-trace-id"] = traceID(now)

	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	prefix, _, _ := strings.Cut(host, ".")
	requestID := newID()
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       route.Key(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    accountID,
			Stage:        httpStage,
			RequestID:    requestID,
			APIID:        httpAPIID,
			DomainName:   r.Host,
			DomainPrefix: prefix,
			Time:         now.UTC().Format(requestTimeLayout),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP(r),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if isText(r.Header, body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText reports whether an HTTP API passes body to the function as text
// rather than base64: a text media type, not content-encoded, valid UTF-8.
func isText(h http.Header, body []byte) bool {
	if h.Get("Content-Encoding") != "" || !utf8.Valid(body) {
		return false
	}
	mediaType, _, _ := strings.Cut(strings.ToLower(h.Get("Content-Type")), ";")
	mediaType = strings.TrimSpace(mediaType)
	switch {
	case strings.HasPrefix(mediaType, "text/"),
		mediaType == "application/json", strings.HasSuffix(mediaType, "+json"),
		mediaType == "application/xml", strings.HasSuffix(mediaType, "+xml"),
		mediaType == "application/javascript",
		mediaType == "application/x-www-form-urlencoded":
		return true
	}
	return false
}
