package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/routes"
)

// The tests synthesize real stacks through jsii, whose runtime is one Node
// process per test binary: no test may call t.Parallel, and TestMain closes
// the runtime at the end.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	if fakeAssets != "" {
		os.RemoveAll(fakeAssets)
	}
	os.Exit(code)
}

// fakeAssets is a folder of placeholder bootstraps, made when `make build`
// has not run.
var fakeAssets string

// assetRoot returns ../build when `make build` has produced every bootstrap
// (as `make test-infra` ensures), else a folder of placeholders.
func assetRoot(t *testing.T) string {
	t.Helper()
	if checkAssets(filepath.Join("..", "build")) == nil {
		return filepath.Join("..", "build")
	}
	if fakeAssets != "" {
		return fakeAssets
	}
	dir, err := os.MkdirTemp("", "confide-assets-")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range functionNames() {
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fakeAssets = dir
	return dir
}

// webRoot returns a folder standing in for ../web.
func webRoot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"widget/widget.js", "widget/demo.html", "dashboard/index.html"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("<!doctype html>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cdkContext returns the feature flags of cdk.json, so the tests synthesize
// what `cdk synth` does, with extra on top.
func cdkContext(t *testing.T, extra map[string]any) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	for k, v := range extra {
		cfg.Context[k] = v
	}
	return cfg.Context
}

// template is a synthesized stack: the assertions API and the raw JSON.
type template struct {
	assert    assertions.Template
	Resources map[string]resource       `json:"Resources"`
	Outputs   map[string]map[string]any `json:"Outputs"`
}

type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	UpdatePolicy   string         `json:"UpdateReplacePolicy"`
}

// synthesize builds a stack with context and returns its template; it
// fails the test when NewStack refuses the context. Most tests use synth.
func synthesize(t *testing.T, context map[string]any, web bool) *template {
	t.Helper()
	stack, err := newTestStack(t, context, web)
	if err != nil {
		t.Fatalf("NewStack: %v", err)
	}
	tpl := &template{}
	must(t, func() { tpl.assert = assertions.Template_FromStack(stack, nil) })
	raw, err := json.Marshal(tpl.assert.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

func newTestStack(t *testing.T, context map[string]any, web bool) (awscdk.Stack, error) {
	t.Helper()
	app := newTestApp(t, context)
	props := &StackProps{AssetRoot: assetRoot(t), WebRoot: filepath.Join(t.TempDir(), "absent")}
	if web {
		props.WebRoot = webRoot(t)
	}
	return NewStack(app, "Confide", props)
}

// newTestApp returns an app with the context of cdk.json and context. It
// leaves assets where they are instead of copying them into the assembly:
// the template is the same and the tests run faster.
func newTestApp(t *testing.T, context map[string]any) awscdk.App {
	t.Helper()
	all := cdkContext(t, context)
	all["aws:cdk:disable-asset-staging"] = true
	return awscdk.NewApp(&awscdk.AppProps{
		Context: &all,
		Outdir:  jsii.String(t.TempDir()),
	})
}

// templates holds the templates synthesized so far, by context and web
// folder: tests asking for the same stack share one synth.
var templates = map[string]*template{}

// synth returns the template for context, synthesizing it on first use.
func synth(t *testing.T, context map[string]any, web bool) *template {
	t.Helper()
	raw, err := json.Marshal(context)
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("%s web=%v", raw, web)
	if tpl, ok := templates[key]; ok {
		return tpl
	}
	tpl := synthesize(t, context, web)
	templates[key] = tpl
	return tpl
}

// standard returns the template of the default context with a web folder.
func standard(t *testing.T) *template {
	t.Helper()
	return synth(t, nil, true)
}

// must runs an assertion of the assertions package, which panics on
// failure, and turns the panic into t.Fatal.
func must(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("assertion failed: %v", r)
		}
	}()
	assertion()
}

// ofType returns the logical ids of the resources of type typ, sorted.
func (tpl *template) ofType(typ string) []string {
	var ids []string
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// functionIDs maps each function of the route table to its logical id,
// found by its description.
func (tpl *template) functionIDs(t *testing.T) map[routes.Function]string {
	t.Helper()
	ids := map[routes.Function]string{}
	for _, spec := range routes.Functions {
		for _, id := range tpl.ofType("AWS::Lambda::Function") {
			if tpl.Resources[id].Properties["Description"] == spec.Description {
				ids[spec.Name] = id
			}
		}
		if ids[spec.Name] == "" {
			t.Fatalf("no function with the description of %s", spec.Name)
		}
	}
	return ids
}

// render flattens a CloudFormation value into a string: references become
// ${Id} or ${Id.Attribute}, joins are joined.
func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64, bool:
		return fmt.Sprint(v)
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = render(p)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if ref, ok := v["Ref"]; ok {
			return "${" + render(ref) + "}"
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return "${" + render(att[0]) + "." + render(att[1]) + "}"
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			parts, _ := join[1].([]any)
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = render(p)
			}
			return strings.Join(out, render(join[0]))
		}
		if sub, ok := v["Fn::Sub"].(string); ok {
			return sub
		}
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// list returns v as a list, wrapping a single value.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// refID returns the logical id a Ref or Fn::GetAtt names, or "".
func refID(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if ref, ok := m["Ref"].(string); ok {
		return ref
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		s, _ := att[0].(string)
		return s
	}
	return ""
}

// refsIn returns every logical id referenced anywhere in v.
func refsIn(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if id := refID(v); id != "" {
			out = append(out, id)
		}
		for _, x := range v {
			out = append(out, refsIn(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, refsIn(x)...)
		}
	}
	return out
}

// integratedFunction follows a route's target to its integration and
// returns the logical id of the function that integration invokes.
func (tpl *template) integratedFunction(route resource) string {
	for _, integration := range refsIn(route.Properties["Target"]) {
		for _, fn := range refsIn(tpl.Resources[integration].Properties["IntegrationUri"]) {
			if tpl.Resources[fn].Type == "AWS::Lambda::Function" {
				return fn
			}
		}
	}
	return ""
}
