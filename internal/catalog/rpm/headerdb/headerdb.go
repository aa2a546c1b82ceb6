// Package headerdb reads the package headers stored in an rpm database, in
// any of its three formats (Berkeley DB "Packages", ndb "Packages.db",
// SQLite "rpmdb.sqlite"), and parses each with github.com/knqyf263/go-rpmdb.
//
// go-rpmdb v0.1.1 reads a whole database on a goroutine of its own, where a
// panic cannot be recovered, and trusts what it reads: an offset past a page
// panics, an overflow page of the wrong type loops forever, blob lengths and
// header index counts are allocated as read, a string entry short of NUL
// bytes is scanned up to four billion times, and when a header fails to
// parse its reader goroutine is left blocked for good, holding the file (an
// SQLite connection, for rpmdb.sqlite). So this package walks the three
// formats itself, bounding every offset, length and chain, and hands
// go-rpmdb one header at a time, wrapped in an ndb file of one package:
// go-rpmdb's reader only ever sees well-formed input and always runs to its
// end, and a header it cannot parse (or panics on, which is recovered on
// the calling goroutine) is one skipped package, not a lost database.
//
// Reading SQLite databases needs a database/sql driver registered as
// "sqlite" (package rpm imports modernc.org/sqlite). This package imports
// none, so that its tests and fuzzing stay free of the SQLite engine.
//
// It imports only go-rpmdb and the standard library: nothing of Vigil's.
package headerdb

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
)

// ErrNotDB is returned for content that is none of the three formats.
var ErrNotDB = errors.New("not an rpm database")

// SkippedError reports records of a database that could not be read; the
// packages Read returns along with it are valid.
type SkippedError struct {
	Count int
	First error
}

func (e *SkippedError) Error() string {
	return fmt.Sprintf("skipped %d unreadable records, the first: %v", e.Count, e.First)
}

func (e *SkippedError) Unwrap() error { return e.First }

// Read returns the packages of an rpm database. A record that cannot be
// read (a broken overflow chain, a header go-rpmdb refuses) is skipped: the
// other packages are returned with a *SkippedError. Any other error means
// the database could not be read at all.
func Read(ctx context.Context, r io.ReaderAt, size int64) ([]*rpmdb.PackageInfo, error) {
	return read(ctx, r, size, nil)
}

// read is Read with the header parser replaced by parse, if not nil, so
// that the format walkers can be fuzzed alone.
func read(ctx context.Context, r io.ReaderAt, size int64, parse func([]byte) (*rpmdb.PackageInfo, error)) ([]*rpmdb.PackageInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	format, err := detect(r, size)
	if err != nil {
		return nil, err
	}
	rd := &reader{ctx: ctx, parse: parse}
	if rd.parse == nil {
		rd.parse = rd.parser.parse
	}
	defer rd.parser.close()
	switch format {
	case formatSQLite:
		err = walkSQLite(ctx, r, size, &rd.parser, rd)
	case formatNDB:
		err = walkNDB(r, size, rd)
	default:
		err = walkBDB(r, size, rd)
	}
	if err != nil {
		return nil, err
	}
	if rd.skipped > 0 {
		return rd.pkgs, &SkippedError{Count: rd.skipped, First: rd.first}
	}
	return rd.pkgs, nil
}

type format int

const (
	formatBDB format = iota
	formatNDB
	formatSQLite
)

var sqliteMagic = []byte("SQLite format 3\x00")

// detect tells the format the way rpmdb.Open does: SQLite magic, then ndb
// magic, else Berkeley DB.
func detect(r io.ReaderAt, size int64) (format, error) {
	if size < 32 {
		return 0, fmt.Errorf("%w: %d bytes", ErrNotDB, size)
	}
	head := make([]byte, 32)
	if err := readAt(r, head, 0); err != nil {
		return 0, fmt.Errorf("reading the header: %w", err)
	}
	if bytes.Equal(head[:16], sqliteMagic) {
		return formatSQLite, nil
	}
	le := binary.LittleEndian
	if le.Uint32(head[0:]) == ndbHeaderMagic && le.Uint32(head[4:]) == 0 && le.Uint32(head[12:]) != 0 {
		return formatNDB, nil
	}
	return formatBDB, nil
}

// reader collects what the walkers find.
type reader struct {
	ctx     context.Context
	parser  parser
	parse   func([]byte) (*rpmdb.PackageInfo, error)
	pkgs    []*rpmdb.PackageInfo
	skipped int
	first   error
}

// skip counts a record that could not be read.
func (rd *reader) skip(err error) {
	if rd.skipped == 0 {
		rd.first = err
	}
	rd.skipped++
}

// header parses one header blob. Only a cancelled context or a failure to
// write the temporary file ends the walk; a bad header is skipped.
func (rd *reader) header(blob []byte) error {
	if err := rd.ctx.Err(); err != nil {
		return err
	}
	if err := checkHeader(blob); err != nil {
		rd.skip(err)
		return nil
	}
	info, err := rd.parse(blob)
	var pe parseError
	switch {
	case errors.As(err, &pe):
		rd.skip(err)
	case err != nil:
		return err
	default:
		rd.pkgs = append(rd.pkgs, info)
	}
	return nil
}

// readAt fills b from r at off. An io.ReaderAt may report io.EOF along with
// a full read at the end of its input; that is not an error here.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}
