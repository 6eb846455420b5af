package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// countingConn counts the writes made to a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func TestEveryAWSRequestGoesInOneWrite(t *testing.T) {
	tests := []struct {
		name       string
		wrap       func(aws.HTTPClient) aws.HTTPClient
		wantWrites int64
	}{
		{"OneWrite", func(c aws.HTTPClient) aws.HTTPClient { return oneWrite{c} }, 1},
		// The SDK's own client sends the headers first, then the body: if
		// this ever becomes 1, oneWrite is no longer needed.
		{"TheSDKAlone", func(c aws.HTTPClient) aws.HTTPClient { return c }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				bodies = append(bodies, string(b))
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				io.WriteString(w, `{"Item":{"pk":{"S":"CONV#1"}}}`) //nolint:errcheck // test server
			}))
			defer srv.Close()
			var writes atomic.Int64
			dial := (&net.Dialer{}).DialContext
			sdk := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					c, err := dial(ctx, network, addr)
					return countingConn{c, &writes}, err
				}
			})
			db := dynamodb.New(dynamodb.Options{
				Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: tt.wrap(sdk),
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
			})
			const calls = 3
			for range calls {
				out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{
					TableName: aws.String("confide"),
					Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CONV#1"}, "sk": &types.AttributeValueMemberS{Value: "META"}},
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := out.Item["pk"]; !ok {
					t.Fatalf("item = %v, want the server's", out.Item)
				}
			}
			if len(bodies) != calls || !strings.Contains(bodies[0], `"TableName":"confide"`) {
				t.Errorf("the server read bodies %q, want %d with the table's name", bodies, calls)
			}
			if got := writes.Load(); got != calls*tt.wantWrites {
				t.Errorf("%d writes for %d requests, want %d each", got, calls, tt.wantWrites)
			}
		})
	}
}
