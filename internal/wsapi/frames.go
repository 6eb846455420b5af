package wsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/chat"
)

// inbound is a client-to-server frame. Pointers tell a missing field from a
// zero one; a field of the wrong type fails decoding and is bad_request.
type inbound struct {
	Action          string  `json:"action"`
	ConversationID  *string `json:"conversationId"`
	ClientMessageID *string `json:"clientMessageId"`
	Body            *string `json:"body"`
	MessageID       *string `json:"messageId"`
	Typing          *bool   `json:"typing"`
}

// parseFrame decodes a frame. It accepts one JSON object and nothing after it.
func parseFrame(body string) (inbound, error) {
	var f inbound
	if len(body) > MaxFrameBytes {
		return f, chat.Errorf(chat.CodePayloadTooLarge, "The frame is larger than %d bytes.", MaxFrameBytes)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	if err := dec.Decode(&f); err != nil {
		return f, chat.BadRequest("The frame is not a valid JSON object of this protocol.")
	}
	if dec.More() {
		return f, chat.BadRequest("The frame holds more than one JSON value.")
	}
	return f, nil
}

func required(s *string, name string) (string, error) {
	if s == nil || *s == "" {
		return "", chat.BadRequest("%s is required.", name)
	}
	return *s, nil
}

// Message is the handler of every frame ($default and each action). Its
// answer, if any, is the route response: a pong or an error frame for the
// sender. Everything else reaches clients through the fan-out.
func (h *Handlers) Message(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := time.Now()
	f, err := parseFrame(req.Body)
	var convID string
	if f.ConversationID != nil {
		convID = *f.ConversationID
	}
	var reply any
	if err == nil {
		reply, err = h.dispatch(ctx, req, f)
	}
	h.logOutcome(ctx, req, convID, start, err)
	if err != nil {
		cmid := ""
		if f.ClientMessageID != nil {
			cmid = *f.ClientMessageID
		}
		reply = chat.NewErrorFrame(err, cmid)
	}
	if reply == nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	b, mErr := json.Marshal(reply)
	if mErr != nil {
		return events.APIGatewayProxyResponse{}, mErr
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(b)}, nil
}

func (h *Handlers) dispatch(ctx context.Context, req events.APIGatewayWebsocketProxyRequest, f inbound) (any, error) {
	if f.Action == "ping" {
		return chat.Pong, nil
	}
	switch f.Action {
	case "sendMessage", "typing", "markRead":
	default:
		return nil, chat.Errorf(chat.CodeUnknownAction, "Unknown action.")
	}
	conn, err := h.Service.Connection(ctx, req.RequestContext.ConnectionID)
	if err != nil {
		return nil, err
	}
	if h.Service.TokenExpired(conn) {
		return nil, chat.Errorf(chat.CodeUnauthorized, "Your sign-in has expired; reconnect to go on.")
	}
	convID, err := required(f.ConversationID, "conversationId")
	if err != nil {
		return nil, err
	}
	switch f.Action {
	case "sendMessage":
		cmid, err := required(f.ClientMessageID, "clientMessageId")
		if err != nil {
			return nil, err
		}
		if f.Body == nil {
			return nil, chat.BadRequest("body is required.")
		}
		_, _, err = h.Service.SendFromConnection(ctx, conn, chat.SendInput{ConversationID: convID, ClientMessageID: cmid, Body: *f.Body})
		return nil, err
	case "typing":
		if f.Typing == nil {
			return nil, chat.BadRequest("typing must be true or false.")
		}
		return nil, h.Service.Typing(ctx, conn, convID, *f.Typing)
	default: // markRead
		mid, err := required(f.MessageID, "messageId")
		if err != nil {
			return nil, err
		}
		return nil, h.Service.MarkReadFromConnection(ctx, conn, convID, mid)
	}
}
