package loadtest

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/confidechat/confide/internal/store"
)

// Usage is what one DynamoDB call would be billed on-demand, estimated from
// its request and response: read and write request units, by DynamoDB's
// rules (a read unit per 4 KB, halved for eventually consistent reads; a
// write unit per 1 KB; both doubled in transactions; one more write per
// global secondary index an item put carries keys for). The emulator does
// not report consumed capacity, so this is what the table would charge for
// the same items, not a figure read from AWS.
type Usage struct {
	Operation string
	RRU, WRU  float64
}

const (
	readBlock  = 4096
	writeBlock = 1024
)

// indexKeys are the key attributes of the table's global secondary indexes:
// an item written with one of them is written to that index too.
var indexKeys = func() []string {
	var out []string
	for _, ix := range store.Schema.Indexes {
		out = append(out, string(ix.PK))
	}
	return out
}()

// estimate returns the usage of the DynamoDB call with input params and
// output result (nil when the call failed: then only the operation is known
// and the minimum charge is assumed). A call to another service is named and
// costs no unit.
func estimate(params, result any) Usage {
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		out, _ := result.(*dynamodb.GetItemOutput)
		size := 0
		if out != nil {
			size = itemSize(out.Item)
		}
		return Usage{Operation: "GetItem", RRU: readUnits(size, in.ConsistentRead != nil && *in.ConsistentRead)}
	case *dynamodb.QueryInput:
		out, _ := result.(*dynamodb.QueryOutput)
		u := Usage{Operation: "Query", RRU: readUnits(0, in.ConsistentRead != nil && *in.ConsistentRead)}
		if out != nil {
			u.RRU = readUnits(scannedSize(out.Items, out.Count, out.ScannedCount), in.ConsistentRead != nil && *in.ConsistentRead)
		}
		return u
	case *dynamodb.ScanInput:
		out, _ := result.(*dynamodb.ScanOutput)
		u := Usage{Operation: "Scan", RRU: readUnits(0, false)}
		if out != nil {
			u.RRU = readUnits(scannedSize(out.Items, out.Count, out.ScannedCount), in.ConsistentRead != nil && *in.ConsistentRead)
		}
		return u
	case *dynamodb.BatchGetItemInput:
		out, _ := result.(*dynamodb.BatchGetItemOutput)
		u := Usage{Operation: "BatchGetItem"}
		if out != nil {
			for _, items := range out.Responses {
				for _, it := range items {
					u.RRU += readUnits(itemSize(it), false)
				}
			}
		}
		return u
	case *dynamodb.TransactGetItemsInput:
		return Usage{Operation: "TransactGetItems", RRU: 2 * float64(len(in.TransactItems))}
	case *dynamodb.PutItemInput:
		return Usage{Operation: "PutItem", WRU: putUnits(in.Item)}
	case *dynamodb.UpdateItemInput:
		return Usage{Operation: "UpdateItem", WRU: updateUnits(in.Key, in.ExpressionAttributeValues, in.UpdateExpression, in.ExpressionAttributeNames)}
	case *dynamodb.DeleteItemInput:
		return Usage{Operation: "DeleteItem", WRU: 1}
	case *dynamodb.BatchWriteItemInput:
		u := Usage{Operation: "BatchWriteItem"}
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					u.WRU += putUnits(r.PutRequest.Item)
				} else {
					u.WRU++
				}
			}
		}
		return u
	case *dynamodb.TransactWriteItemsInput:
		u := Usage{Operation: "TransactWriteItems"}
		for _, t := range in.TransactItems {
			switch {
			case t.Put != nil:
				u.WRU += 2 * putUnits(t.Put.Item)
			case t.Update != nil:
				u.WRU += 2 * updateUnits(t.Update.Key, t.Update.ExpressionAttributeValues, t.Update.UpdateExpression, t.Update.ExpressionAttributeNames)
			default: // Delete and ConditionCheck are billed as one write each
				u.WRU += 2
			}
		}
		return u
	default:
		return Usage{Operation: operationName(params)}
	}
}

// operationName names the operation of an input type we do not estimate,
// e.g. "DescribeTable" or "PostToConnection".
func operationName(params any) string {
	name := fmt.Sprintf("%T", params)
	name = name[strings.LastIndex(name, ".")+1:]
	return strings.TrimSuffix(name, "Input")
}

// readUnits is the charge of reading size bytes: one unit per 4 KB started
// (at least one), half of it when eventually consistent.
func readUnits(size int, consistent bool) float64 {
	units := math.Max(1, math.Ceil(float64(size)/readBlock))
	if !consistent {
		units /= 2
	}
	return units
}

// writeUnits is the charge of writing an item of size bytes: one unit per
// 1 KB started, at least one.
func writeUnits(size int) float64 {
	return math.Max(1, math.Ceil(float64(size)/writeBlock))
}

// putUnits is the charge of putting item: the table's write plus one write
// per index whose key it carries.
func putUnits(item map[string]types.AttributeValue) float64 {
	u := writeUnits(itemSize(item))
	for _, k := range indexKeys {
		if _, ok := item[k]; ok {
			u++
		}
	}
	return u
}

// updateUnits estimates an update: the item's size is unknown, so the key
// and new values stand for it (at least one unit), plus one write per index
// whose key the update sets.
func updateUnits(key, values map[string]types.AttributeValue, expr *string, names map[string]string) float64 {
	u := writeUnits(itemSize(key) + itemSize(values))
	if expr == nil {
		return u
	}
	for _, k := range indexKeys {
		if strings.Contains(*expr, k) {
			u++
			continue
		}
		for alias, name := range names {
			if name == k && strings.Contains(*expr, alias) {
				u++
				break
			}
		}
	}
	return u
}

// scannedSize is the size a query or scan read: the items it returned, and
// as much again per item its filter dropped.
func scannedSize(items []map[string]types.AttributeValue, count, scanned int32) int {
	size := 0
	for _, it := range items {
		size += itemSize(it)
	}
	if dropped := int(scanned - count); dropped > 0 && len(items) > 0 {
		size += dropped * size / len(items)
	}
	return size
}

// itemSize is an item's size as DynamoDB counts it: the length of each
// attribute name plus the size of its value.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch t := v.(type) {
	case *types.AttributeValueMemberS:
		return len(t.Value)
	case *types.AttributeValueMemberN:
		return numberSize(t.Value)
	case *types.AttributeValueMemberB:
		return len(t.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		return sum(t.Value, func(s string) int { return len(s) })
	case *types.AttributeValueMemberNS:
		return sum(t.Value, numberSize)
	case *types.AttributeValueMemberBS:
		return sum(t.Value, func(b []byte) int { return len(b) })
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range t.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + itemSize(t.Value) + len(t.Value)
	default:
		return 0
	}
}

func sum[T any](xs []T, size func(T) int) int {
	n := 0
	for _, x := range xs {
		n += size(x)
	}
	return n
}

// numberSize is DynamoDB's size of a number: about one byte per two
// significant digits, plus one.
func numberSize(s string) int {
	digits := 0
	for _, r := range strings.TrimLeft(strings.TrimPrefix(s, "-"), "0.") {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return (digits+1)/2 + 1
}
