// Package client is a Go client of Confide's protocol (docs/protocol.md): the
// HTTP API and the WebSocket API, as a browser would use them. The end to
// end suite and the load generator speak to any deployment through it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// Client calls the HTTP API as one signed-in person.
type Client struct {
	BaseURL string
	Token   string
	// Origin is sent on WebSocket connects (browsers always send one).
	Origin string
	HTTP   *http.Client
}

// New returns a client of the API at baseURL with an access token.
func New(baseURL, token, origin string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Token: token, Origin: origin, HTTP: &http.Client{Timeout: 15 * time.Second}}
}

// APIError is an error answer of the API.
type APIError struct {
	Status         int
	Code           chat.Code
	Message        string
	ConversationID string
	RetryAfter     string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// Response is a raw answer, for tests that check statuses and headers.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request with a JSON body (nil: none) and returns the raw answer.
func (c *Client) Do(ctx context.Context, method, path string, body any) (Response, error) {
	var rd io.Reader
	if body != nil {
		if raw, ok := body.(string); ok {
			rd = strings.NewReader(raw)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				return Response{}, err
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// call sends a request and decodes a 2xx answer into out (nil: ignore it);
// any other status is an *APIError.
func (c *Client) call(ctx context.Context, method, path string, body, out any) (int, error) {
	res, err := c.Do(ctx, method, path, body)
	if err != nil {
		return 0, err
	}
	if res.Status >= 300 {
		var e struct {
			Error struct {
				Code    chat.Code `json:"code"`
				Message string    `json:"message"`
			} `json:"error"`
			ConversationID string `json:"conversationId"`
		}
		_ = json.Unmarshal(res.Body, &e)
		return res.Status, &APIError{Status: res.Status, Code: e.Error.Code, Message: e.Error.Message,
			ConversationID: e.ConversationID, RetryAfter: res.Header.Get("Retry-After")}
	}
	if out != nil && len(res.Body) > 0 {
		if err := json.Unmarshal(res.Body, out); err != nil {
			return res.Status, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return res.Status, nil
}

// Me returns GET /me.
func (c *Client) Me(ctx context.Context) (chat.Me, error) {
	var me chat.Me
	_, err := c.call(ctx, "GET", "/me", nil, &me)
	return me, err
}

// SetDisplayName chooses the name a member of staff is shown by (PUT /me).
func (c *Client) SetDisplayName(ctx context.Context, name string) (chat.Me, error) {
	var me chat.Me
	_, err := c.call(ctx, "PUT", "/me", map[string]string{"displayName": name}, &me)
	return me, err
}

// Ticket returns a one-time WebSocket ticket.
func (c *Client) Ticket(ctx context.Context) (string, error) {
	var t struct {
		Ticket string `json:"ticket"`
	}
	_, err := c.call(ctx, "POST", "/ws/ticket", nil, &t)
	return t.Ticket, err
}

// CreateConversation starts a session ("" retention: the default).
func (c *Client) CreateConversation(ctx context.Context, retention chat.Retention) (chat.Conversation, error) {
	var body any = map[string]any{}
	if retention != "" {
		body = map[string]any{"retention": retention}
	}
	var out struct {
		Conversation chat.Conversation `json:"conversation"`
	}
	_, err := c.call(ctx, "POST", "/conversations", body, &out)
	return out.Conversation, err
}

// Conversations lists conversations with the given query (status, cursor, limit).
func (c *Client) Conversations(ctx context.Context, q url.Values) (chat.ConversationList, error) {
	var out chat.ConversationList
	_, err := c.call(ctx, "GET", "/conversations"+query(q), nil, &out)
	return out, err
}

// Conversation returns one conversation.
func (c *Client) Conversation(ctx context.Context, id string) (chat.Conversation, error) {
	return c.conversationCall(ctx, "GET", "/conversations/"+id, nil)
}

func (c *Client) conversationCall(ctx context.Context, method, path string, body any) (chat.Conversation, error) {
	var out struct {
		Conversation chat.Conversation `json:"conversation"`
	}
	_, err := c.call(ctx, method, path, body, &out)
	return out.Conversation, err
}

// Messages lists messages with the given query (limit, cursor, after).
func (c *Client) Messages(ctx context.Context, conversationID string, q url.Values) (chat.MessageList, error) {
	var out chat.MessageList
	_, err := c.call(ctx, "GET", "/conversations/"+conversationID+"/messages"+query(q), nil, &out)
	return out, err
}

// Send posts a message and returns it with the answer's status (201 new,
// 200 repeated clientMessageId).
func (c *Client) Send(ctx context.Context, conversationID, clientMessageID, body string) (chat.Message, int, error) {
	var out struct {
		Message chat.Message `json:"message"`
	}
	status, err := c.call(ctx, "POST", "/conversations/"+conversationID+"/messages",
		map[string]string{"clientMessageId": clientMessageID, "body": body}, &out)
	return out.Message, status, err
}

// Edit changes a message's body.
func (c *Client) Edit(ctx context.Context, conversationID, messageID, body string) (chat.Message, error) {
	var out struct {
		Message chat.Message `json:"message"`
	}
	_, err := c.call(ctx, "PATCH", "/conversations/"+conversationID+"/messages/"+messageID, map[string]string{"body": body}, &out)
	return out.Message, err
}

// DeleteMessage soft-deletes a message.
func (c *Client) DeleteMessage(ctx context.Context, conversationID, messageID string) error {
	_, err := c.call(ctx, "DELETE", "/conversations/"+conversationID+"/messages/"+messageID, nil, nil)
	return err
}

// MarkRead moves the read marker.
func (c *Client) MarkRead(ctx context.Context, conversationID, messageID string) error {
	_, err := c.call(ctx, "POST", "/conversations/"+conversationID+"/read", map[string]string{"messageId": messageID}, nil)
	return err
}

// SetRetention changes the retention mode.
func (c *Client) SetRetention(ctx context.Context, conversationID string, r chat.Retention) (chat.Conversation, error) {
	return c.conversationCall(ctx, "PUT", "/conversations/"+conversationID+"/retention", map[string]any{"retention": r})
}

// Claim makes the caller the assignee.
func (c *Client) Claim(ctx context.Context, conversationID string) (chat.Conversation, error) {
	return c.conversationCall(ctx, "POST", "/conversations/"+conversationID+"/claim", nil)
}

// Close ends a session.
func (c *Client) Close(ctx context.Context, conversationID string) (chat.Conversation, error) {
	return c.conversationCall(ctx, "POST", "/conversations/"+conversationID+"/close", nil)
}

// DeleteConversation hides a closed conversation from the client's views.
func (c *Client) DeleteConversation(ctx context.Context, conversationID string) error {
	_, err := c.call(ctx, "DELETE", "/conversations/"+conversationID, nil, nil)
	return err
}

// Feedback rates a closed session.
func (c *Client) Feedback(ctx context.Context, conversationID string, rating int, comment string) error {
	_, err := c.call(ctx, "POST", "/conversations/"+conversationID+"/feedback", map[string]any{"rating": rating, "comment": comment}, nil)
	return err
}

// Availability returns GET /availability: how many counsellors are online
// and, for a client waiting for one, its place in the queue.
func (c *Client) Availability(ctx context.Context) (chat.Availability, error) {
	var out chat.Availability
	_, err := c.call(ctx, "GET", "/availability", nil, &out)
	return out, err
}

// Widget returns GET /widget/messages.
func (c *Client) Widget(ctx context.Context) (chat.WidgetView, error) {
	var out chat.WidgetView
	_, err := c.call(ctx, "GET", "/widget/messages", nil, &out)
	return out, err
}

// Stats returns GET /stats.
func (c *Client) Stats(ctx context.Context) (chat.Stats, error) {
	var out chat.Stats
	_, err := c.call(ctx, "GET", "/stats", nil, &out)
	return out, err
}

// Audit returns GET /audit.
func (c *Client) Audit(ctx context.Context, q url.Values) (chat.AuditList, error) {
	var out chat.AuditList
	_, err := c.call(ctx, "GET", "/audit"+query(q), nil, &out)
	return out, err
}

func query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
