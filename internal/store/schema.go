package store

// KeyAttribute names a string key attribute of the table or an index.
type KeyAttribute string

// Index is a global secondary index of the table.
type Index struct {
	Name string
	PK   KeyAttribute
	SK   KeyAttribute
	// KeysOnly projects only the keys (the table's and the index's).
	KeysOnly bool
}

// TableSchema is the single table's definition. The CDK stack, the local
// stack and the tests all create the table from Schema, so they agree.
type TableSchema struct {
	PK      KeyAttribute
	SK      KeyAttribute
	Indexes []Index
	// TTLAttribute holds the expiry as Unix seconds (a Number), as DynamoDB
	// TTL requires.
	TTLAttribute string
}

// Index names.
const (
	// IndexUser lists a client's conversations: gsi1pk USER#<sub>,
	// gsi1sk <activityAt>#<id>. User-deleted conversations drop out.
	IndexUser = "gsi1"
	// IndexStatus lists conversations by status: gsi2pk STATUS#<status>,
	// gsi2sk <activityAt>#<id>.
	IndexStatus = "gsi2"
	// IndexExpiry finds items past their expiry without a Scan: gsi3pk
	// EXP#<yyyy-mm-dd of expiry>#<shard 0..3>, gsi3sk the expiry. Items that
	// can gain an expiry but have none sit in EXP#none#<shard>, never read.
	IndexExpiry = "gsi3"
)

// Schema is Confide's table.
var Schema = TableSchema{
	PK: "pk",
	SK: "sk",
	Indexes: []Index{
		{Name: IndexUser, PK: "gsi1pk", SK: "gsi1sk"},
		{Name: IndexStatus, PK: "gsi2pk", SK: "gsi2sk"},
		{Name: IndexExpiry, PK: "gsi3pk", SK: "gsi3sk", KeysOnly: true},
	},
	TTLAttribute: "expiresAt",
}
