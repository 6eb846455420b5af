// Command devstack runs Confide on one machine: local DynamoDB (dynoxide),
// cognito-local, the five functions behind a local API Gateway, and the web
// clients. It prints the URLs and demo logins, writes
// .devstack/endpoints.json, and stops everything on Ctrl-C or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/dev/devstack"
	"github.com/confidechat/confide/internal/dev/faults"
)

func main() {
	var (
		root     = flag.String("root", ".", "repository root (node_modules/ and web/)")
		state    = flag.String("state", ".devstack", "folder for endpoints.json and cognito-local's data")
		host     = flag.String("host", "127.0.0.1", "address to listen on")
		webPort  = flag.Int("web-port", 4500, "port of the web clients")
		httpPort = flag.Int("http-port", 4510, "port of the HTTP API")
		wsPort   = flag.Int("ws-port", 4511, "port of the WebSocket API and its management API")
		dbPort   = flag.Int("dynamodb-port", 4512, "port of the local DynamoDB (dynoxide)")
		cogPort  = flag.Int("cognito-port", 4513, "port of cognito-local")
		kmsPort  = flag.Int("kms-port", 4514, "port of the local KMS (message encryption)")
		dynamo   = flag.String("dynamodb-endpoint", os.Getenv(envvar.DynamoDBEndpoint), "use this DynamoDB instead of the embedded one")
		poolID   = flag.String("user-pool-id", os.Getenv(envvar.UserPoolID), "use this Cognito user pool instead of cognito-local (with -client-id and -issuer)")
		clientID = flag.String("client-id", os.Getenv(envvar.ClientID), "app client of -user-pool-id")
		issuer   = flag.String("issuer", os.Getenv(envvar.Issuer), "token issuer of -user-pool-id")
		cogURL   = flag.String("cognito-endpoint", "", "Cognito API endpoint of -user-pool-id (empty: AWS's)")
		verbose  = flag.Bool("v", false, "log every invocation")
		faultsF  = flag.String("faults", "", "inject faults (also GET/PUT /_devstack/faults): "+faults.SpecHelp)
		outagesF = flag.String("faults-outage", "", "services down for a while, counted from when the stack is ready: "+faults.OutageHelp)
		demo     = flag.Bool("demo", false, "seed demo data: made-up clients and counsellors, waiting, claimed and closed conversations (make dev turns it on)")
	)
	flag.Parse()
	plan, err := faults.ParseSpec(*faultsF)
	if err == nil {
		plan.Outages, err = faults.ParseOutages(*outagesF)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(2)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	// Every run starts from empty data, as the local DynamoDB (dynoxide) does.
	if err := os.RemoveAll(filepath.Join(*state, "cognito")); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
	addr := func(p int) string { return fmt.Sprintf("%s:%d", *host, p) }
	var pool *devstack.Pool
	if *poolID != "" {
		pool = &devstack.Pool{Endpoint: *cogURL, UserPoolID: *poolID, ClientID: *clientID, Issuer: *issuer}
	}
	s, err := devstack.Start(ctx, devstack.Options{
		Pool:             pool,
		Root:             *root,
		StateDir:         filepath.Join(*state, "cognito"),
		HTTPAddr:         addr(*httpPort),
		WebSocketAddr:    addr(*wsPort),
		WebAddr:          addr(*webPort),
		DynamoDBAddr:     addr(*dbPort),
		CognitoAddr:      addr(*cogPort),
		KMSAddr:          addr(*kmsPort),
		DynamoDBEndpoint: *dynamo,
		Seed:             true,
		Logger:           log,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
	if _, err := s.Faults.Set(plan); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		s.Close()
		os.Exit(1)
	}
	var demoSummary *devstack.DemoSummary
	if *demo {
		sum, err := s.SeedDemo(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "devstack:", err)
			s.Close()
			os.Exit(1)
		}
		demoSummary = &sum
	}
	if err := s.WriteEndpoints(*state); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		s.Close()
		os.Exit(1)
	}
	e := s.Endpoints
	fmt.Printf(`Confide is running (started in %s).

  Widget demo   %s
  Dashboard     %s
  HTTP API      %s
  WebSocket     %s
  Cognito       %s  (pool %s, client %s)
  DynamoDB      %s  (table %s)
  KMS           %s  (message encryption)

Demo logins:
`, time.Since(began).Round(time.Millisecond), e.WidgetDemo, e.Dashboard, e.HTTPAPI, e.WebSocket,
		e.CognitoEndpoint, e.UserPoolID, e.UserPoolClientID, e.DynamoDBEndpoint, e.TableName, e.KMSEndpoint)
	for _, a := range s.Accounts {
		fmt.Printf("  %-10s %-6s password %s\n", a.Role, a.Username, a.Password)
	}
	if *faultsF != "" || *outagesF != "" {
		fmt.Printf("\nFaults injected: %s %s (GET/PUT %s)\n", *faultsF, *outagesF, strings.TrimSuffix(e.WidgetDemo, "/widget/demo.html")+"/_devstack/faults")
	}
	if demoSummary != nil {
		fmt.Printf("\nDemo data (made-up people, usernames demo-…): %d conversations waiting, %d claimed, %d closed with feedback.\n",
			demoSummary.Waiting, demoSummary.Claimed, demoSummary.Closed)
	}
	fmt.Printf("Try both sides: sign in to the widget demo as alex and start a conversation; sign in to the dashboard as sam to claim and answer it (kai, a supervisor, also reads the audit trail).\n")
	fmt.Printf("\nEndpoints written to %s. Press Ctrl-C to stop.\n", filepath.Join(*state, "endpoints.json"))
	<-ctx.Done()
	fmt.Println("\nstopping…")
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "devstack: stop:", err)
		os.Exit(1)
	}
}
