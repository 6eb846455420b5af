package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
)

// Frame is any server-to-client frame: an event or an error.
type Frame struct {
	chat.Event
	Code            chat.Code `json:"code,omitempty"`
	ErrorMessage    string    `json:"-"`
	ClientMessageID string    `json:"clientMessageId,omitempty"`
	// RetryAfterSeconds is set on a rate_limited error frame.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
	// Raw is the frame as received.
	Raw []byte `json:"-"`
	// At is when it arrived.
	At time.Time `json:"-"`
}

// Socket is an open WebSocket connection that collects every frame it
// receives, so tests can wait for the one they expect.
type Socket struct {
	conn *websocket.Conn
	// handle, when set, receives every frame, which is then not kept.
	handle func(Frame)

	mu     sync.Mutex
	frames []Frame
	notify chan struct{}
	closed error
	done   chan struct{}
}

// DialError is a refused WebSocket handshake.
type DialError struct {
	Status int
	Err    error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("websocket refused with %d: %v", e.Status, e.Err)
}

// Connect takes a ticket and opens a connection to wsURL, on a conversation
// or ("" as staff) the staff feed.
func (c *Client) Connect(ctx context.Context, wsURL, conversationID string) (*Socket, error) {
	ticket, err := c.Ticket(ctx)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, wsURL, ticket, conversationID, c.Origin)
}

// Dial opens a connection with a ticket, as a browser at origin would.
func Dial(ctx context.Context, wsURL, ticket, conversationID, origin string) (*Socket, error) {
	return dial(ctx, wsURL, ticket, conversationID, origin, nil)
}

// DialFunc opens a connection as Dial does but hands every frame to handle,
// on the socket's reading goroutine, instead of keeping it: a long run (the
// load generator) would otherwise keep every frame it ever received. Frames
// and Wait see no frame of such a socket; Closed and Close work as usual.
func DialFunc(ctx context.Context, wsURL, ticket, conversationID, origin string, handle func(Frame)) (*Socket, error) {
	return dial(ctx, wsURL, ticket, conversationID, origin, handle)
}

func dial(ctx context.Context, wsURL, ticket, conversationID, origin string, handle func(Frame)) (*Socket, error) {
	q := url.Values{}
	if ticket != "" {
		q.Set("ticket", ticket)
	}
	if conversationID != "" {
		q.Set("conversationId", conversationID)
	}
	u := wsURL
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		return nil, &DialError{Status: status, Err: err}
	}
	conn.SetReadLimit(1 << 20)
	s := &Socket{conn: conn, handle: handle, notify: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	return s, nil
}

func (s *Socket) read() {
	defer close(s.done)
	for {
		_, b, err := s.conn.Read(context.Background())
		if err != nil {
			s.mu.Lock()
			s.closed = err
			close(s.notify)
			s.mu.Unlock()
			return
		}
		f := Frame{Raw: b, At: time.Now()}
		_ = json.Unmarshal(b, &f)
		var e struct {
			Message json.RawMessage `json:"message"`
		}
		if f.Type == chat.EventError && json.Unmarshal(b, &e) == nil {
			_ = json.Unmarshal(e.Message, &f.ErrorMessage)
			f.Message = nil
		}
		if s.handle != nil {
			s.handle(f)
			continue
		}
		s.mu.Lock()
		s.frames = append(s.frames, f)
		close(s.notify)
		s.notify = make(chan struct{})
		s.mu.Unlock()
	}
}

// Send writes one frame (a value marshalled to JSON, or a string as is).
func (s *Socket) Send(ctx context.Context, v any) error {
	var b []byte
	switch t := v.(type) {
	case string:
		b = []byte(t)
	case []byte:
		b = t
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// SendMessage sends a sendMessage frame.
func (s *Socket) SendMessage(ctx context.Context, conversationID, clientMessageID, body string) error {
	return s.Send(ctx, map[string]any{"action": routes.ActionSendMessage, "conversationId": conversationID, "clientMessageId": clientMessageID, "body": body})
}

// Frames returns every frame received so far.
func (s *Socket) Frames() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Frame(nil), s.frames...)
}

// ErrClosed is returned by Wait when the connection closed first.
var ErrClosed = errors.New("connection closed")

// Wait returns the first frame received (since the start) that match
// accepts, waiting until ctx ends.
func (s *Socket) Wait(ctx context.Context, match func(Frame) bool) (Frame, error) {
	seen := 0
	for {
		s.mu.Lock()
		for ; seen < len(s.frames); seen++ {
			if match(s.frames[seen]) {
				f := s.frames[seen]
				s.mu.Unlock()
				return f, nil
			}
		}
		closed, notify := s.closed, s.notify
		s.mu.Unlock()
		if closed != nil {
			return Frame{}, fmt.Errorf("%w: %v", ErrClosed, closed)
		}
		select {
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-notify:
		}
	}
}

// WaitType waits for a frame of type typ that match (nil: any) accepts.
func (s *Socket) WaitType(ctx context.Context, typ string, match func(Frame) bool) (Frame, error) {
	return s.Wait(ctx, func(f Frame) bool { return f.Type == typ && (match == nil || match(f)) })
}

// Closed waits until the server closes the connection and returns its close
// status (-1 if none was given).
func (s *Socket) Closed(ctx context.Context) (websocket.StatusCode, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-s.done:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return websocket.CloseStatus(s.closed), nil
}

// Close closes the connection normally.
func (s *Socket) Close() error {
	err := s.conn.Close(websocket.StatusNormalClosure, "bye")
	<-s.done
	return err
}
