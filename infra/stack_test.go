package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/endpoints"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/store"
)

func TestWebSocketRoutesReachTheirFunctions(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	apis := tpl.ofType("AWS::ApiGatewayV2::Api")
	var wsAPI string
	for _, id := range apis {
		if tpl.Resources[id].Properties["ProtocolType"] == "WEBSOCKET" {
			wsAPI = id
		}
	}
	if got := tpl.Resources[wsAPI].Properties["RouteSelectionExpression"]; got != routes.RouteSelectionExpression {
		t.Fatalf("route selection expression: got %v, want %s", got, routes.RouteSelectionExpression)
	}

	byKey := map[string]resource{}
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		r := tpl.Resources[id]
		if refID(r.Properties["ApiId"]) == wsAPI {
			byKey[render(r.Properties["RouteKey"])] = r
		}
	}
	if len(byKey) != len(routes.WebSocket) {
		t.Errorf("WebSocket routes: got %d, want %d (the route table's)", len(byKey), len(routes.WebSocket))
	}
	for _, want := range routes.WebSocket {
		t.Run(want.Key, func(t *testing.T) {
			r, ok := byKey[want.Key]
			if !ok {
				t.Fatalf("no route %s", want.Key)
			}
			if got := tpl.integratedFunction(r); got != fns[want.Function] {
				t.Errorf("route %s integrates %q, want %q (%s)", want.Key, got, fns[want.Function], want.Function)
			}
			_, responds := r.Properties["RouteResponseSelectionExpression"]
			wantResponse := want.Key != "$connect" && want.Key != "$disconnect"
			if responds != wantResponse {
				t.Errorf("route %s returns the handler's response: got %v, want %v", want.Key, responds, wantResponse)
			}
		})
	}
	must(t, func() {
		tpl.assert.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::RouteResponse"), jsii.Number(len(routes.WebSocket)-2))
		tpl.assert.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName":  "prod",
			"AutoDeploy": true,
			"DefaultRouteSettings": map[string]any{
				"ThrottlingRateLimit": 500, "ThrottlingBurstLimit": 1000,
			},
		})
	})
}

func TestWebSocketConnectIsBehindTheTicketAuthorizer(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	api := wsAPI(tpl)
	var authorizers []string
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Authorizer") {
		if refID(tpl.Resources[id].Properties["ApiId"]) == api {
			authorizers = append(authorizers, id)
		}
	}
	if len(authorizers) != 1 {
		t.Fatalf("WebSocket authorizers: got %d, want 1", len(authorizers))
	}
	a := tpl.Resources[authorizers[0]].Properties
	spec := routes.WebSocketAuthorizer
	if a["AuthorizerType"] != "REQUEST" || a["Name"] != spec.Name {
		t.Errorf("authorizer: type %v name %v, want REQUEST %s", a["AuthorizerType"], a["Name"], spec.Name)
	}
	if got := render(a["IdentitySource"]); got != "route.request.querystring.ticket" {
		t.Errorf("identity source: got %s, want the ticket of the query string", got)
	}
	if uri := refsIn(a["AuthorizerUri"]); !slices.Contains(uri, fns[routes.Authorizer]) {
		t.Errorf("authorizer invokes %v, want the authorizer function %s", uri, fns[routes.Authorizer])
	}
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		r := tpl.Resources[id].Properties
		if refID(r["ApiId"]) != api {
			continue
		}
		key := render(r["RouteKey"])
		guarded := r["AuthorizationType"] == "CUSTOM" && refID(r["AuthorizerId"]) == authorizers[0]
		if guarded != (key == spec.Route) {
			t.Errorf("route %s: authorization %v by %v; only %s is behind the authorizer", key, r["AuthorizationType"], r["AuthorizerId"], spec.Route)
		}
	}
	invokable := false
	for _, id := range tpl.ofType("AWS::Lambda::Permission") {
		p := tpl.Resources[id].Properties
		if refID(p["FunctionName"]) == fns[routes.Authorizer] && p["Principal"] == "apigateway.amazonaws.com" &&
			strings.Contains(render(p["SourceArn"]), "${"+api+"}/authorizers/${"+authorizers[0]+"}") {
			invokable = true
		}
	}
	if !invokable {
		t.Error("API Gateway may not invoke the authorizer function for this authorizer")
	}
}

func TestHTTPRoutesReachTheAPIFunctionBehindTheJWTAuthorizer(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	var authorizers []string
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Authorizer") {
		if tpl.Resources[id].Properties["AuthorizerType"] == "JWT" {
			authorizers = append(authorizers, id)
		}
	}
	if len(authorizers) != 1 {
		t.Fatalf("JWT authorizers: got %d, want 1", len(authorizers))
	}
	jwt := tpl.Resources[authorizers[0]].Properties
	issuer := render(jwt["JwtConfiguration"].(map[string]any)["Issuer"])
	pool := tpl.ofType("AWS::Cognito::UserPool")[0]
	if want := "https://cognito-idp.${AWS::Region}.amazonaws.com/${" + pool + "}"; jwt["AuthorizerType"] != "JWT" || issuer != want {
		t.Errorf("authorizer: type %v issuer %s, want JWT %s", jwt["AuthorizerType"], issuer, want)
	}
	client := tpl.ofType("AWS::Cognito::UserPoolClient")[0]
	if got := render(jwt["JwtConfiguration"].(map[string]any)["Audience"]); got != "${"+client+"}" {
		t.Errorf("authorizer audience: got %s, want the app client", got)
	}

	byKey := map[string]resource{}
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Route") {
		r := tpl.Resources[id]
		if refID(r.Properties["ApiId"]) == refID(jwt["ApiId"]) {
			byKey[render(r.Properties["RouteKey"])] = r
		}
	}
	if len(byKey) != len(routes.HTTP) {
		t.Errorf("HTTP routes: got %d, want %d (the route table's)", len(byKey), len(routes.HTTP))
	}
	for _, want := range routes.HTTP {
		t.Run(want.Key(), func(t *testing.T) {
			r, ok := byKey[want.Key()]
			if !ok {
				t.Fatalf("no route %s", want.Key())
			}
			if got := tpl.integratedFunction(r); got != fns[want.Function] {
				t.Errorf("route %s integrates %q, want %q", want.Key(), got, fns[want.Function])
			}
			if r.Properties["AuthorizationType"] != "JWT" || refID(r.Properties["AuthorizerId"]) != authorizers[0] {
				t.Errorf("route %s: authorization %v by %v, want JWT by %s", want.Key(),
					r.Properties["AuthorizationType"], r.Properties["AuthorizerId"], authorizers[0])
			}
		})
	}
}

func TestFunctionsRunGoOnArm(t *testing.T) {
	tpl := standard(t)
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			must(t, func() {
				tpl.assert.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Description":   spec.Description,
					"Runtime":       "provided.al2023",
					"Architectures": []any{"arm64"},
					"Handler":       "bootstrap",
					"MemorySize":    memoryMB[spec.Name],
					"Timeout":       spec.Timeout.Seconds(),
					"LoggingConfig": map[string]any{
						"LogFormat":           "JSON",
						"ApplicationLogLevel": "INFO",
						"LogGroup":            assertions.Match_AnyValue(),
					},
				})
			})
		})
	}
	for _, id := range tpl.ofType("AWS::Logs::LogGroup") {
		if got := tpl.Resources[id].Properties["RetentionInDays"]; got != 30.0 {
			t.Errorf("log group %s retention: got %v days, want 30", id, got)
		}
	}
}

func TestFunctionEnvironmentIsWhatEachFunctionReads(t *testing.T) {
	limits := map[string]any{"maxMessageChars": "2000", "rateLimit": 20, "rateWindow": "1m",
		"idleTimeout": "6h", "connectionCap": "5000", "staffCidrs": "10.0.0.0/8", "logLevel": "debug", "triage": "off"}
	cases := []struct {
		name    string
		context map[string]any
		// optional says whether the limit variables are expected.
		optional bool
	}{
		{"DefaultsLeaveLimitsToTheApplication", nil, false},
		{"ContextSetsLimits", limits, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := standard(t)
			if c.context != nil {
				tpl = synth(t, c.context, false)
			}
			fns := tpl.functionIDs(t)
			for _, spec := range routes.Functions {
				vars := environment(tpl.Resources[fns[spec.Name]])
				reads := envvar.ReadBy[spec.Name]
				for _, name := range reads {
					_, optional := limitContext[name]
					_, set := vars[name]
					if want := !optional || c.optional; set != want {
						t.Errorf("%s: %s set %v, want %v", spec.Name, name, set, want)
					}
				}
				if len(vars) > len(reads) {
					t.Errorf("%s: %d variables for the %d internal/app/envvar lists", spec.Name, len(vars), len(reads))
				}
			}
			if c.optional {
				must(t, func() {
					tpl.assert.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
						"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"ApplicationLogLevel": "DEBUG"}),
					})
				})
				if got := environment(tpl.Resources[fns[routes.Message]])[envvar.MaxMessageChars]; got != "2000" {
					t.Errorf("message %s: got %v, want 2000", envvar.MaxMessageChars, got)
				}
				if got := environment(tpl.Resources[fns[routes.Message]])[envvar.Triage]; got != "off" {
					t.Errorf("message %s: got %v, want off", envvar.Triage, got)
				}
			}
		})
	}

	tpl := standard(t)
	api := environment(tpl.Resources[tpl.functionIDs(t)[routes.API]])
	want := map[string]string{
		envvar.Issuer:             "https://cognito-idp.${AWS::Region}.amazonaws.com/${" + tpl.ofType("AWS::Cognito::UserPool")[0] + "}",
		envvar.ClientID:           "${" + tpl.ofType("AWS::Cognito::UserPoolClient")[0] + "}",
		envvar.StaffGroup:         "staff",
		envvar.SupervisorGroup:    "supervisors",
		envvar.TableName:          "${" + tpl.mainTable(t) + "}",
		envvar.ManagementEndpoint: "https://${" + wsAPI(tpl) + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod",
	}
	for name, w := range want {
		if got := render(api[name]); got != w {
			t.Errorf("api %s: got %s, want %s", name, got, w)
		}
	}
	authorizer := environment(tpl.Resources[tpl.functionIDs(t)[routes.Authorizer]])
	if got, want := render(authorizer[envvar.AllowedOrigins]), "https://${"+tpl.ofType("AWS::CloudFront::Distribution")[0]+".DomainName}"; got != want {
		t.Errorf("authorizer %s: got %s, want the distribution %s", envvar.AllowedOrigins, got, want)
	}
	retention := environment(tpl.Resources[tpl.functionIDs(t)[routes.Retention]])
	if got, want := render(retention[envvar.UserPoolID]), "${"+tpl.ofType("AWS::Cognito::UserPool")[0]+"}"; got != want {
		t.Errorf("retention %s: got %s, want the pool %s", envvar.UserPoolID, got, want)
	}
}

func TestNoFunctionEnvironmentCarriesASecret(t *testing.T) {
	tpl := standard(t)
	for _, id := range tpl.ofType("AWS::Lambda::Function") {
		for name, v := range environment(tpl.Resources[id]) {
			upper := strings.ToUpper(name)
			secretish := false
			for _, word := range []string{"SECRET", "PASSWORD", "TOKEN", "KEY", "CREDENTIAL"} {
				secretish = secretish || strings.Contains(upper, word)
			}
			if _, literal := v.(string); secretish && literal {
				t.Errorf("function %s: %s holds a literal value; secrets belong in Secrets Manager, not the environment", id, name)
			}
			if s, ok := v.(string); ok && (strings.HasPrefix(s, "eyJ") || strings.Contains(s, "AKIA")) {
				t.Errorf("function %s: %s looks like a token or access key", id, name)
			}
		}
	}
}

func TestTableFollowsTheStoreSchema(t *testing.T) {
	tpl := standard(t)
	indexes := make([]any, 0, len(store.Schema.Indexes))
	for _, ix := range store.Schema.Indexes {
		projection := "ALL"
		if ix.KeysOnly {
			projection = "KEYS_ONLY"
		}
		indexes = append(indexes, map[string]any{
			"IndexName": ix.Name,
			"KeySchema": []any{
				map[string]any{"AttributeName": string(ix.PK), "KeyType": "HASH"},
				map[string]any{"AttributeName": string(ix.SK), "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": projection},
		})
	}
	must(t, func() {
		// Two tables: this one and the key table (TestKeyTableFollowsTheSealSchemaAndHasNoCopies).
		tpl.assert.ResourceCountIs(jsii.String("AWS::DynamoDB::GlobalTable"), jsii.Number(2))
		tpl.assert.HasResourceProperties(jsii.String("AWS::DynamoDB::GlobalTable"), map[string]any{
			"BillingMode": "PAY_PER_REQUEST",
			"KeySchema": []any{
				map[string]any{"AttributeName": string(store.Schema.PK), "KeyType": "HASH"},
				map[string]any{"AttributeName": string(store.Schema.SK), "KeyType": "RANGE"},
			},
			"GlobalSecondaryIndexes": indexes,
			"TimeToLiveSpecification": map[string]any{
				"AttributeName": store.Schema.TTLAttribute, "Enabled": true,
			},
			"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			})},
		})
	})
	if store.Schema.TTLAttribute != "expiresAt" {
		t.Errorf("TTL attribute: got %s, want expiresAt (docs/protocol.md)", store.Schema.TTLAttribute)
	}
}

func TestProductionKeepsItsData(t *testing.T) {
	cases := []struct {
		stage   string
		context map[string]any
		policy  string
		protect any
	}{
		{"prod", map[string]any{"stage": "prod"}, "Retain", true},
		{"dev", nil, "Delete", false},
	}
	for _, c := range cases {
		t.Run(c.stage, func(t *testing.T) {
			tpl := synth(t, c.context, true)
			for _, typ := range []string{"AWS::DynamoDB::GlobalTable", "AWS::KMS::Key", "AWS::Cognito::UserPool", "AWS::S3::Bucket", "AWS::Logs::LogGroup"} {
				for _, id := range tpl.ofType(typ) {
					if r := tpl.Resources[id]; r.DeletionPolicy != c.policy || r.UpdatePolicy != c.policy {
						t.Errorf("%s %s: deletion %q replace %q, want %q", typ, id, r.DeletionPolicy, r.UpdatePolicy, c.policy)
					}
				}
			}
			poolProtection := any("INACTIVE")
			if c.stage == "prod" {
				poolProtection = "ACTIVE"
			}
			must(t, func() {
				tpl.assert.HasResourceProperties(jsii.String("AWS::DynamoDB::GlobalTable"), map[string]any{
					"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{"DeletionProtectionEnabled": c.protect})},
				})
				tpl.assert.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
					"DeletionProtection": poolProtection,
				})
			})
			if autoDelete := len(tpl.ofType("Custom::S3AutoDeleteObjects")) > 0; autoDelete != (c.stage != "prod") {
				t.Errorf("web bucket emptied on delete: got %v, want %v", autoDelete, c.stage != "prod")
			}
		})
	}
}

func TestRetentionRunsOnASchedule(t *testing.T) {
	tpl := standard(t)
	retention := tpl.functionIDs(t)[routes.Retention]
	rules := tpl.ofType("AWS::Events::Rule")
	if len(rules) != 1 {
		t.Fatalf("rules: got %d, want 1", len(rules))
	}
	rule := tpl.Resources[rules[0]].Properties
	if got := rule["ScheduleExpression"]; got != "rate(15 minutes)" || rule["State"] != "ENABLED" {
		t.Errorf("schedule: got %v (%v), want rate(15 minutes) ENABLED", got, rule["State"])
	}
	targets := list(rule["Targets"])
	if len(targets) != 1 || refID(targets[0].(map[string]any)["Arn"]) != retention {
		t.Errorf("targets: got %v, want the retention function %s", targets, retention)
	}
}

func TestOutputsNameEveryEndpoint(t *testing.T) {
	tpl := standard(t)
	// What make e2e and confidectl read from the outputs file, and what
	// operators look for.
	names := append(endpoints.OutputNames(), "WidgetUrl", "CloudWatchDashboardUrl")
	for _, name := range names {
		if _, ok := tpl.Outputs[name]; !ok {
			t.Errorf("no output %s", name)
		}
	}
	if got := render(tpl.Outputs["WebSocketUrl"]["Value"]); !strings.HasPrefix(got, "wss://${"+wsAPI(tpl)+"}") || !strings.HasSuffix(got, "/prod") {
		t.Errorf("WebSocketUrl: got %s, want wss://<api>.../prod", got)
	}
}

// environment returns a function's environment variables.
func environment(fn resource) map[string]any {
	env, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	if vars == nil {
		return map[string]any{}
	}
	return vars
}

// wsAPI returns the logical id of the WebSocket API.
func wsAPI(tpl *template) string {
	for _, id := range tpl.ofType("AWS::ApiGatewayV2::Api") {
		if tpl.Resources[id].Properties["ProtocolType"] == "WEBSOCKET" {
			return id
		}
	}
	panic(fmt.Sprintf("no WebSocket API among %v", tpl.ofType("AWS::ApiGatewayV2::Api")))
}
