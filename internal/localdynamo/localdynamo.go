// Package localdynamo runs an embedded DynamoDB for the local stack and the
// tests: minidyn's HTTP server on a loopback port, spoken to by the real
// aws-sdk-go-v2 client.
package localdynamo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"
)

// Region is the region the local clients sign for.
const Region = "us-east-1"

// Server is a running embedded DynamoDB.
type Server struct {
	// Endpoint is the base URL clients talk to, e.g. http://127.0.0.1:41234.
	Endpoint string

	http *http.Server
	done chan struct{}
}

// Start runs an embedded DynamoDB on 127.0.0.1 at a free port.
func Start() (*Server, error) { return StartOn("127.0.0.1:0") }

// StartOn runs an embedded DynamoDB listening on addr (host:port; port 0
// picks a free one). It fails at once when the address is taken.
func StartOn(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for local dynamodb on %s: %w", addr, err)
	}
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		http: &http.Server{
			Handler:           Handler(),
			ReadHeaderTimeout: 10 * time.Second,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("local dynamodb stopped", "endpoint", s.Endpoint, "err", err)
		}
	}()
	return s, nil
}

// Handler returns a fresh in-memory DynamoDB as an http.Handler: minidyn's
// server with the X-Amz-Crc32 header DynamoDB puts on every response.
func Handler() http.Handler { return WithCRC32(server.NewServer()) }

// WithCRC32 wraps h so every response carries X-Amz-Crc32, the CRC-32 (IEEE)
// of its body, which the SDK's DynamoDB client validates. It also turns
// minidyn's plain-text "unsupported operation" into DynamoDB's
// UnknownOperationException, so callers can tell it from other failures.
func WithCRC32(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if rec.status == http.StatusBadRequest && strings.TrimSpace(string(body)) == "unsupported operation" {
			// minidyn answers operations it lacks (UpdateTimeToLive, ...) in
			// plain text; DynamoDB's answer is a typed error the SDK decodes.
			rec.header = http.Header{"Content-Type": {"application/x-amz-json-1.0"}}
			body = []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException","message":"operation not supported by the local dynamodb"}`)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

// bufferedResponse holds a whole response so its checksum can precede it.
type bufferedResponse struct {
	header      http.Header
	body        bytes.Buffer
	status      int
	wroteHeader bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}

// Client returns a DynamoDB client for the server: static fake credentials,
// region us-east-1. optFns adjust the client's options further.
func (s *Server) Client(_ context.Context, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return NewClient(s.Endpoint, optFns...)
}

// NewClient returns a DynamoDB client for a local endpoint (this server or
// any other emulator) with static fake credentials in region us-east-1. It
// reads no environment or shared configuration.
func NewClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	opts := dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return dynamodb.New(opts, optFns...)
}

// Close stops the server at once, dropping open connections (its data goes
// with it anyway), and waits until it has stopped.
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.done
	if err != nil {
		return fmt.Errorf("stop local dynamodb: %w", err)
	}
	return nil
}
