package headerdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// rpm header layout (rpm's lib/header.c): big-endian index count il and
// data length dl, il index entries of 16 bytes (tag, type, offset, count),
// then dl bytes of data.
const (
	rpmStringType      = 6
	rpmStringArrayType = 8
	rpmI18NStringType  = 9
)

// checkHeader refuses the headers on which go-rpmdb's parser would
// allocate or loop without bound: it allocates the index count before
// checking it against the blob's size, and its strtaglen, which finds the
// end of an entry's strings, does not stop when it runs out of NUL bytes:
// it scans the rest of the data again for every string still missing, up
// to four billion times. So every string entry must find its NULs, and all
// of them together may scan only so much.
func checkHeader(blob []byte) error {
	if len(blob) < 8 {
		return fmt.Errorf("header of %d bytes", len(blob))
	}
	be := binary.BigEndian
	il := int64(int32(be.Uint32(blob)))
	if il < 1 || 8+16*il > int64(len(blob)) {
		return fmt.Errorf("header of %d bytes claims %d index entries", len(blob), il)
	}
	dl := int64(int32(be.Uint32(blob[4:])))
	dataStart := 8 + 16*il
	dataEnd := dataStart + dl
	if dl <= 0 || dataEnd > int64(len(blob)) {
		return nil // go-rpmdb scans no strings in such a header
	}
	// In a real header the entries' data do not overlap, so all strings
	// together span at most dl bytes; go-rpmdb scans them about twice.
	budget := 2*dl + 4096
	for i := int64(0); i < il; i++ {
		e := blob[8+16*i:]
		typ, off, count := be.Uint32(e[4:]), int64(int32(be.Uint32(e[8:]))), int64(be.Uint32(e[12:]))
		switch {
		case typ == rpmStringType && count == 1, typ == rpmStringArrayType, typ == rpmI18NStringType:
		default:
			continue
		}
		pos := dataStart + off
		if pos < 0 || pos >= dataEnd {
			continue // go-rpmdb refuses the entry without scanning
		}
		for ; count > 0; count-- {
			j := int64(bytes.IndexByte(blob[pos:dataEnd], 0))
			if j < 0 {
				return fmt.Errorf("header entry %d: %d more strings than NUL bytes", i, count)
			}
			pos += j + 1
			if budget -= j + 1; budget < 0 {
				return fmt.Errorf("header strings span more than twice its %d bytes of data", dl)
			}
		}
	}
	return nil
}
