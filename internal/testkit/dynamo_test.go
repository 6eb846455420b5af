package testkit_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/testkit"
)

func TestAttributeTexts(t *testing.T) {
	tests := []struct {
		name string
		av   types.AttributeValue
		want []string
	}{
		{"String", &types.AttributeValueMemberS{Value: "a"}, []string{"a"}},
		{"Binary", &types.AttributeValueMemberB{Value: []byte("b")}, []string{"b"}},
		{"Number", &types.AttributeValueMemberN{Value: "1"}, nil},
		{"Nested", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberSS{Value: []string{"c"}}}},
		}}, []string{"c"}},
		{"BinarySet", &types.AttributeValueMemberBS{Value: [][]byte{[]byte("d"), []byte("e")}}, []string{"d", "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testkit.AttributeTexts(tt.av); !slices.Equal(got, tt.want) {
				t.Errorf("AttributeTexts = %q, want %q", got, tt.want)
			}
		})
	}
}
