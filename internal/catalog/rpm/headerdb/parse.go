package headerdb

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
)

// parser hands go-rpmdb one header at a time, as an ndb database of one
// package written to a temporary file (go-rpmdb reads only from paths).
type parser struct {
	dir string // created on first use
	buf []byte
}

// tempDir returns the parser's temporary directory, creating it.
func (p *parser) tempDir() (string, error) {
	if p.dir == "" {
		dir, err := os.MkdirTemp("", "vigil-rpmdb-")
		if err != nil {
			return "", fmt.Errorf("creating a temporary directory: %w", err)
		}
		p.dir = dir
	}
	return p.dir, nil
}

// close removes the temporary directory.
func (p *parser) close() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// parseError is a header go-rpmdb could not parse: the record is skipped.
type parseError struct{ err error }

func (e parseError) Error() string { return e.err.Error() }
func (e parseError) Unwrap() error { return e.err }

func (p *parser) parse(blob []byte) (info *rpmdb.PackageInfo, err error) {
	dir, err := p.tempDir()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "Packages.db")
	p.buf = appendNDB(p.buf[:0], blob)
	if err := os.WriteFile(file, p.buf, 0o600); err != nil {
		return nil, fmt.Errorf("writing a temporary file: %w", err)
	}
	// go-rpmdb's header parsing runs on this goroutine and indexes data it
	// has not bounds-checked in places: a panic there is a bad header.
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, parseError{fmt.Errorf("go-rpmdb panicked on a header: %v", r)}
		}
	}()
	db, err := rpmdb.Open(file)
	if err != nil {
		return nil, fmt.Errorf("opening a one-package ndb file: %w", err)
	}
	defer db.Close()
	pkgs, err := db.ListPackages()
	if err != nil {
		return nil, parseError{err}
	}
	if len(pkgs) != 1 || pkgs[0] == nil {
		return nil, parseError{fmt.Errorf("go-rpmdb read %d packages from one header", len(pkgs))}
	}
	return pkgs[0], nil
}

// ndb layout, after rpm's lib/backend/ndb/rpmpkg.c as go-rpmdb's ndb
// package reads it: a 32-byte header, slot pages of 4 KiB (the header takes
// the first two 16-byte slots of the first), then blobs at 16-byte blocks,
// each a 16-byte blob header followed by the header blob.
const (
	ndbHeaderMagic  = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic    = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic    = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbSlotPageSize = 4096
	ndbSlotsPerPage = ndbSlotPageSize / 16
	ndbBlockSize    = 16
	// ndbMaxSlotPages is go-rpmdb's own limit.
	ndbMaxSlotPages = 2048
)

// appendNDB appends an ndb database holding one package, blob, to b.
// go-rpmdb checks neither the blob checksum nor the block count.
func appendNDB(b, blob []byte) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, ndbHeaderMagic)
	b = le.AppendUint32(b, 0) // version
	b = le.AppendUint32(b, 0) // generation
	b = le.AppendUint32(b, 1) // slot pages
	b = append(b, make([]byte, 16)...)
	const blobBlock = ndbSlotPageSize / ndbBlockSize
	for i := 0; i < ndbSlotsPerPage-2; i++ {
		b = le.AppendUint32(b, ndbSlotMagic)
		if i == 0 {
			b = le.AppendUint32(b, 1) // package index
			b = le.AppendUint32(b, blobBlock)
			b = le.AppendUint32(b, uint32((16+len(blob)+ndbBlockSize-1)/ndbBlockSize))
			continue
		}
		b = append(b, make([]byte, 12)...) // a free slot
	}
	b = le.AppendUint32(b, ndbBlobMagic)
	b = le.AppendUint32(b, 1) // package index
	b = le.AppendUint32(b, 0) // checksum
	b = le.AppendUint32(b, uint32(len(blob)))
	return append(b, blob...)
}
