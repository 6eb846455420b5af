package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StackProps configures a Confide stack.
type StackProps struct {
	awscdk.StackProps
	// AssetRoot holds one folder per function with its bootstrap, as
	// `make build` writes them (build/<function>/bootstrap).
	AssetRoot string
	// WebRoot holds the widget and the dashboard as `make build` writes
	// them (build/web, minified). When the folder does not exist the stack
	// hosts nothing (the bucket and distribution stay).
	WebRoot string
}

// NewStack defines the whole of Confide in one stack: user pool, table,
// the KMS key and key table of message encryption, functions, WebSocket and HTTP APIs, schedule, static hosting, alarms and
// a dashboard. Deployment choices come from the CDK context (see
// settings.go); it returns an error when they are invalid or a function's
// bootstrap is missing.
func NewStack(scope constructs.Construct, id string, props *StackProps) (awscdk.Stack, error) {
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	cfg, err := readSettings(stack.Node())
	if err != nil {
		return nil, err
	}
	if err := checkAssets(props.AssetRoot); err != nil {
		return nil, err
	}

	identity := newIdentity(stack, cfg)
	table := newTable(stack, cfg)
	keys := newDataKeys(stack, cfg)
	urgent := newUrgentTopic(stack, cfg)
	ws := newWebSocketAPI(stack, cfg)

	// The HTTP API's CORS names the allowed origins and the distribution's
	// Content-Security-Policy names the HTTP API. When the allowed origins
	// default to the distribution's own origin, CloudFormation could create
	// neither first, so the CSP then names the region's execute-api hosts
	// instead of this API (see connectSources).
	var (
		httpAPI *httpAPI
		web     *site
	)
	if len(cfg.allowedOrigins) > 0 {
		origins := jsii.Strings(cfg.allowedOrigins...)
		httpAPI = newHTTPAPI(stack, cfg, identity, origins)
		web = newSite(stack, cfg, connectSources(stack, ws, httpAPI))
	} else {
		web = newSite(stack, cfg, connectSources(stack, ws, nil))
		httpAPI = newHTTPAPI(stack, cfg, identity, &[]*string{web.origin})
	}
	origins := httpAPI.origins

	fns, err := newFunctions(stack, cfg, functionDeps{
		assetRoot:  props.AssetRoot,
		table:      table,
		identity:   identity,
		origins:    origins,
		management: ws.stage,
		keys:       keys,
		urgent:     urgent,
	})
	if err != nil {
		return nil, err
	}
	ws.route(fns)
	httpAPI.route(fns)
	scheduleRetention(stack, fns)
	dashboard := newMonitoring(stack, cfg, fns, table, ws, httpAPI)
	if props.WebRoot != "" {
		if _, err := os.Stat(props.WebRoot); err == nil {
			config, err := webConfig(stack, cfg, identity, ws, httpAPI)
			if err != nil {
				return nil, err
			}
			web.deploy(stack, cfg, props.WebRoot, config)
		}
	}

	outputs(stack, map[string]*string{
		"WebSocketUrl":           ws.stage.Url(),
		"HttpApiUrl":             httpAPI.stage.Url(),
		"UserPoolId":             identity.pool.UserPoolId(),
		"UserPoolClientId":       identity.client.UserPoolClientId(),
		"Issuer":                 identity.issuer,
		"Region":                 stack.Region(),
		"WidgetUrl":              web.url("widget/widget.js"),
		"WidgetDemoUrl":          web.url("widget/demo.html"),
		"DashboardUrl":           web.url("dashboard/index.html"),
		"CloudWatchDashboardUrl": dashboard,
		"TableName":              table.TableName(),
		"KeyTableName":           keys.table.TableName(),
		"KmsKeyArn":              keys.key.KeyArn(),
	})
	return stack, nil
}

// checkAssets reports a missing bootstrap before CDK fails on a missing
// asset folder with a less helpful message.
func checkAssets(root string) error {
	for _, f := range functionNames() {
		p := filepath.Join(root, f, "bootstrap")
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("function %s: no bootstrap at %s (run make build): %w", f, p, err)
		}
	}
	return nil
}

// outputs adds one stack output per entry.
func outputs(stack awscdk.Stack, values map[string]*string) {
	for name, v := range values {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v})
	}
}
