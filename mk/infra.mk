# Confide's AWS CDK app (infra/, its own Go module): synth, deploy, tests.
# Context values go in CONTEXT, space-separated key=value pairs, e.g.
#   make deploy CONTEXT="stage=prod allowedOrigins=https://help.example.org"
# (the keys are listed in infra/settings.go).

CDK := $(CURDIR)/node_modules/.bin/cdk
CDKLOCAL := $(CURDIR)/node_modules/.bin/cdklocal
CONTEXT ?=
# Synth needs no AWS account: no lookups, no version check, no notices.
CDK_ARGS = $(foreach c,$(CONTEXT),-c $(c))
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: synth deploy destroy deploy-localstack test-infra

synth: build node-deps ## synthesize the CloudFormation template offline into infra/cdk.out
	cd infra && $(CDK) synth $(CDK_ARGS) --quiet
	@echo "template: infra/cdk.out/$$(cd infra/cdk.out && ls *.template.json)"

deploy: build node-deps ## deploy the stack with the AWS credentials in the environment (CONTEXT=... to configure)
	cd infra && $(CDK) deploy $(CDK_ARGS) --require-approval broadening --outputs-file cdk.out/outputs.json

destroy: node-deps ## delete the stack (production data is retained)
	cd infra && $(CDK) destroy $(CDK_ARGS) --force

deploy-localstack: build node-deps ## deploy to LocalStack or another emulator at AWS_ENDPOINT_URL
	@test -n "$(AWS_ENDPOINT_URL)" || (echo "set AWS_ENDPOINT_URL (e.g. http://localhost:4566)"; exit 1)
	cd infra && AWS_ENDPOINT_URL=$(AWS_ENDPOINT_URL) $(CDKLOCAL) bootstrap $(CDK_ARGS)
	cd infra && AWS_ENDPOINT_URL=$(AWS_ENDPOINT_URL) $(CDKLOCAL) deploy $(CDK_ARGS) --require-approval never \
		--outputs-file cdk.out/outputs-localstack.json

test-infra: build ## assertion tests of the CDK stack (infra/), on the real bootstraps
	cd infra && go vet ./... && go test -count=1 ./...

E2E_TARGET ?= infra/cdk.out/outputs.json

.PHONY: e2e
e2e: go-deps ## run the e2e suite against a deployment: E2E_TARGET=<cdk outputs file (make deploy writes infra/cdk.out/outputs.json) or endpoints.json>
	@test -f "$(E2E_TARGET)" || { echo "no $(E2E_TARGET): run make deploy first, or set E2E_TARGET"; exit 1; }
	CONFIDE_E2E_ENDPOINTS=$(abspath $(E2E_TARGET)) go test -count=1 -v ./e2e/
