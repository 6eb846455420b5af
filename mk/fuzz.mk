# Fuzzing: every Fuzz function in a _test.go file under internal/ runs for
# FUZZTIME beyond its seed corpus, one `go test` call per target (-fuzz must
# match exactly one). Plain `go test` runs the seed corpora
# (testdata/fuzz/<target>/) as ordinary tests; an input that fails while
# fuzzing is written there, so it runs with every `go test` from then on.

FUZZTIME ?= 3s

.PHONY: fuzz

# Go 1.26's fuzzing coordinator can fail a target with a bare "context
# deadline exceeded" as -fuzztime runs out on a busy machine, having found
# nothing (go.dev/issue/75804, fixed in Go 1.27). A run that says so and
# wrote no failing input is run once more; any other failure, or that one
# twice, fails.
fuzz: go-deps ## run every fuzz target for FUZZTIME (default 3s) past its seed corpus
	@set -e; mkdir -p $(BUILD_DIR); log=$(BUILD_DIR)/fuzz.log; \
	for f in $$(grep -rl --include='*_test.go' '^func Fuzz' internal | sort); do \
		pkg=./$$(dirname $$f); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			for try in 1 2; do \
				echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
				if go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZTIME) $$pkg >$$log 2>&1; then \
					cat $$log; break; \
				fi; \
				cat $$log; \
				if [ $$try = 1 ] && grep -q '^    context deadline exceeded$$' $$log && ! grep -q 'Failing input written' $$log; then \
					echo "fuzz: Go's -fuzztime race (go.dev/issue/75804), no failing input written: once more"; \
					continue; \
				fi; \
				exit 1; \
			done; \
		done; \
	done
