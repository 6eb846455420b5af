package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
)

// writeTimeout bounds one frame written to a client.
const writeTimeout = 10 * time.Second

// connection is one open WebSocket of the gateway.
type connection struct {
	id          string
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	domainName  string
	// authorizer is the requestContext.authorizer of every event of the
	// connection, from the $connect authorizer, as JSON written once; set
	// before $connect and only read from then on.
	authorizer json.RawMessage
	// ready is closed once the upgrade is done: ws is then the socket, or
	// nil when the upgrade failed.
	ready chan struct{}
	ws    *websocket.Conn
	// lastActive is the UnixNano time of the last frame from the client.
	lastActive atomic.Int64

	mu sync.Mutex
	// cause is why the gateway closed the socket, nil if the client did.
	cause *closeCause
	// done is set once the read loop ended; the timers then stay stopped.
	done     bool
	idle     *time.Timer
	lifetime *time.Timer
}

type closeCause struct {
	code   websocket.StatusCode
	reason string
}

// open waits for the upgrade of c and reports whether it succeeded.
func (c *connection) open() bool {
	<-c.ready
	return c.ws != nil
}

// hangUp closes c from the gateway's side: c is gone for the management API
// at once, the socket closes with code and reason, and then the read loop
// ends and $disconnect fires. The first cause wins. It returns when the
// closing handshake is done, or after coder/websocket's 5 s limit on it.
func (g *Gateway) hangUp(c *connection, code websocket.StatusCode, reason string) {
	if !c.open() {
		return
	}
	c.mu.Lock()
	if c.cause == nil && !c.done {
		c.cause = &closeCause{code: code, reason: reason}
	}
	c.mu.Unlock()
	g.unregister(c)
	// An error only says the socket was already closing or broken.
	_ = c.ws.Close(code, reason)
}

// send writes text to the client as one text frame.
func (c *connection) send(text []byte) error {
	if !c.open() {
		return errors.New("connection failed to open")
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, text)
}

// serveWebSocket runs one connection: $connect on the upgrade request, one
// invocation per frame, $disconnect once when it closes for any reason.
func (g *Gateway) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !headerHasToken(r.Header, "Upgrade", "websocket") {
		http.Error(w, "Upgrade Required", http.StatusUpgradeRequired)
		return
	}
	if !g.enter() {
		http.Error(w, "gateway closed", http.StatusServiceUnavailable)
		return
	}
	defer g.serving.Done()

	now := time.Now()
	c := &connection{
		id:          newID(),
		connectedAt: now,
		sourceIP:    sourceIP(r),
		userAgent:   r.UserAgent(),
		domainName:  r.Host,
		ready:       make(chan struct{}),
	}
	c.lastActive.Store(now.UnixNano())
	ev := g.connectEvent(c, r, now)
	authorizer, status := g.authorize(r, ev)
	if status != 0 {
		g.log.Info("$connect refused by the authorizer", "connection", c.id, "status", status)
		writeGatewayError(w, status)
		return
	}
	c.authorizer = authorizer
	ev.RequestContext.Authorizer = authorizer
	var resp events.APIGatewayProxyResponse
	raw, err := g.invoke(context.Background(), routes.Connect, ev)
	if err == nil {
		err = json.Unmarshal(raw, &resp)
	}
	if err != nil {
		g.log.Error("$connect failed", "connection", c.id, "error", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(internalError(c.id, ev.RequestContext.RequestID))
		return
	}
	// A response without a status code accepts, as a function that returns
	// nothing does on AWS.
	if resp.StatusCode != 0 && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		g.log.Info("$connect refused", "connection", c.id, "status", resp.StatusCode)
		refuse(w, resp)
		return
	}

	// Registered before the handshake completes, so a post racing the
	// client's first frame waits for the socket instead of finding it gone.
	if !g.register(c) {
		http.Error(w, "gateway closed", http.StatusServiceUnavailable)
		close(c.ready)
		g.disconnect(c, websocket.StatusGoingAway, "Going away")
		return
	}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // $connect judges the Origin
	if p := responseHeader(resp, "Sec-WebSocket-Protocol"); p != "" {
		opts.Subprotocols = []string{p}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		g.log.Error("upgrade failed after $connect", "connection", c.id, "error", err)
		g.unregister(c)
		close(c.ready)
		g.disconnect(c, websocket.StatusAbnormalClosure, "")
		return
	}
	ws.SetReadLimit(int64(g.cfg.MaxFrameBytes))
	c.ws = ws
	close(c.ready)
	g.log.Info("connected", "connection", c.id)
	g.run(c)
}

// run reads c's frames until it closes, then forgets it and fires $disconnect.
func (g *Gateway) run(c *connection) {
	g.watch(c)
	var err error
	for {
		var typ websocket.MessageType
		var frame []byte
		typ, frame, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		c.lastActive.Store(time.Now().UnixNano())
		if typ == websocket.MessageBinary {
			// API Gateway rejects binary frames and disconnects with 1003.
			g.hangUp(c, websocket.StatusUnsupportedData, "Binary frames are not supported")
			continue
		}
		if !utf8.Valid(frame) {
			// RFC 6455 8.1: a text frame that is not UTF-8 fails the
			// connection; the event could not carry it unaltered anyway.
			g.hangUp(c, websocket.StatusInvalidFramePayloadData, "Invalid UTF-8")
			continue
		}
		g.message(c, frame)
	}

	c.mu.Lock()
	c.done = true
	c.idle.Stop()
	c.lifetime.Stop()
	cause := c.cause
	c.mu.Unlock()
	g.unregister(c)
	_ = c.ws.CloseNow()

	code, reason := websocket.StatusAbnormalClosure, ""
	var closeErr websocket.CloseError
	switch {
	case cause != nil:
		code, reason = cause.code, cause.reason
	case errors.Is(err, websocket.ErrMessageTooBig):
		code, reason = websocket.StatusMessageTooBig, "Message too big"
	case errors.As(err, &closeErr):
		code, reason = closeErr.Code, closeErr.Reason
	}
	g.disconnect(c, code, reason)
}

// watch arms c's idle and lifetime limits; both close with 1001 as AWS does.
func (g *Gateway) watch(c *connection) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lifetime = time.AfterFunc(g.cfg.MaxLifetime, func() {
		g.hangUp(c, websocket.StatusGoingAway, "Going away")
	})
	var checkIdle func()
	checkIdle = func() {
		idleFor := time.Since(time.Unix(0, c.lastActive.Load()))
		if rest := g.cfg.IdleTimeout - idleFor; rest > 0 {
			c.mu.Lock()
			if !c.done {
				c.idle.Reset(rest)
			}
			c.mu.Unlock()
			return
		}
		g.hangUp(c, websocket.StatusGoingAway, "Going away")
	}
	c.idle = time.AfterFunc(g.cfg.IdleTimeout, checkIdle)
}

// message invokes the route frame selects and sends the route response, or
// API Gateway's error frame when the function fails.
func (g *Gateway) message(c *connection, frame []byte) {
	route := routes.SelectWebSocket(action(frame))
	ev := g.messageEvent(c, route.Key, frame, time.Now())
	var resp events.APIGatewayProxyResponse
	raw, err := g.invoke(context.Background(), route.Function, ev)
	if err == nil {
		err = json.Unmarshal(raw, &resp)
	}
	if err != nil {
		g.log.Error("route failed", "connection", c.id, "route", route.Key, "error", err)
		if err := c.send(internalError(c.id, ev.RequestContext.RequestID)); err != nil {
			g.log.Debug("send error frame", "connection", c.id, "error", err)
		}
		return
	}
	if resp.Body == "" {
		return
	}
	if err := c.send([]byte(resp.Body)); err != nil {
		g.log.Debug("send route response", "connection", c.id, "error", err)
	}
}

// disconnect invokes $disconnect for c, closed with code and reason.
func (g *Gateway) disconnect(c *connection, code websocket.StatusCode, reason string) {
	g.log.Info("disconnected", "connection", c.id, "status", int(code))
	ev := g.disconnectEvent(c, int64(code), reason, time.Now())
	if _, err := g.invoke(context.Background(), routes.Disconnect, ev); err != nil {
		g.log.Error("$disconnect failed", "connection", c.id, "error", err)
	}
}

// action evaluates the route selection expression $request.body.action:
// the string field "action" of a frame that is a JSON object, else "".
func action(frame []byte) string {
	var body map[string]any
	if json.Unmarshal(frame, &body) != nil {
		return ""
	}
	s, _ := body["action"].(string)
	return s
}

// internalError is the frame or body API Gateway sends when a function fails.
func internalError(connectionID, requestID string) []byte {
	id, _ := json.Marshal(connectionID)
	req, _ := json.Marshal(requestID)
	return []byte(`{"message": "Internal server error", "connectionId":` + string(id) + `, "requestId":` + string(req) + `}`)
}

// gatewayMessages are the bodies API Gateway answers a refused or failed
// authorization with.
var gatewayMessages = map[int]string{
	http.StatusUnauthorized:        "Unauthorized",
	http.StatusForbidden:           "Forbidden",
	http.StatusInternalServerError: "Internal server error",
}

// writeGatewayError answers a handshake the way API Gateway does when its
// authorizer refuses or fails: {"message": ...} with the status.
func writeGatewayError(w http.ResponseWriter, status int) {
	msg, _ := json.Marshal(map[string]string{"message": gatewayMessages[status]})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(msg)
}

// refuse answers a refused upgrade with the $connect function's response.
func refuse(w http.ResponseWriter, resp events.APIGatewayProxyResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := resp.StatusCode
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(resp.Body))
}

// responseHeader returns header name of resp, in either of its header maps.
func responseHeader(resp events.APIGatewayProxyResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// headerHasToken reports whether header name lists token (case-insensitively).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
