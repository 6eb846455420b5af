package chat

import (
	"encoding/base64"
	"encoding/json"
)

// A cursor is opaque to clients and bound to the caller and the listing it
// came from: decoding checks both, so a cursor used by someone else or on
// another listing is bad_request, never a way in. The position inside is a
// store position within a listing the caller is already allowed to read, so
// no secret is needed to keep it from opening anything else.
type cursor struct {
	Owner   string `json:"o"`
	Listing string `json:"l"`
	Pos     string `json:"p"`
}

func encodeCursor(owner, listing, pos string) *string {
	if pos == "" {
		return nil
	}
	b, _ := json.Marshal(cursor{Owner: owner, Listing: listing, Pos: pos})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// maxCursor bounds the size of a cursor a caller may send.
const maxCursor = 512

func decodeCursor(s, owner, listing string, validPos func(string) bool) (string, error) {
	if s == "" {
		return "", nil
	}
	bad := BadRequest("The cursor is not valid for this listing.")
	if len(s) > maxCursor {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return "", bad
	}
	if c.Owner != owner || c.Listing != listing || c.Pos == "" || !validPos(c.Pos) {
		return "", bad
	}
	return c.Pos, nil
}
