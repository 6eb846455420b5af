package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

func TestUnion(t *testing.T) {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	span := func(a, b int) [2]time.Time { return [2]time.Time{at(a), at(b)} }
	tests := []struct {
		name  string
		spans [][2]time.Time
		want  time.Duration
	}{
		{"NoneIsZero", nil, 0},
		{"OneSpan", [][2]time.Time{span(0, 5)}, 5 * time.Millisecond},
		{"SequentialSpansAdd", [][2]time.Time{span(0, 5), span(10, 12)}, 7 * time.Millisecond},
		{"OverlapsCountOnce", [][2]time.Time{span(0, 5), span(3, 8)}, 8 * time.Millisecond},
		{"AContainedSpanAddsNothing", [][2]time.Time{span(0, 10), span(2, 3)}, 10 * time.Millisecond},
		{"OrderDoesNotMatter", [][2]time.Time{span(10, 12), span(3, 8), span(0, 5)}, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := union(tt.spans); got != tt.want {
				t.Errorf("union = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRecorderMeasuresAnInvocation runs a wrapped handler that writes once
// and then reads twice at the same time, against the embedded DynamoDB.
func TestRecorderMeasuresAnInvocation(t *testing.T) {
	ctx := context.Background()
	db, err := localdynamo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rec := NewRecorder()
	client := db.Client(ctx, rec.DynamoDBOptions)
	if err := store.CreateTable(ctx, client, "bench"); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"pk": s("CONV#1"), "sk": s("META")}
	handler := func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: key}); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: key})
			})
		}
		wg.Wait()
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, errors.Join(errs...)
	}
	var ev events.APIGatewayWebsocketProxyRequest
	ev.RequestContext.RouteKey = "sendMessage"
	ev.Body = `{"action":"sendMessage","conversationId":"c","clientMessageId":"cm-1","body":"hi"}`
	payload, _ := json.Marshal(ev)

	out, err := rec.Wrap("message", handler)(ctx, payload)
	if err != nil {
		t.Fatalf("wrapped handler: %v", err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.Body != "ok" {
		t.Fatalf("wrapped handler answered %s (%v), want the handler's answer", out, err)
	}
	// A call outside any invocation is not counted.
	if _, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: key}); err != nil {
		t.Fatal(err)
	}

	rep := rec.Report()
	if len(rep.Routes) != 1 {
		t.Fatalf("routes = %+v, want sendMessage only", rep.Routes)
	}
	r := rep.Routes[0]
	wantCalls := map[string]float64{"PutItem": 1, "GetItem": 2}
	if r.Route != "message sendMessage" || r.Invocations != 1 || len(r.CallsPerInvocation) != 2 ||
		r.CallsPerInvocation["PutItem"] != 1 || r.CallsPerInvocation["GetItem"] != 2 {
		t.Errorf("route = %+v, want one sendMessage with calls %v", r, wantCalls)
	}
	if r.WRUPerInvocation != 1 || r.RRUPerInvocation != 1 {
		t.Errorf("units = %g RRU, %g WRU; want 1 and 1", r.RRUPerInvocation, r.WRUPerInvocation)
	}
	m, ok := rep.Messages["cm-1"]
	if !ok {
		t.Fatalf("messages = %v, want the timing of cm-1", rep.Messages)
	}
	if m.DynamoDB <= 0 || m.DynamoDB > m.Duration {
		t.Errorf("cm-1 spent %v in DynamoDB of %v, want a positive share", m.DynamoDB, m.Duration)
	}
}
