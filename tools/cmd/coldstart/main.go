// Command coldstart measures how fast each of Confide's Lambda functions is
// ready: from exec of its bootstrap to its first response, side by side with
// a hello-world aws-lambda-go bootstrap in the same run, two ways: through
// the Lambda Runtime Interface Emulator (built from its Go module, one
// emulator per function, invocations one at a time) and through a minimal
// Runtime API of its own, which also times the end of init (the runtime's
// first request for an event) and counts the connections a function opens
// before it (DynamoDB, the token issuer and the management API all point at
// witnesses on this machine). It also reports each bootstrap's peak resident
// memory and the zipped size of the arm64 bootstraps `make build` makes.
// `make coldstart` builds what it needs and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/confidechat/confide/internal/routes"
)

// hello is the baseline's name in the results.
const hello = "hello"

func main() {
	var (
		dir    = flag.String("dir", "build/coldstart", "folder with <function>/bootstrap for this machine (and hello/bootstrap)")
		armDir = flag.String("arm64", "build", "folder with the arm64 <function>/bootstrap files of `make build`, for their zipped sizes")
		rie    = flag.String("rie", "build/coldstart/aws-lambda-rie", "the Runtime Interface Emulator binary (\"\": skip that arm)")
		runs   = flag.Int("runs", 15, "cold starts per function and arm")
		warm   = flag.Int("warm", 20, "warm invocations after each cold start of the own-runtime arm")
		out    = flag.String("out", "build/coldstart/result.json", "where to write the JSON result")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dir, *armDir, *rie, *runs, *warm, *out); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, armDir, rie string, runs, warm int, out string) error {
	if runs < 1 || runs > 200 || warm < 0 || warm > 1000 {
		return fmt.Errorf("runs %d (1-200) and warm %d (0-1000) out of bounds", runs, warm)
	}
	fns := []string{hello}
	for _, f := range routes.Functions {
		fns = append(fns, string(f.Name))
	}
	for _, fn := range fns {
		if !exists(filepath.Join(dir, fn, "bootstrap")) {
			return fmt.Errorf("%s/%s/bootstrap is missing: run `make coldstart`", dir, fn)
		}
	}
	if rie != "" && !exists(rie) {
		return fmt.Errorf("the emulator %s is missing: run `make coldstart`", rie)
	}
	const table = "confide"
	ws, err := startWitnesses(ctx, table)
	if err != nil {
		return err
	}
	defer ws.close()
	m := &measurer{env: environment(ws, table), ws: ws, rie: rie, warm: warm, limit: 30 * time.Second}

	res := Result{Runs: runs, Warm: warm, StartedAt: time.Now().UTC(), Samples: map[string]map[string][]sample{}}
	arms := []string{armOwn}
	if rie != "" {
		arms = append(arms, armRIE)
	}
	type job struct{ fn, arm string }
	for r := range runs {
		var jobs []job
		for _, fn := range fns {
			for _, arm := range arms {
				jobs = append(jobs, job{fn, arm})
			}
		}
		// A new order every round, so neither a function nor an arm always
		// runs on a warmer or colder machine.
		rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
		for _, j := range jobs {
			bootstrap, _ := filepath.Abs(filepath.Join(dir, j.fn, "bootstrap"))
			var s sample
			if j.arm == armOwn {
				s, err = m.own(ctx, j.fn, bootstrap)
			} else {
				s, err = m.withRIE(ctx, j.fn, bootstrap)
			}
			if err != nil {
				return fmt.Errorf("round %d: %w", r+1, err)
			}
			res.add(j.fn, j.arm, s)
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, runs)
	}
	res.summarise(fns)
	if res.Sizes, err = zippedSizes(armDir, fns[1:]); err != nil {
		return err
	}
	res.Print(os.Stdout)
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	fmt.Printf("result: %s\n", out)
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
