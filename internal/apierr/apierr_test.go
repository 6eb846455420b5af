package apierr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/apierr"
	"github.com/confidechat/confide/internal/chat"
)

// TestStatus: every code of docs/protocol.md has its status; anything else
// is a 500.
func TestStatus(t *testing.T) {
	tests := []struct {
		code chat.Code
		want int
	}{
		{chat.CodeBadRequest, 400},
		{chat.CodePayloadTooLarge, 413},
		{chat.CodeEmptyMessage, 400},
		{chat.CodeMessageTooLong, 413},
		{chat.CodeUnauthorized, 401},
		{chat.CodeForbidden, 403},
		{chat.CodeNotFound, 404},
		{chat.CodeConflict, 409},
		{chat.CodeRateLimited, 429},
		{chat.CodeInternal, 500},
		{chat.CodeUnknownAction, 400},
		{chat.CodeUnavailable, 503},
		{chat.Code("nonsense"), 500},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			if got := apierr.Status(tt.code); got != tt.want {
				t.Errorf("Status(%s) = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
}

// TestAnswer: an application error keeps its code and message; anything
// else is a bare internal error that names nothing of the cause.
func TestAnswer(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   chat.Code
		wantStatus int
	}{
		{"Conflict", chat.Closed(), chat.CodeConflict, 409},
		{"Wrapped", errors.Join(errors.New("context"), chat.NotFound()), chat.CodeNotFound, 404},
		{"Unexpected", errors.New("dynamodb: table confide-prod"), chat.CodeInternal, 500},
		{"Unavailable", chat.Unavailable(errors.New("dynamodb: ThrottlingException on table confide-prod")), chat.CodeUnavailable, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, status := apierr.Answer(tt.err)
			if e.Code != tt.wantCode || status != tt.wantStatus {
				t.Errorf("Answer = %s %d, want %s %d", e.Code, status, tt.wantCode, tt.wantStatus)
			}
			if strings.Contains(e.Message, "confide-prod") {
				t.Errorf("the internal cause reached the caller: %q", e.Message)
			}
		})
	}
}
