package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/confidechat/confide/internal/push"
)

// idleConnsPerHost is how many idle connections the AWS clients keep to
// one endpoint: as many as one fan-out posts at once. The SDK keeps 10, so
// a fan-out to more connections than that closed the surplus after every
// message and opened (on AWS, TLS-handshook) them again for the next.
const idleConnsPerHost = push.DefaultConcurrency

// pooledHTTP returns cfg with the SDK's HTTP client keeping
// idleConnsPerHost idle connections per host and sending each request in
// one write (oneWrite). A client that is not the SDK's own (given through
// WithAWSConfig) is left as it is.
func pooledHTTP(cfg aws.Config) aws.Config {
	keep := func(t *http.Transport) { t.MaxIdleConnsPerHost = idleConnsPerHost }
	switch c := cfg.HTTPClient.(type) {
	case nil:
		cfg.HTTPClient = oneWrite{awshttp.NewBuildableClient().WithTransportOptions(keep)}
	case *awshttp.BuildableClient:
		cfg.HTTPClient = oneWrite{c.WithTransportOptions(keep)}
	}
	return cfg
}

// maxOneWrite is the largest request body oneWrite holds in memory: more
// than any DynamoDB item or WebSocket frame Confide sends.
const maxOneWrite = 512 << 10

// oneWrite sends a request's headers and body in one write to the
// connection. The SDK gives net/http the body it has already serialised
// in a reader net/http does not know to be in memory, so net/http sends
// the headers on their own first: two system calls and two packets (on
// AWS two TLS records) for every DynamoDB call and every post. Handing it
// the bytes as a bytes.Reader lets it send both at once.
type oneWrite struct {
	next aws.HTTPClient
}

// Do sends r with its body read into memory when it is small and of known
// length; anything else goes as it is.
func (c oneWrite) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > maxOneWrite {
		return c.next.Do(r)
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	if closeErr := r.Body.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	whole := *r // a shallow copy: Do must not change the caller's request
	whole.Body = io.NopCloser(bytes.NewReader(body))
	whole.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return c.next.Do(&whole)
}
