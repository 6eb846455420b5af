package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/confidechat/confide/internal/chat"
	"github.com/confidechat/confide/internal/seal"
)

// Scanner is the DynamoDB Scan that SealPlaintext, an operator's one-off
// migration, reads the whole table with. No function of Confide scans: the
// store's own DynamoDB interface has no Scan, and only confidectl passes
// one. *dynamodb.Client satisfies it.
type Scanner interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// SealReport says what SealPlaintext did.
type SealReport struct {
	// Sealed counts the message bodies and feedback comments sealed.
	Sealed int `json:"sealed"`
	// Dropped counts the words of expired or deleted messages removed
	// rather than sealed: nobody may read them any more.
	Dropped int `json:"dropped"`
	// Changed counts the items that changed while the migration ran (an
	// edit sealed them meanwhile): left as they are now.
	Changed int `json:"changed"`
}

// plainItem is what SealPlaintext reads of an item holding words in the
// clear: a message's body or a conversation record's feedback comment.
type plainItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	expiry
	Body      *string        `dynamodbav:"body"`
	Comment   *string        `dynamodbav:"comment"`
	Deleted   bool           `dynamodbav:"deleted"`
	UserID    string         `dynamodbav:"userId"`
	Retention chat.Retention `dynamodbav:"retention"`
}

// SealPlaintext seals the words that a version of Confide before message
// encryption stored in the clear (issue 15): every message body and
// feedback comment is sealed under the key of its retention, as the store
// seals what it writes, and the clear text removed, so that the table
// holds no words. The words of a message that has expired or was deleted
// are removed, not sealed. Each write is conditional on the clear text
// still being there, so a message edited meanwhile keeps its edit. It
// scans the whole table (with scan: the store never scans otherwise), is
// safe to run again (a second run finds nothing) and needs the store's
// sealer.
func (s *Store) SealPlaintext(ctx context.Context, scan Scanner) (SealReport, error) {
	var rep SealReport
	if s.sealer == nil {
		return rep, errors.New("seal the words in the clear: the store has no sealer")
	}
	filter := expression.Or(expression.Name("body").AttributeExists(), expression.Name("comment").AttributeExists())
	expr, err := expression.NewBuilder().WithFilter(filter).Build()
	if err != nil {
		return rep, fmt.Errorf("build plaintext scan: %w", err)
	}
	owners := map[string]string{}
	pages := dynamodb.NewScanPaginator(scan, &dynamodb.ScanInput{
		TableName:                 s.table,
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	now := s.now()
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return rep, fmt.Errorf("scan for words in the clear: %w", err)
		}
		var items []plainItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return rep, fmt.Errorf("decode words in the clear: %w", err)
		}
		for _, it := range items {
			if err := s.sealPlainItem(ctx, it, owners, now, &rep); err != nil {
				return rep, fmt.Errorf("seal %s %s: %w", it.PK, it.SK, err)
			}
		}
	}
	return rep, nil
}

// sealPlainItem seals (or drops) the clear words of one item.
func (s *Store) sealPlainItem(ctx context.Context, it plainItem, owners map[string]string, now time.Time, rep *SealReport) error {
	attr, sealedAttr, text := "body", "sealedBody", it.Body
	if it.Comment != nil {
		attr, sealedAttr, text = "comment", "sealedComment", it.Comment
	}
	if text == nil {
		return nil
	}
	at := it.expiry.time()
	drop := it.Deleted || *text == "" || it.expiredAt(now)
	var id seal.KeyID
	var err error
	switch {
	case drop:
	case attr == "comment":
		id, err = commentKey(conversationItem{PK: it.PK, SK: it.SK, expiry: it.expiry, UserID: it.UserID, Retention: it.Retention})
	default:
		var owner string
		if at == nil {
			if owner, err = s.ownerOf(ctx, it.PK, owners); err != nil {
				return err
			}
		}
		id, err = messageKey(at, owner)
	}
	if err != nil {
		return err
	}
	upd := expression.Remove(expression.Name(attr))
	if !drop {
		ct, err := s.sealText(ctx, id, *text, it.PK, it.SK)
		if err != nil {
			return err
		}
		upd = upd.Set(expression.Name(sealedAttr), expression.Value(ct))
	}
	cond := expression.Name(attr).Equal(expression.Value(*text)).And(expression.Name(sealedAttr).AttributeNotExists())
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build seal update: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       key(it.PK, it.SK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if _, failed := conditionFailed(err); failed {
		rep.Changed++
		return nil
	}
	if err != nil {
		return err
	}
	if drop {
		rep.Dropped++
	} else {
		rep.Sealed++
	}
	return nil
}

// ownerOf returns the client of the conversation whose partition is pk,
// read once per conversation.
func (s *Store) ownerOf(ctx context.Context, pk string, owners map[string]string) (string, error) {
	if owner, ok := owners[pk]; ok {
		return owner, nil
	}
	var c conversationItem
	found, err := s.getItem(ctx, pk, skMeta, &c)
	if err != nil {
		return "", fmt.Errorf("read conversation %s: %w", pk, err)
	}
	if !found || c.UserID == "" {
		return "", fmt.Errorf("conversation %s of a permanent message has no record to name its client", pk)
	}
	owners[pk] = c.UserID
	return c.UserID, nil
}
