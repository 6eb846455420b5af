package devstack

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"

	"github.com/confidechat/confide/internal/routes"
)

func TestPostToConnectionReachesTheSocket(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"SmallJSON", []byte(`{"type":"message","text":"hello"}`)},
		{"AtThe128KBLimit", bytes.Repeat([]byte("y"), MaxPostBytes)},
	}
	s := newStack(t, functions{}, GatewayConfig{})
	conn, id := s.dial(t, "post", nil)
	conn.SetReadLimit(-1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := s.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: tt.data}); err != nil {
				t.Fatalf("PostToConnection: %v", err)
			}
			typ, got, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if typ != websocket.MessageText || !bytes.Equal(got, tt.data) {
				t.Errorf("socket got %v frame of %d bytes, want text frame of the %d posted", typ, len(got), len(tt.data))
			}
		})
	}
}

func TestPostOver128KBIsPayloadTooLarge(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	_, id := s.dial(t, "too-large", nil)
	_, err := s.mgmt.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: &id, Data: bytes.Repeat([]byte("z"), MaxPostBytes+1),
	})
	var tooLarge *types.PayloadTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Errorf("PostToConnection of 128 KB + 1 = %v, want *types.PayloadTooLargeException", err)
	}
}

func TestGetConnectionDescribesTheSocket(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	before := time.Now().Truncate(time.Millisecond)
	conn, id := s.dial(t, "get", &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {"widget/2.0"}}})
	connected := time.Now()
	ctx := context.Background()

	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the frame", func() bool { return len(s.rec.invocations(routes.Message)) == 1 })
	out, err := s.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
	if err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if out.ConnectedAt == nil || out.ConnectedAt.Before(before) || out.ConnectedAt.After(connected) {
		t.Errorf("ConnectedAt = %v, want between %v and %v", out.ConnectedAt, before, connected)
	}
	if out.LastActiveAt == nil || out.LastActiveAt.Before(connected.Truncate(time.Millisecond)) {
		t.Errorf("LastActiveAt = %v, want the frame sent after %v", out.LastActiveAt, connected)
	}
	if out.Identity == nil || *out.Identity.SourceIp != "127.0.0.1" || *out.Identity.UserAgent != "widget/2.0" {
		t.Errorf("Identity = %+v, want 127.0.0.1 and widget/2.0", out.Identity)
	}
}

func TestGoneConnectionsGiveGoneException(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	conn, closedID := s.dial(t, "gone", nil)
	if err := conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	s.disconnected(t, closedID)

	ops := []struct {
		name string
		call func(ctx context.Context, id string) error
	}{
		{"Post", func(ctx context.Context, id string) error {
			_, err := s.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte("x")})
			return err
		}},
		{"Get", func(ctx context.Context, id string) error {
			_, err := s.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: &id})
			return err
		}},
		{"Delete", func(ctx context.Context, id string) error {
			_, err := s.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id})
			return err
		}},
	}
	ids := []struct{ name, id string }{{"Closed", closedID}, {"Unknown", "Zm9vYmFyYmF6cXV4="}}
	for _, op := range ops {
		for _, c := range ids {
			t.Run(op.name+c.name, func(t *testing.T) {
				err := op.call(context.Background(), c.id)
				var gone *types.GoneException
				if !errors.As(err, &gone) {
					t.Errorf("%s on a %s connection = %v, want *types.GoneException", op.name, c.name, err)
				}
			})
		}
	}
}

func TestDeleteAnswersAtOnceEvenIfTheClientDoesNot(t *testing.T) {
	s := newStack(t, functions{}, GatewayConfig{})
	conn, id := s.dial(t, "silent", nil)
	// The client reads nothing yet, so the closing handshake cannot finish;
	// on AWS DeleteConnection returns regardless.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id}); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	_, err := s.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte("late")})
	var gone *types.GoneException
	if !errors.As(err, &gone) {
		t.Errorf("PostToConnection right after DeleteConnection = %v, want *types.GoneException", err)
	}
	if got := s.gw.Connections(); got != 0 {
		t.Errorf("Connections() = %d right after DeleteConnection, want 0", got)
	}
	if got := closeStatus(t, conn); got != websocket.StatusNormalClosure {
		t.Errorf("client saw close status %v, want %v", got, websocket.StatusNormalClosure)
	}
	s.disconnected(t, id)
}

func TestFunctionsUseTheManagementAPIOnTheirOwnConnection(t *testing.T) {
	var s *stack
	s = newStack(t, functions{message: func(ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		id := ev.RequestContext.ConnectionID
		ctx := context.Background()
		switch ev.RequestContext.RouteKey {
		case "ping":
			if _, err := s.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: []byte(`{"pushed":true}`)}); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"reply":true}`}, nil
		default:
			_, err := s.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: &id})
			return events.APIGatewayProxyResponse{StatusCode: 200}, err
		}
	}}, GatewayConfig{})
	conn, id := s.dial(t, "own", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"pushed":true}`, `{"reply":true}`} {
		_, got, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("frame = %s, want %s (the post, then the route response)", got, want)
		}
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"action":"bye"}`)); err != nil {
		t.Fatal(err)
	}
	if got := closeStatus(t, conn); got != websocket.StatusNormalClosure {
		t.Errorf("client saw close status %v, want %v", got, websocket.StatusNormalClosure)
	}
	s.disconnected(t, id)
}
