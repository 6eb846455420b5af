package faults

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		spec string
		want Plan
	}{
		{"", Plan{}},
		{"dynamodb.throttle=0.05,dynamodb.error500=0.01,mgmt.error500=0.02,fn.panic=message:0.01", Plan{
			DynamoDB:   DynamoDBFaults{Throttle: Fault{Rate: 0.05}, Error500: Fault{Rate: 0.01}},
			Management: ManagementFaults{Error500: Fault{Rate: 0.02}},
			Functions:  map[string]FunctionFaults{"message": {Panic: Fault{Rate: 0.01}}},
		}},
		{"seed=42, dynamodb.throughput=3x, dynamodb.conflict=0.1, management.gone=1x, management.throttle=0.5", Plan{
			Seed:       42,
			DynamoDB:   DynamoDBFaults{Throughput: Fault{Next: 3}, Conflict: Fault{Rate: 0.1}},
			Management: ManagementFaults{Gone: Fault{Next: 1}, Throttle: Fault{Rate: 0.5}},
		}},
		{"dynamodb.latency=20ms,dynamodb.tail=0.01:2s,jwks.latency=3s,jwks.unreachable=0.5,mgmt.latency=5ms", Plan{
			DynamoDB:   DynamoDBFaults{Latency: Latency{Fixed: Duration(20 * time.Millisecond), TailRate: 0.01, Tail: Duration(2 * time.Second)}},
			Management: ManagementFaults{Latency: Latency{Fixed: Duration(5 * time.Millisecond)}},
			JWKS:       JWKSFaults{Latency: Latency{Fixed: Duration(3 * time.Second)}, Unreachable: Fault{Rate: 0.5}},
		}},
		{"fn.timeout=api:0.2,fn.coldstart=message:0.1:4s,fn.panic=message:2x", Plan{Functions: map[string]FunctionFaults{
			"api":     {Timeout: Fault{Rate: 0.2}},
			"message": {ColdStart: Fault{Rate: 0.1}, ColdStartDelay: Duration(4 * time.Second), Panic: Fault{Next: 2}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSpec = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSpecRefuses(t *testing.T) {
	for _, spec := range []string{
		"dynamodb.throttle", "dynamodb.throttle=lots", "dynamodb.throttle=1.5", "dynamodb.throttle=-0.1",
		"dynamodb.gone=0.1", "s3.throttle=0.1", "throttle=0.1", "fn.panic=0.1", "fn.explode=message:0.1",
		"dynamodb.latency=soon", "dynamodb.tail=0.1", "jwks.tail=2:1s", "seed=abc", "mgmt.error500=-3x",
	} {
		if _, err := ParseSpec(spec); err == nil {
			t.Errorf("ParseSpec(%q) accepted it", spec)
		}
	}
}

func TestParseOutages(t *testing.T) {
	got, err := ParseOutages("dynamodb:10s@60s, jwks:5s")
	if err != nil {
		t.Fatal(err)
	}
	want := []Outage{{Service: DynamoDB, For: Duration(10 * time.Second), After: Duration(time.Minute)}, {Service: JWKS, For: Duration(5 * time.Second)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseOutages = %+v, want %+v", got, want)
	}
	for _, spec := range []string{"dynamodb", "dynamodb:0s", "kinesis:1s@1s", "dynamodb:1s@soon", "dynamodb:x"} {
		if _, err := ParseOutages(spec); err == nil {
			t.Errorf("ParseOutages(%q) accepted it", spec)
		}
	}
}

func TestControl(t *testing.T) {
	in := New()
	srv := httptest.NewServer(in)
	defer srv.Close()
	do := func(method, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		name, method, body string
		status             int
		contains           string
	}{
		{"SetsAPlan", http.MethodPut, `{"dynamodb":{"throttle":{"rate":0.05}},"outages":[{"service":"dynamodb","for":"10s","after":"1m"}]}`, http.StatusOK, `"throttle":{"rate":0.05}`},
		{"ShowsIt", http.MethodGet, "", http.StatusOK, `"service":"dynamodb","after":"1m0s","for":"10s","start":`},
		{"RefusesARateAboveOne", http.MethodPut, `{"management":{"gone":{"rate":2}}}`, http.StatusBadRequest, "rate must be between 0 and 1"},
		{"RefusesAnUnknownField", http.MethodPut, `{"dynamo":{}}`, http.StatusBadRequest, "unknown field"},
		{"RefusesAnUnknownOutage", http.MethodPut, `{"outages":[{"service":"s3","for":"1s"}]}`, http.StatusBadRequest, "outage"},
		{"RefusesABadDuration", http.MethodPut, `{"outages":[{"service":"jwks","for":"soon"}]}`, http.StatusBadRequest, "duration"},
		{"RefusesOtherMethods", http.MethodPost, `{}`, http.StatusMethodNotAllowed, "GET or PUT"},
		{"KeptThePlanAfterRefusals", http.MethodGet, "", http.StatusOK, `"throttle":{"rate":0.05}`},
		{"ClearsIt", http.MethodPut, `{}`, http.StatusOK, `"throttle":{},"throughput":{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(tt.method, tt.body)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("%s = %d %s, want %d containing %s", tt.method, status, body, tt.status, tt.contains)
			}
		})
	}
}
