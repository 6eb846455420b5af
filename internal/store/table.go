package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TableCreator is the part of the DynamoDB API CreateTable calls.
// *dynamodb.Client satisfies it.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ TableCreator = (*dynamodb.Client)(nil)

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
	_, err := db.CreateTable(ctx, CreateTableInput(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if err := waitForTable(ctx, db, name); err != nil {
		return err
	}
	return enableTTL(ctx, db, name)
}

// waitForTable polls DescribeTable until the table is ACTIVE. An empty status
// counts as ready: minidyn reports none.
func waitForTable(ctx context.Context, db TableCreator, name string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *types.ResourceNotFoundException
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return fmt.Errorf("describe table %s: %w", name, err)
		case out.Table == nil:
		case out.Table.TableStatus == "" || out.Table.TableStatus == types.TableStatusActive:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}

// enableTTL turns on TTL. An endpoint without TTL (minidyn answers
// UnknownOperationException) is fine: no code relies on TTL for correctness.
func enableTTL(ctx context.Context, db TableCreator, name string) error {
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(Schema.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	})
	var api smithy.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException":
		slog.Debug("dynamodb endpoint has no TTL; relying on DeleteExpired", "table", name)
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "ValidationException" &&
		strings.Contains(api.ErrorMessage(), "already enabled"):
		return nil
	default:
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
}
