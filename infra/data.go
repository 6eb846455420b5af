package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/confidechat/confide/internal/store"
)

// newTable creates Confide's one table from store.Schema, the definition
// the local stack creates its table from too.
func newTable(stack awscdk.Stack, cfg settings) awsdynamodb.TableV2 {
	s := store.Schema
	indexes := make([]*awsdynamodb.GlobalSecondaryIndexPropsV2, 0, len(s.Indexes))
	for _, ix := range s.Indexes {
		projection := awsdynamodb.ProjectionType_ALL
		if ix.KeysOnly {
			projection = awsdynamodb.ProjectionType_KEYS_ONLY
		}
		indexes = append(indexes, &awsdynamodb.GlobalSecondaryIndexPropsV2{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   stringKey(ix.PK),
			SortKey:        stringKey(ix.SK),
			ProjectionType: projection,
		})
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey:           stringKey(s.PK),
		SortKey:                stringKey(s.SK),
		GlobalSecondaryIndexes: &indexes,
		Billing:                awsdynamodb.Billing_OnDemand(nil),
		TimeToLiveAttribute:    jsii.String(s.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(cfg.prod),
		RemovalPolicy:      removalPolicy(cfg),
	})
}

func stringKey(name store.KeyAttribute) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(string(name)), Type: awsdynamodb.AttributeType_STRING}
}
