package loadtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/dev/localdynamo"
	"github.com/confidechat/confide/internal/store"
)

// BenchmarkEmulator measures what one call costs the embedded DynamoDB
// (minidyn, through its HTTP server) as its table grows: a Query of one
// small partition, a GetItem and a two-item TransactWriteItems. The load
// test's table holds about 6,000 items once its 1,000 connections are open.
//
//	(cd tools && go test -run '^$' -bench Emulator -benchtime 50x ./loadtest/)
func BenchmarkEmulator(b *testing.B) {
	for _, size := range []int{1000, 5000} {
		ctx := context.Background()
		db, err := localdynamo.Start()
		if err != nil {
			b.Fatal(err)
		}
		client := db.Client(ctx)
		if err := store.CreateTable(ctx, client, "bench"); err != nil {
			b.Fatal(err)
		}
		seed(b, client, size)
		key := func(pk, sk string) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk)}
		}
		b.Run(fmt.Sprintf("Query/items=%d", size), func(b *testing.B) {
			for b.Loop() {
				if _, err := client.Query(ctx, &dynamodb.QueryInput{
					TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("CONV#7")},
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("GetItem/items=%d", size), func(b *testing.B) {
			for b.Loop() {
				if _, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: key("CONV#7", "MSG#1")}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("TransactWriteItems/items=%d", size), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if _, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("bench"), Item: key("BENCH#1", fmt.Sprintf("A#%09d", i))}},
					{Put: &types.Put{TableName: aws.String("bench"), Item: key("BENCH#1", fmt.Sprintf("B#%09d", i))}},
				}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		db.Close()
	}
}

// seed puts size items, 10 per conversation partition, 25 per batch.
func seed(b *testing.B, client *dynamodb.Client, size int) {
	b.Helper()
	for start := 0; start < size; start += 25 {
		var reqs []types.WriteRequest
		for i := start; i < min(start+25, size); i++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": s(fmt.Sprintf("CONV#%d", i/10)), "sk": s(fmt.Sprintf("MSG#%d", i%10)), "body": s("a message of some length"),
			}}})
		}
		if _, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": reqs}}); err != nil {
			b.Fatal(err)
		}
	}
}
