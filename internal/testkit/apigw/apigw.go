// Package apigw hands out API Gateway events captured on AWS (aws-lambda-go's
// own samples; README says where they came from), one copy for every test
// that starts from what API Gateway really sends: the local gateway's event
// shapes and the handler tests. It is test support; no product code imports
// it.
package apigw

import (
	"embed"
	"fmt"
	"testing"
)

//go:embed *.json
var captured embed.FS

// The captured events, by file name.
const (
	// WebSocketConnect is a WebSocket API's $connect event.
	WebSocketConnect = "apigw-websocket-request.json"
	// WebSocketMessage is a WebSocket API's MESSAGE event: a frame, routed
	// to $default in the capture.
	WebSocketMessage = "apigw-websocket-request-send-message.json"
	// WebSocketDisconnect is a WebSocket API's $disconnect event.
	WebSocketDisconnect = "apigw-websocket-request-disconnect.json"
	// HTTPNoAuthorizer is an HTTP API (payload format 2.0) request of a
	// route without an authorizer.
	HTTPNoAuthorizer = "apigw-v2-request-no-authorizer.json"
	// HTTPJWTAuthorizer is an HTTP API (payload format 2.0) request of a
	// route with a JWT authorizer.
	HTTPJWTAuthorizer = "apigw-v2-request-jwt-authorizer.json"
)

// Names lists every captured event.
var Names = []string{WebSocketConnect, WebSocketMessage, WebSocketDisconnect, HTTPNoAuthorizer, HTTPJWTAuthorizer}

// Lookup returns the captured event name as AWS sent it, or an error when
// there is no such event.
func Lookup(name string) ([]byte, error) {
	b, err := captured.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no captured API Gateway event %q: %w", name, err)
	}
	return b, nil
}

// Event returns the captured event name as AWS sent it, failing the test
// when there is no such event.
func Event(t testing.TB, name string) []byte {
	t.Helper()
	b, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
