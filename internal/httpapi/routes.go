package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/confidechat/confide/internal/chat"
)

// table binds each route key of routes.HTTP to its handler. A test checks
// that the two name the same routes.
func (a *API) table() map[string]route {
	return map[string]route{
		"GET /me":                                   a.me,
		"PUT /me":                                   a.setMe,
		"POST /ws/ticket":                           a.ticket,
		"POST /conversations":                       a.createConversation,
		"GET /conversations":                        a.listConversations,
		"GET /conversations/{id}":                   a.getConversation,
		"DELETE /conversations/{id}":                a.deleteConversation,
		"GET /conversations/{id}/messages":          a.listMessages,
		"POST /conversations/{id}/messages":         a.sendMessage,
		"PATCH /conversations/{id}/messages/{mid}":  a.editMessage,
		"DELETE /conversations/{id}/messages/{mid}": a.deleteMessage,
		"POST /conversations/{id}/read":             a.markRead,
		"PUT /conversations/{id}/retention":         a.setRetention,
		"POST /conversations/{id}/claim":            a.claim,
		"POST /conversations/{id}/assign":           a.assign,
		"PUT /conversations/{id}/risk":              a.setRisk,
		"POST /conversations/{id}/close":            a.close,
		"POST /conversations/{id}/feedback":         a.feedback,
		"GET /availability":                         a.availability,
		"GET /widget/messages":                      a.widget,
		"GET /stats":                                a.stats,
		"GET /audit":                                a.audit,
		"GET /staff":                                a.staff,
		"GET /queue":                                a.queue,
	}
}

func ok(body any) (response, error) { return response{status: http.StatusOK, body: body}, nil }
func created(body any) (response, error) {
	return response{status: http.StatusCreated, body: body}, nil
}
func noContent() (response, error) { return response{status: http.StatusNoContent}, nil }

type conversationBody struct {
	Conversation chat.Conversation `json:"conversation"`
}

type messageBody struct {
	Message chat.Message `json:"message"`
}

func (a *API) me(ctx context.Context, r request) (response, error) {
	me, err := a.Service.Me(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(me)
}

func (a *API) setMe(ctx context.Context, r request) (response, error) {
	name, err := oneField[string](r, "displayName", "displayName is required.")
	if err != nil {
		return response{}, err
	}
	me, err := a.Service.SetDisplayName(ctx, r.caller, name)
	if err != nil {
		return response{}, err
	}
	return ok(me)
}

func (a *API) ticket(ctx context.Context, r request) (response, error) {
	t, exp, err := a.Tickets.Issue(ctx, r.caller, r.tokenExp)
	if err != nil {
		return response{}, err
	}
	return created(struct {
		Ticket    string    `json:"ticket"`
		ExpiresAt chat.Time `json:"expiresAt"`
	}{t, chat.At(exp)})
}

func (a *API) createConversation(ctx context.Context, r request) (response, error) {
	var in struct {
		Retention *chat.Retention `json:"retention"`
	}
	if r.Body != "" {
		if err := decode(r, &in); err != nil {
			return response{}, err
		}
	}
	var ret chat.Retention
	if in.Retention != nil {
		// Given, it must be one of the two; only its absence means 24h.
		if ret = *in.Retention; ret.Check() != nil {
			return response{}, ret.Check()
		}
	}
	c, err := a.Service.CreateConversation(ctx, r.caller, ret)
	if err != nil {
		return response{}, err
	}
	return created(conversationBody{c})
}

func (a *API) listConversations(ctx context.Context, r request) (response, error) {
	limit, err := intParam(r, "limit")
	if err != nil {
		return response{}, err
	}
	q := r.QueryStringParameters
	list, err := a.Service.ListConversations(ctx, r.caller, chat.ListQuery{Status: chat.Status(q["status"]), Cursor: q["cursor"], Limit: limit})
	if err != nil {
		return response{}, err
	}
	return ok(list)
}

func (a *API) getConversation(ctx context.Context, r request) (response, error) {
	c, err := a.Service.GetConversation(ctx, r.caller, r.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) deleteConversation(ctx context.Context, r request) (response, error) {
	if err := a.Service.DeleteConversation(ctx, r.caller, r.PathParameters["id"]); err != nil {
		return response{}, err
	}
	return noContent()
}

func (a *API) listMessages(ctx context.Context, r request) (response, error) {
	limit, err := intParam(r, "limit")
	if err != nil {
		return response{}, err
	}
	q := r.QueryStringParameters
	list, err := a.Service.ListMessages(ctx, r.caller, r.PathParameters["id"], chat.MessageQuery{Limit: limit, Cursor: q["cursor"], After: q["after"]})
	if err != nil {
		return response{}, err
	}
	return ok(list)
}

func (a *API) sendMessage(ctx context.Context, r request) (response, error) {
	var in struct {
		ClientMessageID *string `json:"clientMessageId"`
		Body            *string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		return response{}, err
	}
	if in.ClientMessageID == nil || in.Body == nil {
		return response{}, chat.BadRequest("clientMessageId and body are required.")
	}
	m, isNew, err := a.Service.SendMessage(ctx, r.caller, chat.SendInput{ConversationID: r.PathParameters["id"], ClientMessageID: *in.ClientMessageID, Body: *in.Body})
	if err != nil {
		return response{}, err
	}
	if !isNew {
		return ok(messageBody{m})
	}
	return created(messageBody{m})
}

func (a *API) editMessage(ctx context.Context, r request) (response, error) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		return response{}, err
	}
	if in.Body == nil {
		return response{}, chat.BadRequest("body is required.")
	}
	m, err := a.Service.EditMessage(ctx, r.caller, r.PathParameters["id"], r.PathParameters["mid"], *in.Body)
	if err != nil {
		return response{}, err
	}
	return ok(messageBody{m})
}

func (a *API) deleteMessage(ctx context.Context, r request) (response, error) {
	if err := a.Service.DeleteMessage(ctx, r.caller, r.PathParameters["id"], r.PathParameters["mid"]); err != nil {
		return response{}, err
	}
	return noContent()
}

func (a *API) markRead(ctx context.Context, r request) (response, error) {
	var in struct {
		MessageID *string `json:"messageId"`
	}
	if err := decode(r, &in); err != nil {
		return response{}, err
	}
	if in.MessageID == nil {
		return response{}, chat.BadRequest("messageId is required.")
	}
	if err := a.Service.MarkRead(ctx, r.caller, r.PathParameters["id"], *in.MessageID); err != nil {
		return response{}, err
	}
	return noContent()
}

func (a *API) setRetention(ctx context.Context, r request) (response, error) {
	retention, err := oneField[chat.Retention](r, "retention", "retention is required.")
	if err != nil {
		return response{}, err
	}
	c, err := a.Service.SetRetention(ctx, r.caller, r.PathParameters["id"], retention)
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) claim(ctx context.Context, r request) (response, error) {
	c, err := a.Service.Claim(ctx, r.caller, r.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) assign(ctx context.Context, r request) (response, error) {
	to, err := oneField[string](r, "to", "to is required: the counsellor's user id.")
	if err != nil {
		return response{}, err
	}
	c, err := a.Service.Assign(ctx, r.caller, r.PathParameters["id"], to)
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) setRisk(ctx context.Context, r request) (response, error) {
	var in struct {
		Level  *chat.RiskLevel `json:"level"`
		Reason *string         `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return response{}, err
	}
	if in.Level == nil || in.Reason == nil {
		return response{}, chat.BadRequest("level and reason are required.")
	}
	c, err := a.Service.SetRisk(ctx, r.caller, r.PathParameters["id"], *in.Level, *in.Reason)
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) queue(ctx context.Context, r request) (response, error) {
	cs, err := a.Service.Queue(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(struct {
		Conversations []chat.Conversation `json:"conversations"`
	}{cs})
}

func (a *API) staff(ctx context.Context, r request) (response, error) {
	members, err := a.Service.Staff(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(struct {
		Staff []chat.StaffMember `json:"staff"`
	}{members})
}

func (a *API) close(ctx context.Context, r request) (response, error) {
	c, err := a.Service.Close(ctx, r.caller, r.PathParameters["id"])
	if err != nil {
		return response{}, err
	}
	return ok(conversationBody{c})
}

func (a *API) feedback(ctx context.Context, r request) (response, error) {
	var in struct {
		Rating  *int    `json:"rating"`
		Comment *string `json:"comment"`
	}
	if err := decode(r, &in); err != nil {
		return response{}, err
	}
	if in.Rating == nil {
		return response{}, chat.BadRequest("rating is required.")
	}
	comment := ""
	if in.Comment != nil {
		comment = *in.Comment
	}
	if err := a.Service.Feedback(ctx, r.caller, r.PathParameters["id"], *in.Rating, comment); err != nil {
		return response{}, err
	}
	return noContent()
}

func (a *API) availability(ctx context.Context, r request) (response, error) {
	av, err := a.Service.Availability(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(av)
}

func (a *API) widget(ctx context.Context, r request) (response, error) {
	v, err := a.Service.Widget(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(v)
}

func (a *API) stats(ctx context.Context, r request) (response, error) {
	st, err := a.Service.Stats(ctx, r.caller)
	if err != nil {
		return response{}, err
	}
	return ok(st)
}

func (a *API) audit(ctx context.Context, r request) (response, error) {
	q := r.QueryStringParameters
	from, err := timeParam(q["from"], false)
	if err != nil {
		return response{}, err
	}
	to, err := timeParam(q["to"], true)
	if err != nil {
		return response{}, err
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		return response{}, err
	}
	list, err := a.Service.Audit(ctx, r.caller, chat.AuditQuery{From: from, To: to, Cursor: q["cursor"], Limit: limit})
	if err != nil {
		return response{}, err
	}
	return ok(list)
}

func intParam(r request, name string) (int, error) {
	v, ok := r.QueryStringParameters[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, chat.BadRequest("%s must be a whole number.", name)
	}
	if n == 0 {
		return 0, chat.BadRequest("%s must be at least 1.", name)
	}
	return n, nil
}

// timeParam reads an RFC 3339 timestamp or a date (yyyy-mm-dd, UTC). A
// date is the start of that day, or with endOfDay its last millisecond, so
// from=2026-11-26&to=2026-11-26 is the whole of that day.
func timeParam(v string, endOfDay bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if endOfDay {
			t = t.Add(24*time.Hour - time.Millisecond)
		}
		return t, nil
	}
	return time.Time{}, chat.BadRequest("from and to must be dates (2026-11-26) or RFC 3339 timestamps.")
}

// oneField reads a body {"<name>": <T>, ...} whose field is required (a
// missing or null one is bad_request with missing); other fields are
// ignored, as the protocol's bodies allow.
func oneField[T any](r request, name, missing string) (T, error) {
	var (
		in map[string]json.RawMessage
		v  T
	)
	if err := decode(r, &in); err != nil {
		return v, err
	}
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return v, chat.BadRequest("%s", missing)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, chat.BadRequest("The body is not valid JSON of the expected shape.")
	}
	return v, nil
}
