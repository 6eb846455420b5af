package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/confidechat/confide/internal/ddb"
)

// TableCreator is the part of the DynamoDB API CreateTable calls.
// *dynamodb.Client satisfies it.
type TableCreator = ddb.TableCreator

// CreateTableInput returns the on-demand table name as Schema defines it.
func CreateTableInput(name string) *dynamodb.CreateTableInput {
	attrs := []types.AttributeDefinition{}
	seen := map[KeyAttribute]bool{}
	define := func(a KeyAttribute) {
		if !seen[a] {
			seen[a] = true
			attrs = append(attrs, types.AttributeDefinition{AttributeName: aws.String(string(a)), AttributeType: types.ScalarAttributeTypeS})
		}
	}
	keySchema := func(pk, sk KeyAttribute) []types.KeySchemaElement {
		define(pk)
		define(sk)
		return []types.KeySchemaElement{
			{AttributeName: aws.String(string(pk)), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(string(sk)), KeyType: types.KeyTypeRange},
		}
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(Schema.PK, Schema.SK),
	}
	for _, ix := range Schema.Indexes {
		projection := types.ProjectionTypeAll
		if ix.KeysOnly {
			projection = types.ProjectionTypeKeysOnly
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.PK, ix.SK),
			Projection: &types.Projection{ProjectionType: projection},
		})
	}
	in.AttributeDefinitions = attrs
	return in
}

// CreateTable creates the table name from Schema (on-demand billing), waits
// until it answers, and enables TTL on Schema.TTLAttribute where the endpoint
// supports TTL. A table that already exists is left as it is.
func CreateTable(ctx context.Context, db TableCreator, name string) error {
	return ddb.CreateTable(ctx, db, CreateTableInput(name), Schema.TTLAttribute)
}
