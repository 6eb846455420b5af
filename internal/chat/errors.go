package chat

import (
	"errors"
	"fmt"
	"time"
)

// Code is an application error code of docs/protocol.md. The adapters map
// codes to transport statuses (internal/apierr); the domain knows none.
type Code string

// The error codes of docs/protocol.md.
const (
	CodeBadRequest      Code = "bad_request"
	CodePayloadTooLarge Code = "payload_too_large"
	CodeEmptyMessage    Code = "empty_message"
	CodeMessageTooLong  Code = "message_too_long"
	CodeUnauthorized    Code = "unauthorized"
	CodeForbidden       Code = "forbidden"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeRateLimited     Code = "rate_limited"
	CodeInternal        Code = "internal"
	CodeUnknownAction   Code = "unknown_action"
	// CodeUnavailable is a failure of a service Confide depends on that
	// retrying fixes (throttled, erroring or unreachable): nothing the
	// caller asked for was done, or, for a send, it is stored once however
	// often it is sent again with the same clientMessageId.
	CodeUnavailable Code = "unavailable"
)

// Error is an application error: a code, a message fit for people, what
// the person can do about it (the conversation that is already active, when
// to try again), and optionally the error that caused it (never shown to
// callers).
type Error struct {
	Code    Code
	Message string
	// ConversationID names the active conversation on a one-active conflict.
	ConversationID string
	// RetryAfter is set on rate_limited and unavailable.
	RetryAfter time.Duration
	// Err is the underlying cause, for logs only.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up (0: none):
// what the HTTP Retry-After header, the HTTP error body and the WebSocket
// error frame say.
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// Is makes errors.Is(err, &Error{Code: c}) match any error with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == ""
}

// Errorf returns an application error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinel returns a target for errors.Is that matches any error with
// code: errors.Is(err, chat.Sentinel(chat.CodeNotFound)).
func Sentinel(code Code) error { return &Error{Code: code} }

// CodeOf returns the code of err: its application code, or internal for
// anything unexpected.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Public returns what may be shown to a caller for err: application errors as
// they are, anything else as a bare "internal" that says nothing about
// internals.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e
	}
	return &Error{Code: CodeInternal, Message: "Something went wrong on our side. Please try again."}
}

// NotFound returns the not_found error. It is also what a caller gets for a
// thing it may not see, so existence never leaks.
func NotFound() *Error { return Errorf(CodeNotFound, "Not found.") }

// Unauthorized returns the unauthorized error.
func Unauthorized() *Error { return Errorf(CodeUnauthorized, "Please sign in again.") }

// Closed returns the conflict error for acting on a closed conversation.
func Closed() *Error { return Errorf(CodeConflict, "This conversation is closed.") }

// UnavailableRetryAfter is when a caller told unavailable may try again.
const UnavailableRetryAfter = time.Second

// Unavailable returns the unavailable error caused by err, a failure of a
// service Confide depends on that retrying fixes.
func Unavailable(err error) *Error {
	return &Error{Code: CodeUnavailable, Message: "Confide could not do that just now. Please try again.",
		RetryAfter: UnavailableRetryAfter, Err: err}
}

// BadRequest returns a bad_request error with a message for people.
func BadRequest(format string, args ...any) *Error { return Errorf(CodeBadRequest, format, args...) }

// ErrStale is returned by a store when a write's condition failed because the
// conversation changed under it (for example its retention); the service
// re-reads and tries once more.
var ErrStale = errors.New("chat: conversation changed")
