package seal

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/confidechat/confide/internal/ddb"
)

// TableCreator is the part of the DynamoDB API CreateKeyTable calls.
type TableCreator = ddb.TableCreator

// CreateKeyTable creates the key table name from KeyTable (on-demand
// billing) for the local stack and the tests, waits until it answers, and
// enables TTL where the endpoint supports it. A table that already exists
// is left as it is. In AWS the CDK stack creates it.
func CreateKeyTable(ctx context.Context, db TableCreator, name string) error {
	return ddb.CreateTable(ctx, db, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(KeyTable.PK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(KeyTable.SK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(KeyTable.PK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(KeyTable.SK), KeyType: types.KeyTypeRange},
		},
	}, KeyTable.TTLAttribute)
}
