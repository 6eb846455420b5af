package testkit

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// AttributeTexts returns every string and binary value of a DynamoDB
// attribute, nested ones too, binary ones read as text: what someone
// holding the raw table (or a backup of it) could read.
func AttributeTexts(av types.AttributeValue) []string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return []string{v.Value}
	case *types.AttributeValueMemberB:
		return []string{string(v.Value)}
	case *types.AttributeValueMemberSS:
		return v.Value
	case *types.AttributeValueMemberBS:
		out := make([]string, 0, len(v.Value))
		for _, b := range v.Value {
			out = append(out, string(b))
		}
		return out
	case *types.AttributeValueMemberL:
		var out []string
		for _, x := range v.Value {
			out = append(out, AttributeTexts(x)...)
		}
		return out
	case *types.AttributeValueMemberM:
		var out []string
		for _, x := range v.Value {
			out = append(out, AttributeTexts(x)...)
		}
		return out
	}
	return nil
}
