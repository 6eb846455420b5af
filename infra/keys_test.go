package main

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/seal"
)

// mainTable returns the logical id of Confide's table (the one with
// indexes), keyTable that of the key table (the one tagged for no backup).
func (tpl *template) mainTable(t *testing.T) string {
	t.Helper()
	for _, id := range tpl.ofType("AWS::DynamoDB::GlobalTable") {
		if _, ok := tpl.Resources[id].Properties["GlobalSecondaryIndexes"]; ok {
			return id
		}
	}
	t.Fatal("no table with indexes")
	return ""
}

func (tpl *template) keyTable(t *testing.T) string {
	t.Helper()
	var ids []string
	for _, id := range tpl.ofType("AWS::DynamoDB::GlobalTable") {
		if strings.Contains(render(tpl.Resources[id].Properties["Replicas"]), `"Key":"`+backupTag+`","Value":"`+backupTagValue+`"`) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("tables tagged %s=%s: %v, want one", backupTag, backupTagValue, ids)
	}
	return ids[0]
}

// kmsKey returns the logical id of the one KMS key.
func (tpl *template) kmsKey(t *testing.T) string {
	t.Helper()
	keys := tpl.ofType("AWS::KMS::Key")
	if len(keys) != 1 {
		t.Fatalf("KMS keys: %v, want one", keys)
	}
	return keys[0]
}

func TestKeyTableFollowsTheSealSchemaAndHasNoCopies(t *testing.T) {
	for _, c := range []struct {
		stage   string
		context map[string]any
		protect bool
	}{{"dev", nil, false}, {"prod", map[string]any{"stage": "prod"}, true}} {
		t.Run(c.stage, func(t *testing.T) {
			tpl := synth(t, c.context, true)
			p := tpl.Resources[tpl.keyTable(t)].Properties
			must(t, func() {
				tpl.assert.ResourceCountIs(jsii.String("AWS::DynamoDB::GlobalTable"), jsii.Number(2))
			})
			if got, want := render(p["KeySchema"]), `{"AttributeName":"`+seal.KeyTable.PK+`","KeyType":"HASH"},{"AttributeName":"`+seal.KeyTable.SK+`","KeyType":"RANGE"}`; got != want {
				t.Errorf("key schema %s, want %s", got, want)
			}
			if got, want := render(p["TimeToLiveSpecification"]), `{"AttributeName":"`+seal.KeyTable.TTLAttribute+`","Enabled":true}`; got != want {
				t.Errorf("TTL %s, want %s", got, want)
			}
			if p["BillingMode"] != "PAY_PER_REQUEST" {
				t.Errorf("billing %v, want PAY_PER_REQUEST", p["BillingMode"])
			}
			for _, absent := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"} {
				if v, ok := p[absent]; ok {
					t.Errorf("%s: %v, want none (no other copy of the keys)", absent, render(v))
				}
			}
			replicas := list(p["Replicas"])
			if len(replicas) != 1 {
				t.Fatalf("replicas: %d, want 1", len(replicas))
			}
			replica := replicas[0].(map[string]any)
			if got := render(replica["PointInTimeRecoverySpecification"]); got != `{"PointInTimeRecoveryEnabled":false}` {
				t.Errorf("point-in-time recovery %s, want off", got)
			}
			if _, ok := replica["KinesisStreamSpecification"]; ok {
				t.Error("the key table streams to Kinesis")
			}
			if got := replica["DeletionProtectionEnabled"]; got != c.protect {
				t.Errorf("deletion protection %v, want %v", got, c.protect)
			}
		})
	}
}

func TestDataKeyWrappingKeyRotatesAndTheAccountCannotUseIt(t *testing.T) {
	tpl := standard(t)
	key := tpl.Resources[tpl.kmsKey(t)].Properties
	if key["EnableKeyRotation"] != true || key["KeySpec"] != "SYMMETRIC_DEFAULT" || key["KeyUsage"] != "ENCRYPT_DECRYPT" {
		t.Errorf("key: rotation %v spec %v usage %v, want true SYMMETRIC_DEFAULT ENCRYPT_DECRYPT", key["EnableKeyRotation"], key["KeySpec"], key["KeyUsage"])
	}
	use := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
		"kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:CreateGrant"}
	fns := tpl.functionIDs(t)
	// Who may use the key for what: api and message seal and open;
	// retention only makes the coming hours' keys, never seeing them.
	wantUses := map[string][]string{}
	for _, name := range []routes.Function{routes.API, routes.Message} {
		wantUses["${"+tpl.functionRole(fns[name])+".Arn}"] = []string{"kms:Decrypt", "kms:GenerateDataKey"}
	}
	wantUses["${"+tpl.functionRole(fns[routes.Retention])+".Arn}"] = []string{"kms:GenerateDataKeyWithoutPlaintext"}
	uses := map[string][]string{}
	for _, s := range tpl.statements()[tpl.kmsKey(t)] {
		principal := render(s["Principal"])
		var actions []string
		for _, a := range list(s["Action"]) {
			actions = append(actions, render(a))
		}
		if strings.Contains(principal, ":root") {
			for _, a := range actions {
				if slices.Contains(use, a) || strings.Contains(a, "*") {
					t.Errorf("the account may %s with the key: administration only", a)
				}
				if !slices.Contains(keyAdministration, a) {
					t.Errorf("the account may %s, which keyAdministration does not list", a)
				}
			}
			continue
		}
		slices.Sort(actions)
		checkEncryptionContextCondition(t, principal, s)
		for _, p := range list(s["Principal"].(map[string]any)["AWS"]) {
			uses[render(p)] = append(uses[render(p)], actions...)
		}
	}
	if !maps.EqualFunc(uses, wantUses, slices.Equal) {
		t.Errorf("the key policy lets %v use the key, want %v", uses, wantUses)
	}
}

// checkEncryptionContextCondition checks that a statement allows the key
// only for data keys of Confide's encryption context.
func checkEncryptionContextCondition(t *testing.T, who string, s map[string]any) {
	t.Helper()
	got := render(s["Condition"])
	for _, want := range []string{
		`"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["` + seal.EncryptionContextKey + `"]}`,
		`"Null":{"kms:EncryptionContext:` + seal.EncryptionContextKey + `":"false"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%s: condition %s lacks %s", who, got, want)
		}
	}
}

// TestOnlyMessageAndAPIUseTheKeyAndOnlyRetentionDestroysKeys reads every
// function role: KMS actions and actions on the key table, against
// keyAccess.
func TestOnlyMessageAndAPIUseTheKeyAndOnlyRetentionDestroysKeys(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	keyArn, keyTableArn := "${"+tpl.kmsKey(t)+".Arn}", "${"+tpl.keyTable(t)+".Arn}"
	want := map[routes.Function]struct{ kms, table []string }{
		routes.Message: {kms: []string{"kms:Decrypt", "kms:GenerateDataKey"}, table: []string{"dynamodb:GetItem", "dynamodb:PutItem"}},
		routes.API: {kms: []string{"kms:Decrypt", "kms:GenerateDataKey"},
			table: []string{"dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem"}},
		routes.Retention: {kms: []string{"kms:GenerateDataKeyWithoutPlaintext"},
			table: []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}},
	}
	for _, spec := range routes.Functions {
		t.Run(string(spec.Name), func(t *testing.T) {
			var kmsActions, tableActions []string
			for _, s := range tpl.roleStatements(tpl.functionRole(fns[spec.Name])) {
				var resources []string
				for _, r := range list(s["Resource"]) {
					resources = append(resources, render(r))
				}
				for _, a := range list(s["Action"]) {
					action := render(a)
					if strings.HasPrefix(action, "kms:") {
						if !slices.Equal(resources, []string{keyArn}) {
							t.Errorf("%s on %v, want on the key %s alone", action, resources, keyArn)
						}
						checkEncryptionContextCondition(t, string(spec.Name), s)
						kmsActions = append(kmsActions, action)
					}
					if slices.Contains(resources, keyTableArn) {
						if len(resources) != 1 {
							t.Errorf("key table actions share a statement with %v", resources)
						}
						tableActions = append(tableActions, action)
					}
				}
			}
			slices.Sort(kmsActions)
			slices.Sort(tableActions)
			if w := want[spec.Name]; !slices.Equal(kmsActions, w.kms) || !slices.Equal(tableActions, w.table) {
				t.Errorf("KMS %v, key table %v; want KMS %v, key table %v", kmsActions, tableActions, w.kms, w.table)
			}
		})
	}
}

func TestKeyTableAndKeyReachTheFunctionsThatNeedThem(t *testing.T) {
	tpl := standard(t)
	fns := tpl.functionIDs(t)
	keyTable, key := "${"+tpl.keyTable(t)+"}", "${"+tpl.kmsKey(t)+".Arn}"
	for _, spec := range routes.Functions {
		vars := environment(tpl.Resources[fns[spec.Name]])
		_, needs := keyAccess[spec.Name]
		for name, want := range map[string]string{envvar.KeyTableName: keyTable, envvar.KMSKeyID: key} {
			got, set := vars[name]
			if set != needs || (set && render(got) != want) {
				t.Errorf("%s: %s = %v (set %v), want %s (set %v)", spec.Name, name, render(got), set, want, needs)
			}
		}
	}
	if got := render(tpl.Outputs["KeyTableName"]["Value"]); got != keyTable {
		t.Errorf("KeyTableName output %s, want %s", got, keyTable)
	}
	if got := render(tpl.Outputs["KmsKeyArn"]["Value"]); got != key {
		t.Errorf("KmsKeyArn output %s, want %s", got, key)
	}
}

func TestAFunctionReadingTheKeyTableWithoutKeyAccessStopsTheSynth(t *testing.T) {
	saved := envvar.ReadBy[routes.Connect]
	t.Cleanup(func() { envvar.ReadBy[routes.Connect] = saved })
	envvar.ReadBy[routes.Connect] = append(slices.Clone(saved), envvar.KeyTableName)
	_, err := NewStack(newTestApp(t, nil), "Confide", &StackProps{AssetRoot: assetRoot(t)})
	if err == nil || !strings.Contains(err.Error(), "no key access") {
		t.Errorf("NewStack: got error %v, want one saying connect has no key access", err)
	}
}
