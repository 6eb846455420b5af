package wsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/routes"
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

// parseFrame decodes a frame. It accepts one JSON object of valid UTF-8
// and nothing after it but white space.
func parseFrame(body string) (inbound, error) {
	var f inbound
	if len(body) > routes.MaxFrameBytes {
		return f, chat.Errorf(chat.CodePayloadTooLarge, "The frame is larger than %d bytes.", routes.MaxFrameBytes)
	}
	// encoding/json would turn invalid UTF-8 into U+FFFD and store that.
	if !utf8.ValidString(body) {
		return f, chat.BadRequest("The frame is not valid UTF-8.")
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		// A field of the wrong type leaves the others read (clientMessageId).
		return f, chat.BadRequest("The frame is not a valid JSON object of this protocol.")
	}
	return f, nil
}

func required(s *string, name string) (string, error) {
	if s == nil || *s == "" {
		return "", chat.BadRequest("%s is required.", name)
	}
	return *s, nil
}

// Frame is the handler of every frame a connection sends: each action
// (sendMessage, typing, markRead, ping) and $default; the "message"
// function serves it. The
// connection's identity is the one the authorizer attached to the event;
// nothing is read to learn it. Its answer, if any, is the route response: a
// pong or an error frame for the sender. Everything else reaches clients
// through the fan-out.
//
// A connection whose access token has expired gets a reconnect frame and
// is closed; one whose person's credentials were revoked (disabled, signed
// out, erased) gets the unauthorized error frame and is closed. Whether a
// credential was revoked is read for every frame, side by side with the
// action's first reads.
func (h *Handlers) Frame(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	start := time.Now()
	f, parseErr := parseFrame(req.Body)
	var convID, cmid string
	if f.ConversationID != nil {
		convID = *f.ConversationID
	}
	if f.ClientMessageID != nil {
		cmid = *f.ClientMessageID
	}
	var reply any
	cut := false
	conn, err := connectionOf(req)
	switch {
	case err != nil:
	case h.Service.TokenExpired(conn):
		err = chat.Errorf(chat.CodeUnauthorized, "Your sign-in has expired; reconnect to go on.")
		h.Service.CutOff(ctx, conn, chat.ReconnectFrame(chat.ReasonTokenExpired))
		cut = true
	default:
		reply, err = h.dispatch(ctx, conn, f, parseErr)
		if chat.IsRevoked(err) {
			h.Service.CutOff(ctx, conn, chat.RevokedFrame(cmid))
			cut = true
		}
	}
	h.logOutcome(ctx, req, convID, start, err)
	if cut {
		// The frame saying why went out before the close; nothing is left to answer.
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	if err != nil {
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

// dispatch runs the frame f (or answers parseErr) for conn. Frames the
// service does not act on (ping, unknown, malformed) still read whether
// conn's credential was revoked, so every frame is a check.
func (h *Handlers) dispatch(ctx context.Context, conn chat.Connection, f inbound, parseErr error) (any, error) {
	if parseErr != nil {
		return nil, h.checked(ctx, conn, parseErr)
	}
	switch f.Action {
	case routes.ActionPing:
		if err := h.checked(ctx, conn, nil); err != nil {
			return nil, err
		}
		return chat.Pong, nil
	case routes.ActionSendMessage, routes.ActionTyping, routes.ActionMarkRead:
	default:
		return nil, h.checked(ctx, conn, chat.Errorf(chat.CodeUnknownAction, "Unknown action."))
	}
	convID, err := required(f.ConversationID, "conversationId")
	if err != nil {
		return nil, h.checked(ctx, conn, err)
	}
	switch f.Action {
	case routes.ActionSendMessage:
		cmid, err := required(f.ClientMessageID, "clientMessageId")
		if err != nil {
			return nil, h.checked(ctx, conn, err)
		}
		if f.Body == nil {
			return nil, h.checked(ctx, conn, chat.BadRequest("body is required."))
		}
		_, _, err = h.Service.SendFromConnection(ctx, conn, chat.SendInput{ConversationID: convID, ClientMessageID: cmid, Body: *f.Body})
		return nil, err
	case routes.ActionTyping:
		if f.Typing == nil {
			return nil, h.checked(ctx, conn, chat.BadRequest("typing must be true or false."))
		}
		return nil, h.Service.Typing(ctx, conn, convID, *f.Typing)
	default: // markRead
		mid, err := required(f.MessageID, "messageId")
		if err != nil {
			return nil, h.checked(ctx, conn, err)
		}
		return nil, h.Service.MarkReadFromConnection(ctx, conn, convID, mid)
	}
}

// checked returns err (nil for a frame that is fine), unless conn's
// credential was revoked: then the revoked error, which wins. A failure to
// read the revocation fails a frame that was otherwise fine.
func (h *Handlers) checked(ctx context.Context, conn chat.Connection, err error) error {
	cErr := h.Service.CheckConnection(ctx, conn)
	if chat.IsRevoked(cErr) || (cErr != nil && err == nil) {
		return cErr
	}
	return err
}
