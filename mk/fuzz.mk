# Fuzzing: every Fuzz function in a _test.go file under internal/ runs for
# FUZZTIME beyond its seed corpus, one `go test` call per target (-fuzz must
# match exactly one). Plain `go test` runs the seed corpora
# (testdata/fuzz/<target>/) as ordinary tests; an input that fails while
# fuzzing is written there, so it runs with every `go test` from then on.

FUZZTIME ?= 3s

.PHONY: fuzz

fuzz: go-deps ## run every fuzz target for FUZZTIME (default 3s) past its seed corpus
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' internal | sort); do \
		pkg=./$$(dirname $$f); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
			go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZTIME) $$pkg; \
		done; \
	done
