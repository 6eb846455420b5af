# Performance: the load generator, the cold start measurement and the web
# clients' timings in Chromium (bench-web), whose figures docs/performance.md
# reports; make test runs none of them. The load generator and the cold
# start measurement live in tools/, a Go module of their own (it imports the
# root module through a replace directive), so the product's module carries
# nothing only they need. Extra flags go in LOADTEST_ARGS, CHAOS_ARGS and
# COLDSTART_ARGS, e.g. make loadtest LOADTEST_ARGS="-rate 20 -duration 30s".
# make chaos is the load generator with faults on (docs/reliability.md); its
# short version, TestChaosAgainstTheLocalStack, runs in test-tools.

LOADTEST_ARGS ?=
CHAOS_ARGS ?=
COLDSTART_ARGS ?=
COLDSTART_DIR := $(BUILD_DIR)/coldstart
# The Lambda Runtime Interface Emulator, built from its Go module into
# build/coldstart (never vendored).
RIE_MODULE := github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
HOST_ARCH := $(shell go env GOHOSTARCH)

.PHONY: loadtest chaos coldstart test-tools bench-emulator capacity

test-tools: go-deps node-deps ## tests of the performance tools (tools/, a module of its own)
	cd tools && go test -race -count=1 ./...

loadtest: node-deps ## the load generator (tools/cmd/loadtest): 1,000 WebSockets at 50 messages/s for 60 s on the local stack: latencies, loss, memory (build/loadtest/result.json)
	cd tools && go build -o $(CURDIR)/$(BUILD_DIR)/loadtest/loadtest ./cmd/loadtest
	$(BUILD_DIR)/loadtest/loadtest $(LOADTEST_ARGS)

# The capacity curve (issue 12): the same connections loaded at rising rates,
# 20 s a step, until a step loses, duplicates or leaves a message unanswered,
# falls behind its rate or delivers with p99 over 100 ms; at 1,000 and at
# 5,000 connections. Prints each step's figures and CPU per message of each
# process, and the knee (build/capacity/*.json). A report: it exits 0.
CAPACITY_1000 := -rates 50,100,150,200,250,300,400
CAPACITY_5000 := -conversations 2500 -counsellors 500 -feeds 500 -staff-conversations 1997 -rates 50,100,150,200,300
capacity: node-deps ## the capacity curve: rates stepped up at 1,000 and 5,000 connections until a target breaks; the knee and CPU per message by process (build/capacity/)
	cd tools && go build -o $(CURDIR)/$(BUILD_DIR)/loadtest/loadtest ./cmd/loadtest
	$(BUILD_DIR)/loadtest/loadtest -duration 20s -drain 10s $(CAPACITY_1000) -out $(BUILD_DIR)/capacity/1000.json
	$(BUILD_DIR)/loadtest/loadtest -duration 20s -drain 10s $(CAPACITY_5000) -out $(BUILD_DIR)/capacity/5000.json

chaos: node-deps ## the load generator with faults on (tools/cmd/chaos): 1,000 connections at 20 messages/s for 120 s with DynamoDB throttles, 500s and a 10 s outage, failed posts and function panics; fails on a message lost, duplicated or never acknowledged (build/chaos/result.json, docs/reliability.md)
	cd tools && go build -o $(CURDIR)/$(BUILD_DIR)/chaos/chaos ./cmd/chaos
	$(BUILD_DIR)/chaos/chaos $(CHAOS_ARGS)

bench-emulator: go-deps ## benchmark (tools/loadtest): what a call costs the embedded DynamoDB (minidyn) as its table grows
	cd tools && go test -run '^$$' -bench Emulator -benchtime 30x ./loadtest/

coldstart: build ## the cold-start measurement (tools/cmd/coldstart): cold start of every function against a hello-world bootstrap, through the RIE and a Runtime API of our own; zipped sizes
	@for f in $(FUNCTIONS); do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$(HOST_ARCH) go build -tags lambda.norpc -trimpath -ldflags="-s -w" \
			-o $(COLDSTART_DIR)/$$f/bootstrap ./functions/$$f || exit 1; \
	done
	cd tools && CGO_ENABLED=0 GOOS=linux GOARCH=$(HOST_ARCH) go build -tags lambda.norpc -trimpath -ldflags="-s -w" \
		-o $(CURDIR)/$(COLDSTART_DIR)/hello/bootstrap ./cmd/coldstart/hello
	GOBIN=$(CURDIR)/$(COLDSTART_DIR) CGO_ENABLED=0 go install $(RIE_MODULE)/cmd/aws-lambda-rie@$(RIE_VERSION)
	cd tools && go build -o $(CURDIR)/$(COLDSTART_DIR)/coldstart ./cmd/coldstart
	$(COLDSTART_DIR)/coldstart -dir $(COLDSTART_DIR) -arm64 $(BUILD_DIR) -rie $(COLDSTART_DIR)/aws-lambda-rie $(COLDSTART_ARGS)

.PHONY: bench-web

bench-web: go-deps browser-deps ## the web clients' timings in Chromium (widget start, first paint, a message to the dashboard): prints them, fails on a missed target
	CONFIDE_MEASURE=1 go test -count=1 -v -run '^TestMeasure' ./e2e/browser/
