package main

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/app/envvar"
	"github.com/confidechat/confide/internal/routes"
	"github.com/confidechat/confide/internal/seal"
)

// dataKeys are the parts of message encryption (internal/seal): the
// customer-managed KMS key that wraps the data keys, and the table that
// keeps them wrapped.
type dataKeys struct {
	key   awskms.Key
	table awsdynamodb.TableV2
}

// What each function may do with the data keys. The functions that seal
// and open message bodies (message, api) read and create wrapped keys and
// have KMS generate and unwrap them; api also links a permanent
// conversation to its client's key (a transaction with a condition check
// on the key). The retention function lists and destroys the expired hour
// keys and makes the coming hours' ahead of time, with KMS's
// GenerateDataKeyWithoutPlaintext: it never holds a key in the clear.
// Nothing else touches them, and no function may Scan the key table or
// delete a key but retention. A function with EnvKeyTableName missing here
// fails the synth.
var (
	keyTableUse = []string{"dynamodb:GetItem", "dynamodb:PutItem"}
	kmsUse      = []string{"kms:GenerateDataKey", "kms:Decrypt"}
	keyAccess   = map[routes.Function]struct {
		table []string
		kms   []string
	}{
		routes.Message:   {table: keyTableUse, kms: kmsUse},
		routes.API:       {table: append(slices.Clone(keyTableUse), "dynamodb:ConditionCheckItem"), kms: kmsUse},
		routes.Retention: {table: append(slices.Clone(keyTableUse), "dynamodb:Query", "dynamodb:DeleteItem"), kms: []string{"kms:GenerateDataKeyWithoutPlaintext"}},
	}
)

// keyAdministration is what the account may do with the KMS key through
// IAM: manage it (its policy, rotation, state, tags, aliases, deletion),
// never use it to encrypt or decrypt, nor grant that through grants.
// CloudFormation needs these to create, update and delete the key.
var keyAdministration = []string{
	"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
	"kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:ListGrants",
	"kms:PutKeyPolicy", "kms:UpdateKeyDescription",
	"kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
	"kms:EnableKey", "kms:DisableKey",
	"kms:TagResource", "kms:UntagResource",
	"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
	"kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
}

// backupTag marks the key table for backup plans to leave out: a copy of
// it would bring destroyed keys back (docs/operations.md, Keys).
const backupTag, backupTagValue = "confide:backup", "never"

// newDataKeys creates the KMS key and the key table. The key rotates its
// material every year; its policy lets the account administer it and
// lets no one use it until newFunction adds each function that must.
// The key table follows seal.KeyTable and has no point-in-time recovery.
func newDataKeys(stack awscdk.Stack, cfg settings) *dataKeys {
	policy := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AccountAdministersTheKeyButCannotUseIt"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			Actions:    jsii.Strings(keyAdministration...),
			Resources:  jsii.Strings("*"),
		})},
	})
	key := awskms.NewKey(stack, jsii.String("DataKeyWrappingKey"), &awskms.KeyProps{
		Description:       jsii.String("Confide: wraps the data keys that encrypt messages; destroying a data key shreds what it sealed"),
		KeySpec:           awskms.KeySpec_SYMMETRIC_DEFAULT,
		KeyUsage:          awskms.KeyUsage_ENCRYPT_DECRYPT,
		EnableKeyRotation: jsii.Bool(true),
		Policy:            policy,
		RemovalPolicy:     removalPolicy(cfg),
	})
	s := seal.KeyTable
	table := awsdynamodb.NewTableV2(stack, jsii.String("KeyTable"), &awsdynamodb.TablePropsV2{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(s.PK), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(s.SK), Type: awsdynamodb.AttributeType_STRING},
		Billing:             awsdynamodb.Billing_OnDemand(nil),
		TimeToLiveAttribute: jsii.String(s.TTLAttribute),
		// Never any copy: point-in-time recovery and backups would keep
		// destroyed keys for as long as they keep anything.
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(false),
		},
		DeletionProtection: jsii.Bool(cfg.prod),
		RemovalPolicy:      removalPolicy(cfg),
		Tags:               &[]*awscdk.CfnTag{{Key: jsii.String(backupTag), Value: jsii.String(backupTagValue)}},
	})
	return &dataKeys{key: key, table: table}
}

// grant gives a function's role what keyAccess lists for it: actions on
// the key table, and with kms the two KMS actions on the key, for data
// keys of Confide's encryption context only, in the role's policy and in
// the key's (which does not delegate use of the key to IAM).
func (k *dataKeys) grant(spec routes.FunctionSpec, role awsiam.Role) error {
	access, ok := keyAccess[spec.Name]
	if !ok {
		for _, name := range envvar.ReadBy[spec.Name] {
			if name == envvar.KeyTableName {
				return fmt.Errorf("function %s reads %s but has no key access defined in infra/keys.go", spec.Name, name)
			}
		}
		return nil
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(access.table...),
		Resources: jsii.Strings(*k.table.TableArn()),
	}))
	if len(access.kms) == 0 {
		return nil
	}
	conditions := &map[string]any{
		"ForAllValues:StringEquals": map[string]any{"kms:EncryptionContextKeys": []string{seal.EncryptionContextKey}},
		"Null":                      map[string]any{"kms:EncryptionContext:" + seal.EncryptionContextKey: "false"},
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings(access.kms...),
		Resources:  jsii.Strings(*k.key.KeyArn()),
		Conditions: conditions,
	}))
	k.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("Use" + construct(string(spec.Name))),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(role.RoleArn())},
		Actions:    jsii.Strings(access.kms...),
		Resources:  jsii.Strings("*"),
		Conditions: conditions,
	}), jsii.Bool(false))
	return nil
}
