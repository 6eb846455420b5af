package loadtest

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestEstimate(t *testing.T) {
	small := map[string]types.AttributeValue{"pk": s("CONV#1"), "sk": s("MSG#1")}
	big := map[string]types.AttributeValue{"pk": s("CONV#1"), "body": s(strings.Repeat("x", 2500))}
	withIndex := map[string]types.AttributeValue{"pk": s("CONV#1"), "sk": s("META"), "gsi1pk": s("USER#1"), "gsi2pk": s("STATUS#active")}
	tests := []struct {
		name           string
		params, result any
		want           Usage
	}{
		{"EventuallyConsistentGetIsHalfAUnit", &dynamodb.GetItemInput{}, &dynamodb.GetItemOutput{Item: small}, Usage{"GetItem", 0.5, 0}},
		{"ConsistentGetIsAUnit", &dynamodb.GetItemInput{ConsistentRead: aws.Bool(true)}, &dynamodb.GetItemOutput{Item: small}, Usage{"GetItem", 1, 0}},
		{"AFailedGetStillCostsTheMinimum", &dynamodb.GetItemInput{}, nil, Usage{"GetItem", 0.5, 0}},
		{"QueryRoundsItsTotalUpTo4KB",
			&dynamodb.QueryInput{}, &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{big, big}, Count: 2, ScannedCount: 2},
			Usage{"Query", 1, 0}},
		{"QueryCountsWhatItsFilterDropped",
			&dynamodb.QueryInput{}, &dynamodb.QueryOutput{Items: []map[string]types.AttributeValue{big}, Count: 1, ScannedCount: 2},
			Usage{"Query", 1, 0}},
		{"PutOfASmallItemIsAUnit", &dynamodb.PutItemInput{Item: small}, nil, Usage{"PutItem", 0, 1}},
		{"PutRoundsUpTo1KB", &dynamodb.PutItemInput{Item: big}, nil, Usage{"PutItem", 0, 3}},
		{"PutWritesEveryIndexItHasAKeyFor", &dynamodb.PutItemInput{Item: withIndex}, nil, Usage{"PutItem", 0, 3}},
		{"UpdateSettingAnIndexKeyWritesTheIndex",
			&dynamodb.UpdateItemInput{Key: small, UpdateExpression: aws.String("SET #a = :v"), ExpressionAttributeNames: map[string]string{"#a": "gsi2pk"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("STATUS#closed")}}, nil,
			Usage{"UpdateItem", 0, 2}},
		{"TransactionsCostDouble",
			&dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{Item: small}},
				{ConditionCheck: &types.ConditionCheck{Key: small}},
				{Update: &types.Update{Key: small, UpdateExpression: aws.String("SET x = :v")}},
			}}, nil,
			Usage{"TransactWriteItems", 0, 6}},
		{"BatchWriteCountsEachRequest",
			&dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {
				{PutRequest: &types.PutRequest{Item: small}}, {DeleteRequest: &types.DeleteRequest{Key: small}},
			}}}, nil,
			Usage{"BatchWriteItem", 0, 2}},
		{"AnotherServiceIsNamedAndFree", &apigatewaymanagementapi.PostToConnectionInput{}, nil, Usage{"PostToConnection", 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := estimate(tt.params, tt.result); got != tt.want {
				t.Errorf("estimate = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestItemSize(t *testing.T) {
	tests := []struct {
		name string
		item map[string]types.AttributeValue
		want int
	}{
		{"NameAndStringBytes", map[string]types.AttributeValue{"pk": s("abc")}, 5},
		{"NumberIsHalfItsDigitsPlusOne", map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "1234"}}, 1 + 3},
		{"LeadingZerosDoNotCount", map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "0.05"}}, 1 + 2},
		{"BoolIsOneByte", map[string]types.AttributeValue{"b": &types.AttributeValueMemberBOOL{Value: true}}, 2},
		{"MapHasOverhead", map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}}}, 1 + 3 + 2 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemSize(tt.item); got != tt.want {
				t.Errorf("itemSize = %d, want %d", got, tt.want)
			}
		})
	}
}
