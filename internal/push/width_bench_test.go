package push_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/push"
)

// postLatency models the management API's answer time seen from a
// function in the same region.
const postLatency = 10 * time.Millisecond

// BenchmarkDeliverWidth is one fan-out of 100 posts (a waiting
// conversation's message to 100 counsellors' feeds) against a management
// API that answers each post after postLatency, at each bound on the posts
// in flight: ms/fanout is how long the last feed waits, cpu-µs/post what
// each post costs (client and answering server together: one process).
// push.DefaultConcurrency is chosen from it.
func BenchmarkDeliverWidth(b *testing.B) {
	const posts = 100
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer comes after the modelled network and service time.
		<-time.After(postLatency)
	}))
	b.Cleanup(srv.Close)
	ds := make([]chat.Delivery, posts)
	for i := range ds {
		ds[i] = chat.Delivery{ConnectionID: fmt.Sprintf("Feed%010dA=", i), Frame: []byte(`{"type":"message.created"}`)}
	}
	for _, width := range []int{4, 8, 16, 32, 64, 100} {
		b.Run(fmt.Sprintf("inFlight=%d", width), func(b *testing.B) {
			client := apigatewaymanagementapi.NewFromConfig(aws.Config{
				Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
				// As many idle connections as posts in flight, as the functions keep.
				HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) { t.MaxIdleConnsPerHost = width }),
			}, func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(srv.URL) })
			f := push.New(client, width, nil)
			ctx := context.Background()
			f.Deliver(ctx, ds) // open the connections
			b.ResetTimer()
			cpu := processCPU()
			start := time.Now()
			for range b.N {
				if gone := f.Deliver(ctx, ds); len(gone) != 0 {
					b.Fatalf("gone %v", gone)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/fanout")
			b.ReportMetric(float64(processCPU()-cpu)/1000/float64(b.N*posts), "cpu-µs/post")
		})
	}
}

// processCPU is the user and system CPU time the process has used so far,
// in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
