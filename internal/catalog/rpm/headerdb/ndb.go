package headerdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// walkNDB reads an ndb database the way go-rpmdb's ndb.Read does: the slot
// pages after the header, and for each used slot the blob it points to.
// Slots and blobs are checked against the file; one that fails is skipped.
func walkNDB(r io.ReaderAt, size int64, rd *reader) error {
	head := make([]byte, 32)
	if err := readAt(r, head, 0); err != nil {
		return fmt.Errorf("ndb: reading the header: %w", err)
	}
	le := binary.LittleEndian
	slotPages := int64(le.Uint32(head[12:]))
	if slotPages > ndbMaxSlotPages {
		return fmt.Errorf("ndb: %d slot pages, over the limit of %d", slotPages, ndbMaxSlotPages)
	}
	nslots := slotPages*ndbSlotsPerPage - 2 // the header takes two slots
	if 32+nslots*16 > size {
		return fmt.Errorf("ndb: %d slot pages in a file of %d bytes", slotPages, size)
	}
	slots := make([]byte, nslots*16)
	if err := readAt(r, slots, 32); err != nil {
		return fmt.Errorf("ndb: reading slots: %w", err)
	}
	var total int64
	bh := make([]byte, 16)
	for i := int64(0); i < nslots; i++ {
		s := slots[i*16:]
		if m := le.Uint32(s); m != ndbSlotMagic {
			rd.skip(fmt.Errorf("ndb: slot %d: bad magic %#x", i, m))
			continue
		}
		pkgIndex, blkOffset := le.Uint32(s[4:]), le.Uint32(s[8:])
		if pkgIndex == 0 {
			continue // a free slot
		}
		off := int64(blkOffset) * ndbBlockSize
		if off+16 > size {
			rd.skip(fmt.Errorf("ndb: slot %d: blob at %d is past the end of the file", i, off))
			continue
		}
		if err := readAt(r, bh, off); err != nil {
			return fmt.Errorf("ndb: slot %d: reading blob header: %w", i, err)
		}
		if m := le.Uint32(bh); m != ndbBlobMagic {
			rd.skip(fmt.Errorf("ndb: slot %d: bad blob magic %#x", i, m))
			continue
		}
		if idx := le.Uint32(bh[4:]); idx != pkgIndex {
			rd.skip(fmt.Errorf("ndb: slot %d: blob is for package %d, not %d", i, idx, pkgIndex))
			continue
		}
		n := int64(le.Uint32(bh[12:]))
		if n > size-off-16 {
			rd.skip(fmt.Errorf("ndb: slot %d: blob of %d bytes is past the end of the file", i, n))
			continue
		}
		// Blobs do not overlap: together they fit in the file.
		if total += n; total > size {
			return errors.New("ndb: blobs add up to more than the file")
		}
		blob := make([]byte, n)
		if err := readAt(r, blob, off+16); err != nil {
			return fmt.Errorf("ndb: slot %d: reading blob: %w", i, err)
		}
		if err := rd.header(blob); err != nil {
			return err
		}
	}
	return nil
}
