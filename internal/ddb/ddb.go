// Package ddb holds what Confide's two DynamoDB tables (the main table of
// internal/store and the key table of internal/seal) share: the parts of
// the API they call, and creating a table for the local stack and the
// tests. In AWS the CDK stack creates the tables.
package ddb

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

// Items is the part of the DynamoDB API that reads and writes single items
// and queries. *dynamodb.Client satisfies it.
type Items interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// TableCreator is the part of the DynamoDB API CreateTable calls.
// *dynamodb.Client satisfies it.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var (
	_ Items        = (*dynamodb.Client)(nil)
	_ TableCreator = (*dynamodb.Client)(nil)
)

// pollEvery is how often CreateTable asks whether the table is ready.
const pollEvery = 50 * time.Millisecond

// CreateTable creates the table in describes, waits until it answers, and
// enables TTL on ttlAttribute where the endpoint supports TTL. A table that
// already exists is left as it is.
func CreateTable(ctx context.Context, db TableCreator, in *dynamodb.CreateTableInput, ttlAttribute string) error {
	name := aws.ToString(in.TableName)
	_, err := db.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if err := waitForTable(ctx, db, name); err != nil {
		return err
	}
	return enableTTL(ctx, db, name, ttlAttribute)
}

// waitForTable polls DescribeTable until the table is ACTIVE. An empty
// status counts as ready: minidyn reports none (the SDK's TableExistsWaiter
// would wait for ever on it).
func waitForTable(ctx context.Context, db TableCreator, name string) error {
	tick := time.NewTicker(pollEvery)
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
// UnknownOperationException) is fine: no Confide code relies on TTL for
// correctness (reads drop expired items, sweeps delete them).
func enableTTL(ctx context.Context, db TableCreator, name, attribute string) error {
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attribute),
			Enabled:       aws.Bool(true),
		},
	})
	var api smithy.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "UnknownOperationException":
		slog.Debug("dynamodb endpoint has no TTL", "table", name)
		return nil
	case errors.As(err, &api) && api.ErrorCode() == "ValidationException" &&
		strings.Contains(api.ErrorMessage(), "already enabled"):
		return nil
	default:
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
}

// OnlyConflicts reports whether a cancelled transaction (the reasons of a
// TransactionCanceledException, one per item) only lost a race with another
// transaction (TransactionConflict) and no condition failed: trying it
// again may succeed.
func OnlyConflicts(reasons []types.CancellationReason) bool {
	conflict := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "None", "":
		default:
			return false
		}
	}
	return conflict
}
