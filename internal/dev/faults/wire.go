package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Doer sends HTTP requests: what the AWS SDK's clients send with
// (aws.HTTPClient) and what *http.Client is.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Client wraps base, the HTTP client of an AWS SDK client of service
// (DynamoDB or Management), with the plan's faults of that service:
//
//	dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.HTTPClient = in.Client(faults.DynamoDB, o.HTTPClient) })
func (in *Injector) Client(service string, base Doer) Doer {
	return doerFunc(func(r *http.Request) (*http.Response, error) { return in.do(service, r, base.Do) })
}

// Transport wraps base (http.DefaultTransport when nil) with the plan's
// faults of service: what the token verifier's client fetches the JWKS
// through.
func (in *Injector) Transport(service string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) { return in.do(service, r, base.RoundTrip) })
}

// answer is a fault's response: nil when the request goes through.
type answer struct {
	status  int
	errType string
	message string
	// reasons, for a transaction conflict: one per item.
	reasons int
}

// do applies service's faults to r: an outage refuses it, latency holds it,
// and a failure answers it as the service would; otherwise next sends it.
func (in *Injector) do(service string, r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if in.down(service) {
		in.mu.Lock()
		in.counts[service+".outage"]++
		in.mu.Unlock()
		discard(r)
		return nil, refused(r)
	}
	wait, a := in.decide(service, r)
	if err := sleep(r.Context(), wait); err != nil {
		discard(r)
		return nil, err
	}
	if a == nil {
		return next(r)
	}
	discard(r)
	if a.status == 0 {
		return nil, refused(r)
	}
	return a.response(service, r), nil
}

// decide picks, under the lock, the latency and the failure (if any) of one
// request to service.
func (in *Injector) decide(service string, r *http.Request) (time.Duration, *answer) {
	target := r.Header.Get("X-Amz-Target")
	var items int
	if service == DynamoDB && strings.HasSuffix(target, ".TransactWriteItems") {
		items = transactItems(r)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	switch service {
	case DynamoDB:
		f := &in.plan.DynamoDB
		wait := in.delay(f.Latency)
		switch {
		case items > 0 && f.Conflict.on() && in.pick("dynamodb.conflict", &f.Conflict):
			return wait, &answer{status: http.StatusBadRequest, errType: "TransactionCanceledException", reasons: items,
				message: "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
					strings.TrimSuffix(strings.Repeat("TransactionConflict, ", items), ", ") + "]"}
		case f.Throttle.on() && in.pick("dynamodb.throttle", &f.Throttle):
			return wait, &answer{status: http.StatusBadRequest, errType: "ThrottlingException", message: "Rate of requests exceeds the allowed throughput."}
		case f.Throughput.on() && in.pick("dynamodb.throughput", &f.Throughput):
			return wait, &answer{status: http.StatusBadRequest, errType: "ProvisionedThroughputExceededException",
				message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}
		case f.Error500.on() && in.pick("dynamodb.error500", &f.Error500):
			return wait, &answer{status: http.StatusInternalServerError, errType: "InternalServerError", message: "Internal server error"}
		}
		return wait, nil
	case Management:
		f := &in.plan.Management
		if r.Method != http.MethodPost || (len(f.Connections) > 0 && !slices.Contains(f.Connections, path.Base(r.URL.Path))) {
			return 0, nil
		}
		wait := in.delay(f.Latency)
		switch {
		case f.Throttle.on() && in.pick("management.throttle", &f.Throttle):
			return wait, &answer{status: http.StatusTooManyRequests, errType: "LimitExceededException", message: "Rate exceeded"}
		case f.Error500.on() && in.pick("management.error500", &f.Error500):
			return wait, &answer{status: http.StatusInternalServerError, errType: "InternalServerErrorException", message: "Internal server error"}
		case f.Gone.on() && in.pick("management.gone", &f.Gone):
			return wait, &answer{status: http.StatusGone, errType: "GoneException", message: "GoneException"}
		}
		return wait, nil
	case JWKS:
		f := &in.plan.JWKS
		wait := in.delay(f.Latency)
		if f.Unreachable.on() && in.pick("jwks.unreachable", &f.Unreachable) {
			return wait, &answer{}
		}
		return wait, nil
	}
	return 0, nil
}

// dynamoDBErrorNamespace prefixes DynamoDB's error types in __type.
const dynamoDBErrorNamespace = "com.amazonaws.dynamodb.v20120810#"

// response is the answer as the service writes it: DynamoDB's JSON 1.0
// error (__type, message, the CRC32 of the body the SDK checks), the
// management API's REST JSON error (X-Amzn-ErrorType).
func (a *answer) response(service string, r *http.Request) *http.Response {
	h := http.Header{}
	h.Set("X-Amzn-Requestid", newRequestID())
	var body []byte
	if service == DynamoDB {
		typ := dynamoDBErrorNamespace + a.errType
		if a.errType == "ThrottlingException" {
			typ = "com.amazon.coral.availability#ThrottlingException"
		}
		doc := map[string]any{"__type": typ, "message": a.message}
		if a.reasons > 0 {
			reasons := make([]map[string]string, a.reasons)
			for i := range reasons {
				reasons[i] = map[string]string{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
			}
			doc = map[string]any{"__type": typ, "Message": a.message, "CancellationReasons": reasons}
		}
		body, _ = json.Marshal(doc)
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	} else {
		body, _ = json.Marshal(map[string]string{"message": a.message})
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Errortype", a.errType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status: strconv.Itoa(a.status) + " " + http.StatusText(a.status), StatusCode: a.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}

// transactItems counts the items of a TransactWriteItems request, leaving
// its body readable.
func transactItems(r *http.Request) int {
	if r.Body == nil {
		return 0
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return 0
	}
	var in struct{ TransactItems []json.RawMessage }
	if json.Unmarshal(b, &in) != nil {
		return 0
	}
	return len(in.TransactItems)
}

// refused is the error of a connection nobody accepts, as net/http
// returns it: the SDK retries it as a connection error.
func refused(r *http.Request) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: hostAddr(r), Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func hostAddr(r *http.Request) net.Addr {
	if addr, err := net.ResolveTCPAddr("tcp", r.URL.Host); err == nil {
		return addr
	}
	return nil
}

func discard(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newRequestID is a request id of the shape AWS sends.
func newRequestID() string { return rand.Text() }
