package seal

import (
	"encoding/binary"
	"fmt"
)

// The ciphertext format, version 1:
//
//	byte 0        version (1)
//	byte 1        n, the length of the key id (1..255; ids are at most 135)
//	bytes 2..n+1  the key id, ASCII (KeyID)
//	8 bytes       the key's serial, big-endian
//	12 bytes      the nonce, random for every Seal
//	the rest      AES-256-GCM of the plaintext, ending in its 16-byte tag
//
// The serial is a random number drawn when the key was made and stored with
// it. A key id can be given a new key after its key was destroyed (a client
// erased who comes back with a new permanent conversation); the serial
// tells a ciphertext of the destroyed key (ErrKeyGone) from a forged one.
//
// The GCM additional data is the header (version, n, key id, serial)
// followed by the caller's additional data, so neither the key nor the item
// the ciphertext belongs to can be changed without Open refusing it.
const (
	version1  byte = 1
	serialLen      = 8
	nonceSize      = 12
	tagSize        = 16
	// overhead is what GCM adds to the plaintext: nonce and tag.
	overhead = nonceSize + tagSize
)

// headerLen is the length of the header of a ciphertext under id.
func headerLen(id KeyID) int { return 2 + len(id) + serialLen }

// appendHeader appends the version, key id and key serial of a ciphertext
// to dst.
func appendHeader(dst []byte, id KeyID, serial uint64) []byte {
	dst = append(dst, version1, byte(len(id)))
	dst = append(dst, id...)
	return binary.BigEndian.AppendUint64(dst, serial)
}

// parsed is a version 1 ciphertext taken apart.
type parsed struct {
	id     KeyID
	serial uint64
	// header is part of the additional data.
	header []byte
	// sealed is the nonce, the ciphertext and the tag.
	sealed []byte
}

// splitCiphertext takes a version 1 ciphertext apart, or returns
// ErrTampered when ct is not one.
func splitCiphertext(ct []byte) (parsed, error) {
	if len(ct) < 2 || ct[0] != version1 {
		return parsed{}, fmt.Errorf("%w: not a version 1 ciphertext", ErrTampered)
	}
	idLen := int(ct[1])
	n := 2 + idLen + serialLen
	if idLen == 0 || len(ct) < n+overhead {
		return parsed{}, fmt.Errorf("%w: %d bytes are too short", ErrTampered, len(ct))
	}
	return parsed{
		id:     KeyID(ct[2 : 2+idLen]),
		serial: binary.BigEndian.Uint64(ct[n-serialLen : n]),
		header: ct[:n],
		sealed: ct[n:],
	}, nil
}

// KeyOf returns the id of the data key that sealed ciphertext, read from
// its header. It does not check that the ciphertext is authentic (only Open
// does): use it to decide, say, whether a message needs Reseal.
func KeyOf(ciphertext []byte) (KeyID, error) {
	p, err := splitCiphertext(ciphertext)
	if err != nil {
		return "", err
	}
	if _, err := parseKeyID(p.id); err != nil {
		return "", fmt.Errorf("%w: %w", ErrTampered, err)
	}
	return p.id, nil
}

// additionalData is what GCM authenticates besides the plaintext: the
// ciphertext's header, then the caller's additional data. The header is
// self-delimiting, so the two cannot be confused.
func additionalData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}

// AAD returns additional data binding a ciphertext to parts, typically the
// key attributes of the item that stores it:
//
//	seal.AAD(pk, sk) // e.g. "CONV#01J…", "MSG#01J…"
//
// Each part is preceded by its length, so ("ab", "c") and ("a", "bc") give
// different data. Pass the same parts to Seal and Open: a ciphertext copied
// into another item then fails to open.
func AAD(parts ...string) []byte {
	size := 0
	for _, p := range parts {
		size += binary.MaxVarintLen64 + len(p)
	}
	out := make([]byte, 0, size)
	for _, p := range parts {
		out = binary.AppendUvarint(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out
}
