// Package apierr maps the domain's error codes to HTTP statuses: the one
// place that happens, for the HTTP API's answers and the WebSocket
// $connect refusals alike (docs/protocol.md, "Errors").
package apierr

import (
	"net/http"

	"github.com/confidechat/confide/internal/chat"
)

// statuses maps each code to its HTTP status.
var statuses = map[chat.Code]int{
	chat.CodeBadRequest:      http.StatusBadRequest,
	chat.CodePayloadTooLarge: http.StatusRequestEntityTooLarge,
	chat.CodeEmptyMessage:    http.StatusBadRequest,
	chat.CodeMessageTooLong:  http.StatusRequestEntityTooLarge,
	chat.CodeUnauthorized:    http.StatusUnauthorized,
	chat.CodeForbidden:       http.StatusForbidden,
	chat.CodeNotFound:        http.StatusNotFound,
	chat.CodeConflict:        http.StatusConflict,
	chat.CodeRateLimited:     http.StatusTooManyRequests,
	chat.CodeInternal:        http.StatusInternalServerError,
	chat.CodeUnknownAction:   http.StatusBadRequest,
	chat.CodeUnavailable:     http.StatusServiceUnavailable,
}

// Status returns the HTTP status of code (500 for a code it does not know).
func Status(code chat.Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Answer is what a caller may be told of err (chat.Public) and its status.
func Answer(err error) (*chat.Error, int) {
	e := chat.Public(err)
	return e, Status(e.Code)
}
