package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/confidechat/confide/internal/routes"
)

// Exceptions to "no wildcard": statements CDK writes for its own custom
// resources, by the logical id prefix of the policy that holds them.
var (
	// wildcardActionOwners may use action families such as s3:GetObject*:
	// CDK's bucket grants are written that way and AWS has no single action
	// for "read an object with its tags and versions".
	wildcardActionOwners = map[string]string{
		"WebDeploymentRoleDefaultPolicy": "BucketDeployment reads the asset bucket and writes the web bucket with CDK's grants",
		"WebBucketPolicy":                "autoDeleteObjects (outside prod) lets its provider list and delete the web bucket's objects",
	}
	// managedPolicyRoles may carry AWS managed policies.
	managedPolicyRoles = map[string]string{
		"CustomS3AutoDeleteObjectsCustomResourceProviderRole": "CDK's provider for autoDeleteObjects takes AWSLambdaBasicExecutionRole and cannot be given a role (outside prod only)",
	}
)

func TestNoWildcardPermissions(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			tpl := standard(t)
			if stage == "prod" {
				tpl = synth(t, map[string]any{"stage": "prod"}, true)
			}
			for id, st := range tpl.statements() {
				for _, s := range st {
					if s["Effect"] != "Allow" {
						continue // a Deny may be broad: it only takes away
					}
					if p := render(s["Principal"]); p == "*" || strings.Contains(p, `"AWS":"*"`) {
						t.Errorf("%s allows principal *: %v", id, s)
					}
					for _, a := range list(s["Action"]) {
						action := render(a)
						if action == "*" || strings.HasSuffix(action, ":*") {
							t.Errorf("%s allows every action of a service: %s", id, action)
						} else if strings.Contains(action, "*") && !hasPrefixIn(id, wildcardActionOwners) {
							t.Errorf("%s allows action family %s and is not a listed exception", id, action)
						}
					}
					for _, r := range list(s["Resource"]) {
						if tpl.Resources[id].Type == "AWS::KMS::Key" && render(r) == "*" {
							continue // in a key policy, * is the key itself
						}
						if res := render(r); broadResource(res) {
							t.Errorf("%s allows resource %s", id, res)
						}
					}
				}
			}
			for _, id := range tpl.ofType("AWS::IAM::Role") {
				if _, ok := tpl.Resources[id].Properties["ManagedPolicyArns"]; ok && !hasPrefixIn(id, managedPolicyRoles) {
					t.Errorf("role %s carries managed policies and is not a listed exception", id)
				}
			}
		})
	}
}

// broadResource reports whether an IAM resource names more than one
// resource's children: "*", or a wildcard anywhere but a final "/*" or ":*"
// under a named parent.
func broadResource(res string) bool {
	if res == "*" {
		return true
	}
	parent := strings.TrimSuffix(strings.TrimSuffix(res, "/*"), ":*")
	return strings.Contains(parent, "*") || !strings.Contains(parent, "${")
}

func TestBroadResourceTellsNamedFromAnyResource(t *testing.T) {
	cases := []struct {
		res  string
		want bool
	}{
		{"*", true},
		{"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/prod/POST/@connections/*", true},
		{"arn:aws:s3:::some-bucket/*", true},
		{"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/prod/POST/@connections/*", false},
		{"${WebBucket.Arn}/*", false},
		{"${Table.Arn}/index/gsi1", false},
	}
	for _, c := range cases {
		if got := broadResource(c.res); got != c.want {
			t.Errorf("broadResource(%s): got %v, want %v", c.res, got, c.want)
		}
	}
}

func TestFunctionsHaveTheirOwnLeastRoles(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			actions := tpl.roleActions(tpl.functionRole(fns[spec.Name]))
			if slices.Contains(actions, "dynamodb:Scan") {
				t.Errorf("%s may Scan the table", spec.Name)
			}
			for _, want := range tableAccess[spec.Name] {
				if !slices.Contains(actions, want) {
					t.Errorf("%s lacks %s", spec.Name, want)
				}
			}
			if spec.Name == routes.Disconnect && slices.Contains(actions, "dynamodb:PutItem") {
				t.Errorf("disconnect may put items; it only removes a connection")
			}
		})
	}
}

func TestManageConnectionsOnlyOnThisStageForPushers(t *testing.T) {
	saved := routes.Functions
	t.Cleanup(func() { routes.Functions = saved })
	// Make one function a non-pusher so the test can tell a grant given to
	// every function from one given to pushers only.
	routes.Functions = slices.Clone(saved)
	for i := range routes.Functions {
		if routes.Functions[i].Name == routes.Disconnect {
			routes.Functions[i].Pushes = false
		}
	}

	tpl := synthesize(t, map[string]any{"wsStage": "live"}, false)
	fns := tpl.functionIDs(t)
	api := wsAPI(tpl)
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			var methods []string
			for _, s := range tpl.roleStatements(tpl.functionRole(fns[spec.Name])) {
				if !slices.Contains(list(s["Action"]), any("execute-api:ManageConnections")) {
					continue
				}
				if len(list(s["Action"])) != 1 {
					t.Errorf("ManageConnections shares a statement with %v", s["Action"])
				}
				for _, r := range list(s["Resource"]) {
					prefix := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + api + "}/live/"
					res := render(r)
					method, ok := strings.CutPrefix(res, prefix)
					if !ok || !strings.HasSuffix(method, "/@connections/*") {
						t.Errorf("ManageConnections on %s, want %s<METHOD>/@connections/*", res, prefix)
					}
					methods = append(methods, strings.TrimSuffix(method, "/@connections/*"))
				}
			}
			slices.Sort(methods)
			want := []string{"DELETE", "GET", "POST"}
			if !spec.Pushes {
				want = nil
			}
			if !slices.Equal(methods, want) {
				t.Errorf("%s (pushes %v) may manage connections with %v, want %v", spec.Name, spec.Pushes, methods, want)
			}
		})
	}
}

func TestOnlyTheSweepLooksUpAccounts(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	pool := tpl.ofType("AWS::Cognito::UserPool")[0]
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			var resources []string
			for _, s := range tpl.roleStatements(tpl.functionRole(fns[spec.Name])) {
				for _, a := range list(s["Action"]) {
					if strings.HasPrefix(render(a), "cognito-idp:") {
						if render(a) != "cognito-idp:AdminGetUser" || len(list(s["Action"])) != 1 {
							t.Errorf("Cognito actions %v, want AdminGetUser alone", s["Action"])
						}
						resources = append(resources, render(s["Resource"]))
					}
				}
			}
			var want []string
			if spec.Name == routes.Retention {
				want = []string{"${" + pool + ".Arn}"}
			}
			if !slices.Equal(resources, want) {
				t.Errorf("AdminGetUser on %v, want %v", resources, want)
			}
		})
	}
}

// statements returns every policy statement of the template by the logical
// id of the resource that holds it.
func (tpl *template) statements() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	var walk func(id string, v any)
	walk = func(id string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if st, ok := v["Statement"]; ok {
				for _, s := range list(st) {
					if m, ok := s.(map[string]any); ok {
						out[id] = append(out[id], m)
					}
				}
				return
			}
			for _, x := range v {
				walk(id, x)
			}
		case []any:
			for _, x := range v {
				walk(id, x)
			}
		}
	}
	for id, r := range tpl.Resources {
		walk(id, r.Properties)
	}
	return out
}

// functionRole returns the logical id of a function's role.
func (tpl *template) functionRole(fn string) string {
	return refID(tpl.Resources[fn].Properties["Role"])
}

// roleStatements returns the statements of every policy attached to role.
func (tpl *template) roleStatements(role string) []map[string]any {
	var out []map[string]any
	statements := tpl.statements()
	for _, id := range tpl.ofType("AWS::IAM::Policy") {
		for _, r := range list(tpl.Resources[id].Properties["Roles"]) {
			if refID(r) == role {
				out = append(out, statements[id]...)
			}
		}
	}
	return out
}

// roleActions returns every action role may take.
func (tpl *template) roleActions(role string) []string {
	var out []string
	for _, s := range tpl.roleStatements(role) {
		for _, a := range list(s["Action"]) {
			out = append(out, render(a))
		}
	}
	return out
}

func hasPrefixIn(id string, prefixes map[string]string) bool {
	for p := range prefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}
