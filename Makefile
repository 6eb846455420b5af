# Confide: `make dev` runs the local stack, `make test` runs every test.
# Both install what they need first. See README.md.

SHELL := /bin/bash
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

FUNCTIONS := authorizer connect message disconnect api retention
BUILD_DIR := build

# Packages of the root module (node_modules holds Go templates of the CDK
# CLI, so ./... is never used). The CDK app (infra/) and the performance
# tools (tools/) are modules of their own: mk/infra.mk and mk/perf.mk.
PKGS := ./internal/... ./functions/... ./cmd/... ./e2e/...

.PHONY: help deps go-deps node-deps browser-deps build dev test test-go test-web vet clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

deps: go-deps node-deps ## install every dependency

go-deps: ## download the Go modules (the root module and tools/)
	go mod download
	cd tools && go mod download

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.package-lock.json ## install the npm tools (cognito-local, aws-cdk CLI)

browser-deps: ## install Debian's Chromium for the browser tests (no test tool downloads its own)
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

build: ## build every Lambda bootstrap (linux/arm64) into build/<function>/bootstrap and the web clients into build/web
	@for f in $(FUNCTIONS); do \
		echo "build $$f"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags="-s -w" \
			-o $(BUILD_DIR)/$$f/bootstrap ./functions/$$f || exit 1; \
	done
	@echo "build web"; go run ./cmd/webbuild -src web -out $(BUILD_DIR)/web

dev: deps ## run the local stack with demo data: prints the URLs, demo logins and how to try both sides (Ctrl-C stops it)
	go build -o $(BUILD_DIR)/devstack ./cmd/devstack
	$(BUILD_DIR)/devstack -demo

vet: go-deps ## gofmt and go vet of the root module and of tools/ (infra/ is vetted by test-infra)
	@test -z "$$(gofmt -l internal functions cmd e2e tools)" || (gofmt -l internal functions cmd e2e tools; exit 1)
	go vet $(PKGS)
	cd tools && go vet ./...

test-go: deps browser-deps ## unit, store, handler and end-to-end tests against the local stack (dynoxide), and the store's contract tests on minidyn too
	go test -race -count=1 $(PKGS)
	CONFIDE_LOCAL_DYNAMODB=minidyn go test -race -count=1 ./internal/store/

test-web: ## unit tests of the web clients' modules (web/**/*.test.js) with Node's own test runner
	node --test web/

test: deps vet test-web test-go test-tools test-infra fuzz ## every test (what CI runs)

clean: ## remove build output and local stack state
	rm -rf $(BUILD_DIR) .devstack infra/cdk.out

-include mk/*.mk
