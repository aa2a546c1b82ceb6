package headerdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/knqyf263/go-rpmdb/pkg/bdb"
)

// Berkeley DB hash layout (libdb's db_page.h), as go-rpmdb's bdb package
// reads it.
const (
	bdbPageHeaderSize = 26
	bdbHashOffSize    = 12
	bdbHashUnsorted   = 2
	bdbHashOffIndex   = 3
	bdbOverflow       = 7
	bdbHash           = 13
)

// walkBDB reads a Berkeley DB hash database the way go-rpmdb's bdb.Read
// does: every page up to the last; on hash pages, every value stored off
// the page, whose bytes are the chain of overflow pages it points to. Each
// such value is an rpm header. Offsets are checked against the page,
// chains against the file, for cycles and for their page types; a value
// that fails is skipped.
func walkBDB(r io.ReaderAt, size int64, rd *reader) error {
	meta := make([]byte, 512) // zero-padded if the file is shorter, as bdb.Open reads it
	if _, err := r.ReadAt(meta, 0); err != nil && err != io.EOF {
		return fmt.Errorf("berkeley db: reading metadata: %w", err)
	}
	hm, err := bdb.ParseHashMetadataPage(meta)
	if err != nil {
		return fmt.Errorf("%w: berkeley db: %v", ErrNotDB, err)
	}
	ps := int64(hm.PageSize)
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("%w: berkeley db: page size %d", ErrNotDB, ps)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if hm.Swapped {
		order = binary.BigEndian
	}
	npages := size / ps
	// chain[p] is the number of the value whose overflow chain last visited
	// page p, to find cycles. In a real database each overflow page belongs
	// to one value, so all chains together visit at most npages pages.
	chain := make([]uint32, npages)
	var values uint32
	visits := int64(0)
	page := make([]byte, ps)
	over := make([]byte, ps)

	// value reads the off-page value whose entry is at offset v of page.
	value := func(v int64) ([]byte, error) {
		if v+bdbHashOffSize > ps {
			return nil, fmt.Errorf("off-page entry at %d is past the page", v)
		}
		e, err := bdb.ParseHashOffPageEntry(page[v:v+bdbHashOffSize], hm.Swapped)
		if err != nil {
			return nil, err
		}
		values++
		var blob []byte
		for cur := int64(e.PageNo); cur != 0; {
			if cur >= npages {
				return nil, fmt.Errorf("overflow page %d is past the end of the file", cur)
			}
			if chain[cur] == values {
				return nil, fmt.Errorf("overflow pages from page %d form a cycle", e.PageNo)
			}
			chain[cur] = values
			if visits++; visits > npages {
				return nil, errBudget
			}
			if err := readAt(r, over, cur*ps); err != nil {
				return nil, fmt.Errorf("reading overflow page %d: %w", cur, err)
			}
			op, err := bdb.ParseHashPage(over, hm.Swapped)
			if err != nil {
				return nil, fmt.Errorf("overflow page %d: %w", cur, err)
			}
			if op.PageType != bdbOverflow {
				return nil, fmt.Errorf("page %d in an overflow chain has type %d", cur, op.PageType)
			}
			if op.NextPageNo == 0 {
				end := bdbPageHeaderSize + int64(op.FreeAreaOffset)
				if end > ps {
					return nil, fmt.Errorf("overflow page %d: data length %d is past the page", cur, op.FreeAreaOffset)
				}
				blob = append(blob, over[bdbPageHeaderSize:end]...)
			} else {
				blob = append(blob, over[bdbPageHeaderSize:]...)
			}
			cur = int64(op.NextPageNo)
		}
		return blob, nil
	}

	last := int64(hm.LastPageNo)
	if last >= npages {
		rd.skip(fmt.Errorf("berkeley db: the file ends at page %d, before the last page %d", npages, last))
		last = npages - 1
	}
	for pageNo := int64(1); pageNo <= last; pageNo++ {
		if err := readAt(r, page, pageNo*ps); err != nil {
			return fmt.Errorf("berkeley db: reading page %d: %w", pageNo, err)
		}
		hp, err := bdb.ParseHashPage(page, hm.Swapped)
		if err != nil {
			return fmt.Errorf("berkeley db: page %d: %w", pageNo, err)
		}
		if hp.PageType != bdbHashUnsorted && hp.PageType != bdbHash {
			continue
		}
		entries := int64(hp.NumEntries)
		if entries%2 != 0 || bdbPageHeaderSize+2*entries > ps {
			rd.skip(fmt.Errorf("berkeley db: page %d: %d entries", pageNo, entries))
			continue
		}
		for k := int64(1); k < entries; k += 2 { // keys and values alternate
			v := int64(order.Uint16(page[bdbPageHeaderSize+2*k:]))
			if v >= ps {
				rd.skip(fmt.Errorf("berkeley db: page %d: value offset %d is past the page", pageNo, v))
				continue
			}
			if page[v] != bdbHashOffIndex {
				continue // stored on the page: not a package header
			}
			blob, err := value(v)
			if errors.Is(err, errBudget) {
				return fmt.Errorf("berkeley db: %w", err)
			}
			if err != nil {
				rd.skip(fmt.Errorf("berkeley db: page %d: %w", pageNo, err))
				continue
			}
			if err := rd.header(blob); err != nil {
				return err
			}
		}
	}
	return nil
}

var errBudget = errors.New("overflow chains visit more pages than the file holds")
