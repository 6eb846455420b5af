package wsapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/confidechat/confide/internal/app"
	"github.com/confidechat/confide/internal/chat"
)

// instantAWS answers DynamoDB and the management API at once with canned
// responses: a conversation of benchClient (alone, or with its
// connections), a rate window with room, no revocation, recipients
// connections in the conversation and one staff feed, every write accepted and every post delivered. It counts the posts
// and tells the count at GET /posts.
type instantAWS struct {
	conversation string
	recipients   int
	now          time.Time

	conv, conn, convConns, feed, connItem []byte
	posts                                 atomic.Int64
}

const benchClient = "bench-client-sub"

func newInstantAWS(recipients int, conversation string, now time.Time) *instantAWS {
	a := &instantAWS{conversation: conversation, recipients: recipients, now: now}
	never := "9999-12-31T23:59:59.999Z"
	s := func(v string) map[string]string { return map[string]string{"S": v} }
	a.conv = mustMarshal(map[string]any{
		"pk": s("CONV#" + a.conversation), "sk": s("META"), "id": s(a.conversation), "userId": s(benchClient),
		"status": s("active"), "retention": s("24h"), "createdAt": s(chat.At(now).String()),
		"userDeleted": map[string]bool{"BOOL": false}, "expiry": s(never),
	})
	item := func(pk, id, user, role, conv string) map[string]any {
		it := map[string]any{
			"pk": s(pk), "sk": s("CONN#" + id), "id": s(id), "userId": s(user), "username": s("u-" + user),
			"role": s(role), "connectedAt": s(chat.At(now).String()), "expiry": s(chat.At(now.Add(2 * time.Hour)).String()),
			"tokenExpiresAt": s(chat.At(now.Add(time.Hour)).String()),
		}
		if conv != "" {
			it["conversationId"] = s(conv)
		}
		return it
	}
	items := make([]map[string]any, 0, recipients)
	for i := range recipients {
		role := "staff"
		if i == 0 {
			role = "client"
		}
		items = append(items, item("CONV#"+a.conversation, fmt.Sprintf("Conn%011dA=", i), fmt.Sprintf("user-%d", i), role, a.conversation))
	}
	a.conn = mustMarshal(map[string]any{"Items": items, "Count": len(items), "ScannedCount": len(items)})
	var conv map[string]any
	if err := json.Unmarshal(a.conv, &conv); err != nil {
		panic(err)
	}
	withConv := append(items, conv)
	a.convConns = mustMarshal(map[string]any{"Items": withConv, "Count": len(withConv), "ScannedCount": len(withConv)})
	a.feed = mustMarshal(map[string]any{"Items": []any{item("FEED#staff", "FeedConn0000A=", "feed-staff", "staff", "")}, "Count": 1, "ScannedCount": 1})
	first := item("CONN#Conn00000000000A=", "Conn00000000000A=", benchClient, "client", a.conversation)
	first["sk"] = s("META")
	a.connItem = mustMarshal(map[string]any{"Item": first})
	return a
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

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (a *instantAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.URL.Path == "/posts":
		fmt.Fprint(w, a.posts.Load())
		return
	case strings.Contains(r.URL.Path, "/@connections/"):
		a.posts.Add(1)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810."); op {
	case "GetItem":
		switch {
		case strings.Contains(string(body), `"CONV#`):
			fmt.Fprintf(w, `{"Item":%s}`, a.conv)
		case strings.Contains(string(body), `"CONN#`):
			w.Write(a.connItem) //nolint:errcheck // test server
		default:
			w.Write([]byte(`{}`)) //nolint:errcheck // test server
		}
	case "Query":
		switch {
		case strings.Contains(string(body), "FEED#staff"):
			w.Write(a.feed) //nolint:errcheck // test server
		case strings.Contains(string(body), "BETWEEN"): // the conversation with its connections
			w.Write(a.convConns) //nolint:errcheck // test server
		default:
			w.Write(a.conn) //nolint:errcheck // test server
		}
	default: // UpdateItem, TransactWriteItems, PutItem
		w.Write([]byte(`{}`)) //nolint:errcheck // test server
	}
}

// fakeAWSEnv, set in the environment of this test binary, makes it serve
// instantAWS instead of running tests: "<recipients> <conversation id>
// <unix ms> <socket>", where socket is "tcp" (a loopback port) or the path
// of a Unix socket. It prints its URL and serves until its stdin closes.
const fakeAWSEnv = "CONFIDE_BENCH_INSTANT_AWS"

// serveInstantAWS is the fake's process: it returns the exit code.
func serveInstantAWS(spec string) int {
	var (
		recipients   int
		conv, socket string
		ms           int64
	)
	if _, err := fmt.Sscan(spec, &recipients, &conv, &ms, &socket); err != nil {
		fmt.Fprintln(os.Stderr, "instant AWS:", err)
		return 2
	}
	network, address := "unix", socket
	if socket == "tcp" {
		network, address = "tcp", "127.0.0.1:0"
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "instant AWS:", err)
		return 1
	}
	go http.Serve(ln, newInstantAWS(recipients, conv, time.UnixMilli(ms))) //nolint:errcheck // ends with the process
	if network == "unix" {
		// The host is a name only: every connection goes to the socket.
		fmt.Println("http://instant-aws.invalid")
	} else {
		fmt.Println("http://" + ln.Addr().String())
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// startInstantAWS runs instantAWS in a child process, so that the CPU the
// benchmark's process uses is the handler's alone, listening on socket
// ("tcp" or a Unix socket's path), and returns its URL.
func startInstantAWS(b *testing.B, recipients int, conversation string, now time.Time, socket string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s %d %s", fakeAWSEnv, recipients, conversation, now.UnixMilli(), socket))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("instant AWS did not start: %v", err)
	}
	return strings.TrimSpace(url)
}

// postsAt asks the instant AWS at url, through client, how many frames it
// was posted.
func postsAt(b *testing.B, client *http.Client, url string) int64 {
	b.Helper()
	res, err := client.Get(url + "/posts")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		b.Fatalf("posts: %q: %v", raw, err)
	}
	return n
}

// benchEvent is a sendMessage frame of benchClient's first connection, with
// the identity API Gateway attaches from the $connect authorizer.
func benchEvent(conversation string, now time.Time, i int) []byte {
	frame, _ := json.Marshal(map[string]string{"action": "sendMessage", "conversationId": conversation,
		"clientMessageId": fmt.Sprintf("bench-%d", i), "body": "How are you feeling today?"})
	ev := events.APIGatewayWebsocketProxyRequest{
		Body: string(frame),
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey: "sendMessage", EventType: "MESSAGE", Stage: "prod", RequestID: "R1knPH17NjMFftw=",
			ConnectionID: "Conn00000000000A=", ConnectedAt: now.UnixMilli(), RequestTimeEpoch: now.UnixMilli(),
			DomainName: "example.execute-api.eu-west-1.amazonaws.com", APIID: "example", MessageDirection: "IN",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "198.51.100.1"},
			Authorizer: map[string]any{
				"principalId": benchClient, "integrationLatency": 12,
				"userId": benchClient, "username": "u-" + benchClient, "role": "client",
				"conversationId": conversation,
				"tokenExpiresAt": chat.At(now.Add(time.Hour)).String(),
				"tokenIssuedAt":  chat.At(now.Add(-time.Minute)).String(),
			},
		},
	}
	return mustMarshal(ev)
}

// BenchmarkSendMessageInvocation runs the message function's whole
// invocation of a sendMessage frame (event JSON in, response JSON out, the
// pushes made) against DynamoDB and a management API that answer at once
// from another process, so what it measures is the handler's own cost:
// ns/op is wall time, cpu-ns/op the CPU the handler's process used. The
// answers come over loopback TCP (socket=tcp: the kernel's TCP stack runs
// both ends of every call in the sender's system call, which a function
// on AWS does not pay) or over a Unix socket (socket=unix: the same HTTP
// client and connection pool, the least the kernel can do).
func BenchmarkSendMessageInvocation(b *testing.B) {
	for _, recipients := range []int{2, 10, 100} {
		for _, socket := range []string{"tcp", "unix"} {
			b.Run(fmt.Sprintf("recipients=%d/socket=%s", recipients, socket), func(b *testing.B) {
				benchSendMessageInvocation(b, recipients, socket)
			})
		}
	}
}

// benchSendMessageInvocation is BenchmarkSendMessageInvocation with
// recipients in the conversation, over socket ("tcp" or "unix").
func benchSendMessageInvocation(b *testing.B, recipients int, socket string) {
	now := time.Now()
	conversation := chat.NewID(now)
	// The SDK's own HTTP client, as in a function.
	sdkHTTP := awshttp.NewBuildableClient()
	if socket == "unix" {
		socket = filepath.Join(b.TempDir(), "aws.sock")
		path := socket
		sdkHTTP = sdkHTTP.WithTransportOptions(func(t *http.Transport) {
			t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", path)
			}
		})
	}
	url := startInstantAWS(b, recipients, conversation, now, socket)
	a, err := app.New(context.Background(), app.Config{
		TableName: "confide", AllowedOrigins: []string{"https://allowed.example"},
		DynamoDBEndpoint: url, ManagementEndpoint: url,
	},
		app.WithAWSConfig(aws.Config{Region: "eu-west-1", HTTPClient: sdkHTTP, Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}),
		app.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	h := lambda.NewHandler(a.WebSocket.Frame)
	payloads := make([][]byte, 64)
	for i := range payloads {
		payloads[i] = benchEvent(conversation, now, i)
	}
	ctx := context.Background()
	counter := &http.Client{Transport: sdkHTTP.GetTransport()}
	posted := postsAt(b, counter, url)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := range b.N {
		out, err := h.Invoke(ctx, payloads[i%len(payloads)])
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(string(out), `"statusCode":200`) || strings.Contains(string(out), `\"error\"`) {
			b.Fatalf("response %s", out)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	if got, want := postsAt(b, counter, url)-posted, int64(b.N*(recipients+1)); got != want {
		b.Fatalf("posted %d frames, want %d (every recipient and the feed, each invocation)", got, want)
	}
}
