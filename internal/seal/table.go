package seal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TableCreator is the part of the DynamoDB API CreateKeyTable calls.
// *dynamodb.Client satisfies it.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ TableCreator = (*dynamodb.Client)(nil)

// CreateKeyTable creates the key table name from KeyTable (on-demand
// billing) for the local stack and the tests, waits until it answers, and
// enables TTL where the endpoint supports it. A table that already exists
// is left as it is. In AWS the CDK stack creates it.
func CreateKeyTable(ctx context.Context, db TableCreator, name string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
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
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create key table %s: %w", name, err)
	}
	if err := waitForTable(ctx, db, name); err != nil {
		return err
	}
	return enableTTL(ctx, db, name)
}

// waitForTable polls DescribeTable until the table is ACTIVE. An empty
// status counts as ready: minidyn reports none.
func waitForTable(ctx context.Context, db TableCreator, name string) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *types.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return fmt.Errorf("describe key table %s: %w", name, err)
		case out.Table == nil:
		case out.Table.TableStatus == "" || out.Table.TableStatus == types.TableStatusActive:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for key table %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}

// enableTTL turns on TTL. An endpoint without TTL (minidyn answers
// UnknownOperationException) is fine: TTL is only the safety net behind
// DestroyExpiredHours, and Open refuses an ended hour's key anyway.
func enableTTL(ctx context.Context, db TableCreator, name string) error {
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(KeyTable.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	var api smithy.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException":
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "ValidationException" &&
		strings.Contains(api.ErrorMessage(), "already enabled"):
		return nil
	default:
		return fmt.Errorf("enable ttl on key table %s: %w", name, err)
	}
}
