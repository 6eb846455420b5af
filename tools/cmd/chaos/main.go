// Command chaos is the load generator with faults on: it starts the local
// stack in this process (or uses a running one with -endpoints), opens
// client and dashboard connections, sends messages at a fixed rate while
// the stack injects DynamoDB throttles, 500s, transaction conflicts and an
// outage, failed posts and function panics, and makes its clients behave
// as the widget does: what is not acknowledged is sent again with the same
// clientMessageId, dropped connections are reopened and caught up over
// HTTP. It reports lost, duplicated and unanswered messages, the recovery
// after each outage and the errors clients saw, writes the result as JSON,
// and exits 1 when a message was lost, duplicated or never acknowledged.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/confidechat/confide/internal/dev/faults"
	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/tools/loadtest"
)

func main() {
	cfg := loadtest.ChaosDefault
	var (
		root    = flag.String("root", ".", "repository root (node_modules/ for cognito-local)")
		out     = flag.String("out", "build/chaos/result.json", "where to write the JSON result")
		epFile  = flag.String("endpoints", "", "use a running local stack described by this endpoints.json (e.g. .devstack/endpoints.json) instead of starting one")
		spec    = flag.String("faults", "", "replace the default faults: "+faults.SpecHelp)
		outages = flag.String("faults-outage", "", "replace the default outage (dynamodb:10s@55s), counted from the first message: "+faults.OutageHelp)
		verbose = flag.Bool("v", false, "log the stack's warnings and errors to stderr")
	)
	flag.IntVar(&cfg.Conversations, "conversations", cfg.Conversations, "clients, each with one conversation and one connection")
	flag.IntVar(&cfg.Counsellors, "counsellors", cfg.Counsellors, "counsellors; each claims its share of the conversations")
	flag.IntVar(&cfg.FeedsPerCounsellor, "feeds", cfg.FeedsPerCounsellor, "dashboards (staff-feed connections) per counsellor")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "messages per second, all clients together")
	flag.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to send")
	flag.IntVar(&cfg.Drops, "drops", cfg.Drops, "client connections dropped just after a send, during the load")
	flag.DurationVar(&cfg.Drain, "drain", cfg.Drain, "longest wait after the last send for every message to be acknowledged")
	flag.Parse()

	if *spec != "" {
		plan, err := faults.ParseSpec(*spec)
		if err != nil {
			fail(err)
		}
		plan.Outages = cfg.Faults.Outages
		cfg.Faults = plan
	}
	if *outages != "" {
		o, err := faults.ParseOutages(*outages)
		if err != nil {
			fail(err)
		}
		cfg.Faults.Outages = o
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := loadtest.RaiseFileLimit(uint64(4*cfg.Connections() + 1024)); err != nil {
		fail(err)
	}
	level := slog.LevelError + 4 // silent unless -v
	if *verbose {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	fmt.Fprintf(os.Stderr, "chaos: load average before the run %s\n", loadtest.LoadAverage())
	passed, err := run(ctx, cfg, *root, *epFile, *out, logger)
	if err != nil {
		fail(err)
	}
	if !passed {
		os.Exit(1)
	}
}

// run runs cfg against the stack at epFile, or one it starts and stops,
// prints and writes the result, and says whether the run passed.
func run(ctx context.Context, cfg loadtest.ChaosConfig, root, epFile, out string, logger *slog.Logger) (bool, error) {
	var ep endpoints.Endpoints
	if epFile != "" {
		var err error
		if ep, err = endpoints.Read(epFile); err != nil {
			return false, err
		}
	} else {
		s, err := loadtest.StartLocal(ctx, root, logger)
		if err != nil {
			return false, fmt.Errorf("start the local stack: %w", err)
		}
		defer s.Close()
		ep = s.Endpoints
	}
	res, err := loadtest.RunChaos(ctx, cfg, ep, os.Stderr)
	if err != nil {
		return false, err
	}
	res.Print(os.Stdout)
	if err := loadtest.WriteJSON(out, res); err != nil {
		return false, err
	}
	fmt.Printf("result: %s\n", out)
	return res.Passed(), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos:", err)
	os.Exit(2)
}
