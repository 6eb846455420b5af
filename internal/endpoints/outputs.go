package endpoints

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// outputRegion is the output holding the stack's AWS region.
const outputRegion = "Region"

// outputNames maps the CDK stack's outputs (infra/stack.go) to the
// endpoints they give.
var outputNames = map[string]func(*Endpoints, string){
	"HttpApiUrl":       func(e *Endpoints, v string) { e.HTTPAPI = strings.TrimSuffix(v, "/") },
	"WebSocketUrl":     func(e *Endpoints, v string) { e.WebSocket = v },
	"UserPoolId":       func(e *Endpoints, v string) { e.UserPoolID = v },
	"UserPoolClientId": func(e *Endpoints, v string) { e.UserPoolClientID = v },
	"Issuer":           func(e *Endpoints, v string) { e.Issuer = v },
	"TableName":        func(e *Endpoints, v string) { e.TableName = v },
	"KeyTableName":     func(e *Endpoints, v string) { e.KeyTableName = v },
	"KmsKeyArn":        func(e *Endpoints, v string) { e.KMSKeyID = v },
	"WidgetDemoUrl":    func(e *Endpoints, v string) { e.WidgetDemo = v },
	"DashboardUrl":     func(e *Endpoints, v string) { e.Dashboard = v },
}

// FromStackOutputs turns the outputs file of `cdk deploy --outputs-file`
// ({"<stack>": {"HttpApiUrl": ..., ...}}) into the endpoints of that
// deployment. Cognito, DynamoDB and KMS are AWS's own regional endpoints. The
// file must hold exactly one stack, or name it in stack.
func FromStackOutputs(raw []byte, stack string) (Endpoints, error) {
	var stacks map[string]map[string]string
	if err := json.Unmarshal(raw, &stacks); err != nil {
		return Endpoints{}, fmt.Errorf("stack outputs: %w", err)
	}
	if stack == "" {
		if len(stacks) != 1 {
			return Endpoints{}, fmt.Errorf("stack outputs hold %d stacks: name one", len(stacks))
		}
		for name := range stacks {
			stack = name
		}
	}
	out, ok := stacks[stack]
	if !ok {
		return Endpoints{}, fmt.Errorf("stack outputs have no stack %q", stack)
	}
	var e Endpoints
	for name, set := range outputNames {
		v, ok := out[name]
		if !ok {
			return Endpoints{}, fmt.Errorf("stack %s has no output %s (deployed with an older Confide?)", stack, name)
		}
		set(&e, v)
	}
	region := out[outputRegion]
	if region == "" {
		return Endpoints{}, fmt.Errorf("stack %s has no output %s", stack, outputRegion)
	}
	e.CognitoEndpoint = "https://cognito-idp." + region + ".amazonaws.com/"
	e.DynamoDBEndpoint = "https://dynamodb." + region + ".amazonaws.com"
	e.KMSEndpoint = "https://kms." + region + ".amazonaws.com"
	return e, nil
}

// Load reads either an endpoints file or a `cdk deploy` outputs file, so
// every tool can be pointed at a deployed stack by its outputs.
func Load(path string) (Endpoints, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Endpoints{}, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Endpoints{}, fmt.Errorf("%s: %w", path, err)
	}
	if _, ok := probe["httpApi"]; ok {
		var e Endpoints
		if err := json.Unmarshal(raw, &e); err != nil {
			return Endpoints{}, fmt.Errorf("%s: %w", path, err)
		}
		return e, nil
	}
	e, err := FromStackOutputs(raw, "")
	if err != nil {
		return Endpoints{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// Region is the AWS region of a deployed stack, read from its Cognito
// issuer (https://cognito-idp.<region>.amazonaws.com/<pool>); "us-east-1"
// for the local stack, whose services ignore it.
func (e Endpoints) Region() string {
	host := strings.TrimPrefix(e.Issuer, "https://")
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	if r, ok := strings.CutPrefix(host, "cognito-idp."); ok {
		if r, ok = strings.CutSuffix(r, ".amazonaws.com"); ok && r != "" {
			return r
		}
	}
	return "us-east-1"
}

// OutputNames are the stack outputs FromStackOutputs needs; the CDK stack's
// tests check that it has every one.
func OutputNames() []string {
	names := []string{outputRegion}
	for name := range outputNames {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
