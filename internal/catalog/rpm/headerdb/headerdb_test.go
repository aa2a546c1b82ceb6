package headerdb

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/vigilhq/vigil/internal/shareddata"
)

// sharedDB reads one of the real rpm databases in the shared data folder.
func sharedDB(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, "rpmdb/"+name+".gz"))
	if err != nil {
		t.Fatalf("opening %s: %v", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return b
}

func readAll(t testing.TB, data []byte) ([]*rpmdb.PackageInfo, error) {
	t.Helper()
	return Read(context.Background(), bytes.NewReader(data), int64(len(data)))
}

func nevras(pkgs []*rpmdb.PackageInfo) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, fmt.Sprintf("%s-%d:%s-%s.%s", p.Name, p.EpochNum(), p.Version, p.Release, p.Arch))
	}
	sort.Strings(out)
	return out
}

// TestSameAsGoRPMDB reads the real Berkeley DB and ndb databases both
// ways, through this package and with go-rpmdb reading the whole file, and
// expects the same packages. (SQLite needs a driver: package rpm tests it.)
func TestSameAsGoRPMDB(t *testing.T) {
	for _, tc := range []struct {
		file  string
		count int
	}{
		{"centos7-plain_Packages", 144},
		{"centos8-modularitylabel_Packages", 518},
		{"sle15-bci_Packages.db", 35},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := sharedDB(t, tc.file)
			got, err := readAll(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.count {
				t.Errorf("packages = %d, want %d", len(got), tc.count)
			}
			file := filepath.Join(t.TempDir(), "db")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			db, err := rpmdb.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want, err := db.ListPackages()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(nevras(want), nevras(got)); diff != "" {
				t.Errorf("packages differ from go-rpmdb's (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSkipsOneBadRecord breaks one record of a real database: the others
// are still read, and the error counts the one.
func TestSkipsOneBadRecord(t *testing.T) {
	t.Run("ndb", func(t *testing.T) {
		data := sharedDB(t, "sle15-bci_Packages.db")
		// The first used slot's blob header loses its magic.
		le := binary.LittleEndian
		for i := 0; ; i++ {
			s := data[32+16*i:]
			if le.Uint32(s[4:]) != 0 {
				data[int(le.Uint32(s[8:]))*ndbBlockSize] = 'X'
				break
			}
		}
		pkgs, err := readAll(t, data)
		var se *SkippedError
		if !errors.As(err, &se) || se.Count != 1 || !strings.Contains(err.Error(), "bad blob magic") {
			t.Fatalf("err = %v, want one record skipped for its blob magic", err)
		}
		if len(pkgs) != 34 {
			t.Errorf("packages = %d, want 34", len(pkgs))
		}
	})
	t.Run("berkeley db", func(t *testing.T) {
		data := sharedDB(t, "centos7-plain_Packages")
		// The first overflow page becomes a page of another type.
		ps := int(binary.LittleEndian.Uint32(data[20:]))
		for off := ps; off < len(data); off += ps {
			if data[off+25] == bdbOverflow {
				data[off+25] = 5
				break
			}
		}
		pkgs, err := readAll(t, data)
		var se *SkippedError
		if !errors.As(err, &se) || se.Count != 1 || !strings.Contains(err.Error(), "has type 5") {
			t.Fatalf("err = %v, want one record skipped for its overflow chain", err)
		}
		if len(pkgs) != 143 {
			t.Errorf("packages = %d, want 143", len(pkgs))
		}
	})
}

// The databases below are built by hand, byte by byte, after the layouts
// go-rpmdb's bdb and ndb packages read (libdb's db_page.h, rpm's
// rpmpkg.c). Read by go-rpmdb directly, each would make it panic on its
// reader goroutine, loop forever, print to standard output or allocate what
// it reads.

const testPageSize = 512

// bdbFile builds a Berkeley DB hash file of n pages: page 0 the metadata
// page, and edit fills in the rest.
func bdbFile(n int, edit func(pages [][]byte)) []byte {
	b := make([]byte, n*testPageSize)
	le := binary.LittleEndian
	le.PutUint32(b[12:], 0x00061561)   // hash magic
	le.PutUint32(b[20:], testPageSize) // page size
	b[25] = 8                          // hash metadata page
	le.PutUint32(b[32:], uint32(n-1))  // last page
	pages := make([][]byte, n)
	for i := range pages {
		pages[i] = b[i*testPageSize : (i+1)*testPageSize]
	}
	edit(pages)
	return b
}

// hashPage makes p a hash page whose one key/value pair has its value at
// offset v; if there is room at v, an off-page entry there points to page
// first.
func hashPage(p []byte, v uint16, first uint32) {
	le := binary.LittleEndian
	p[25] = bdbHash
	le.PutUint16(p[20:], 2)   // entries: a key and a value
	le.PutUint16(p[26:], 100) // key offset
	le.PutUint16(p[28:], v)   // value offset
	if int(v)+bdbHashOffSize <= len(p) {
		p[v] = bdbHashOffIndex
		le.PutUint32(p[v+4:], first)
	}
}

// overflowPage makes p an overflow page holding data, followed by page next.
func overflowPage(p []byte, next uint32, free uint16, data []byte) {
	le := binary.LittleEndian
	p[25] = bdbOverflow
	le.PutUint32(p[16:], next)
	le.PutUint16(p[22:], free)
	copy(p[26:], data)
}

// header is the start of an rpm header blob: index count il, data length 0.
func header(il int32) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, uint32(il))
	return b
}

// ndbFile builds an ndb file of one slot page and 64 bytes of blocks.
func ndbFile(edit func(b []byte)) []byte {
	b := make([]byte, 32+4096+64)
	le := binary.LittleEndian
	le.PutUint32(b[0:], ndbHeaderMagic)
	le.PutUint32(b[12:], 1) // one slot page
	for i := 0; i < ndbSlotsPerPage-2; i++ {
		le.PutUint32(b[32+16*i:], ndbSlotMagic)
	}
	edit(b)
	return b
}

// ndbBlk is the first block after the slot page.
const ndbBlk = (32 + 4096) / ndbBlockSize

// ndbSlot fills slot 0 and a blob header at block blk.
func ndbSlot(b []byte, blk uint32, blobMagic, blobIndex, blobLen uint32) {
	le := binary.LittleEndian
	le.PutUint32(b[32+4:], 1) // package index
	le.PutUint32(b[32+8:], blk)
	off := int(blk) * ndbBlockSize
	if off+16 <= len(b) {
		le.PutUint32(b[off:], blobMagic)
		le.PutUint32(b[off+4:], blobIndex)
		le.PutUint32(b[off+12:], blobLen)
	}
}

func TestHostileFiles(t *testing.T) {
	// A header that passes checkHeader but that go-rpmdb refuses.
	plausible := append(header(1), make([]byte, 16)...)
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr string
		skipped bool // the error is a *SkippedError: the file was read
	}{
		{"empty", nil, "not an rpm database", false},
		{"short", []byte("Packages"), "not an rpm database", false},
		{"text", []byte(strings.Repeat("not a database ", 40)), "not an rpm database", false},
		{"bdb value offset past the page", bdbFile(2, func(p [][]byte) { hashPage(p[1], 600, 0) }), "past the page", true},
		{"bdb off-page entry at the page end", bdbFile(2, func(p [][]byte) {
			hashPage(p[1], 505, 0)
			p[1][505] = bdbHashOffIndex
		}), "past the page", true},
		{"bdb too many entries", bdbFile(2, func(p [][]byte) {
			p[1][25] = bdbHash
			binary.LittleEndian.PutUint16(p[1][20:], 300)
		}), "300 entries", true},
		{"bdb odd entries", bdbFile(2, func(p [][]byte) {
			p[1][25] = bdbHash
			binary.LittleEndian.PutUint16(p[1][20:], 3)
		}), "3 entries", true},
		{"bdb chain through a hash page", bdbFile(3, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			p[2][25] = bdbHash
		}), "has type 13", true},
		{"bdb chain cycle", bdbFile(4, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			overflowPage(p[2], 3, 0, header(1))
			overflowPage(p[3], 2, 0, nil)
		}), "cycle", true},
		{"bdb chain past the end", bdbFile(2, func(p [][]byte) { hashPage(p[1], 200, 9) }), "past the end", true},
		{"bdb data length past the page", bdbFile(3, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			overflowPage(p[2], 0, 600, header(1))
		}), "data length", true},
		{"bdb data length wrapping uint16", bdbFile(3, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			overflowPage(p[2], 0, 65520, header(1))
		}), "data length", true},
		{"bdb header with a huge index count", bdbFile(3, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			overflowPage(p[2], 0, 64, header(0x7fffffff))
		}), "index entries", true},
		{"bdb empty value", bdbFile(2, func(p [][]byte) { hashPage(p[1], 200, 0) }), "header of 0 bytes", true},
		{"bdb last page past the end", bdbFile(2, func(p [][]byte) { binary.LittleEndian.PutUint32(p[0][32:], 1000) }), "the file ends", true},
		{"bdb chains longer than the file", bdbFile(3, func(p [][]byte) {
			// Page 1 holds 60 values that all point to the same one-page
			// chain at page 2: reading it again and again would make the
			// work quadratic in the file's size.
			p[1][25] = bdbHash
			binary.LittleEndian.PutUint16(p[1][20:], 120)
			for k := 0; k < 120; k += 2 {
				binary.LittleEndian.PutUint16(p[1][26+2*(k+1):], 400)
			}
			p[1][400] = bdbHashOffIndex
			binary.LittleEndian.PutUint32(p[1][404:], 2)
			overflowPage(p[2], 0, uint16(len(plausible)), plausible)
		}), "more pages than the file holds", false},
		{"bdb header go-rpmdb refuses", bdbFile(3, func(p [][]byte) {
			hashPage(p[1], 200, 2)
			overflowPage(p[2], 0, uint16(len(plausible)), plausible)
		}), "header", true},
		{"ndb bad slot magic", ndbFile(func(b []byte) { b[32+16*7] = 'X' }), "bad magic", true},
		{"ndb too many slot pages", ndbFile(func(b []byte) { binary.LittleEndian.PutUint32(b[12:], 4000) }), "over the limit", false},
		{"ndb slots past the end", ndbFile(func(b []byte) { binary.LittleEndian.PutUint32(b[12:], 2) }), "slot pages in a file", false},
		{"ndb blob past the end", ndbFile(func(b []byte) { ndbSlot(b, 1<<20, ndbBlobMagic, 1, 8) }), "past the end", true},
		{"ndb bad blob magic", ndbFile(func(b []byte) { ndbSlot(b, ndbBlk, 0, 1, 8) }), "bad blob magic", true},
		{"ndb blob for another package", ndbFile(func(b []byte) { ndbSlot(b, ndbBlk, ndbBlobMagic, 2, 8) }), "not 1", true},
		{"ndb huge blob", ndbFile(func(b []byte) { ndbSlot(b, ndbBlk, ndbBlobMagic, 1, 0xfffffff0) }), "past the end", true},
		{"ndb header with a huge index count", ndbFile(func(b []byte) {
			ndbSlot(b, ndbBlk, ndbBlobMagic, 1, 40)
			copy(b[ndbBlk*ndbBlockSize+16:], header(1000))
		}), "index entries", true},
		{"header with strings missing their NULs", ndbFile(func(b []byte) {
			// One string-array entry of four billion strings over 8 bytes
			// without a NUL: go-rpmdb would scan them four billion times.
			h := append(header(1), make([]byte, 16)...)
			binary.BigEndian.PutUint32(h[4:], 8)           // data length
			binary.BigEndian.PutUint32(h[8:], 1000)        // tag
			binary.BigEndian.PutUint32(h[12:], 8)          // string array
			binary.BigEndian.PutUint32(h[20:], 0xffffffff) // count
			h = append(h, "aaaaaaaa"...)
			ndbSlot(b, ndbBlk, ndbBlobMagic, 1, uint32(len(h)))
			copy(b[ndbBlk*ndbBlockSize+16:], h)
		}), "more strings than NUL bytes", true},
		{"sqlite without a driver", append([]byte("SQLite format 3\x00"), make([]byte, 100)...), "sqlite", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				pkgs []*rpmdb.PackageInfo
				err  error
			}
			done := make(chan result, 1)
			go func() {
				pkgs, err := readAll(t, tc.data)
				done <- result{pkgs, err}
			}()
			select {
			case r := <-done:
				if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
					t.Fatalf("Read error = %v, want one containing %q", r.err, tc.wantErr)
				}
				var se *SkippedError
				if errors.As(r.err, &se) != tc.skipped {
					t.Errorf("Read error %v: skipped = %v, want %v", r.err, !tc.skipped, tc.skipped)
				}
				if len(r.pkgs) != 0 {
					t.Errorf("Read returned %d packages", len(r.pkgs))
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Read did not return")
			}
		})
	}
}

func TestReadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := sharedDB(t, "sle15-bci_Packages.db")
	if _, err := Read(ctx, bytes.NewReader(data), int64(len(data))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with a canceled context: err = %v, want context.Canceled", err)
	}
}

// smallestHeader returns the smallest package header of the real SLE 15
// database, to seed the fuzzer with a header go-rpmdb accepts.
func smallestHeader(t testing.TB) []byte {
	t.Helper()
	data := sharedDB(t, "sle15-bci_Packages.db")
	var best []byte
	le := binary.LittleEndian
	for i := 0; i < ndbSlotsPerPage-2; i++ {
		s := data[32+16*i:]
		if le.Uint32(s[4:]) == 0 {
			continue
		}
		off := int(le.Uint32(s[8:])) * ndbBlockSize
		n := int(le.Uint32(data[off+12:]))
		if best == nil || n < len(best) {
			best = data[off+16 : off+16+n]
		}
	}
	if best == nil {
		t.Fatal("no header found")
	}
	return best
}

// FuzzWalk feeds arbitrary bytes to the format walkers, with go-rpmdb's
// header parsing replaced by a stub (FuzzHeader covers it): they may
// refuse or skip, never panic, hang or allocate without bound.
func FuzzWalk(f *testing.F) {
	plausible := append(header(1), make([]byte, 16)...)
	f.Add(bdbFile(3, func(p [][]byte) {
		hashPage(p[1], 200, 2)
		overflowPage(p[2], 0, uint16(len(plausible)), plausible)
	}))
	f.Add(bdbFile(4, func(p [][]byte) {
		hashPage(p[1], 200, 2)
		overflowPage(p[2], 3, 0, header(2))
		overflowPage(p[3], 0, 40, nil)
	}))
	f.Add(ndbFile(func(b []byte) {
		ndbSlot(b, ndbBlk, ndbBlobMagic, 1, 40)
		copy(b[ndbBlk*ndbBlockSize+16:], plausible)
	}))
	stub := func(blob []byte) (*rpmdb.PackageInfo, error) {
		if len(blob) > 24 && blob[24]&1 == 1 {
			return nil, parseError{errors.New("stub refuses")}
		}
		return &rpmdb.PackageInfo{Name: "stub"}, nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := read(context.Background(), bytes.NewReader(data), int64(len(data)), stub)
		var se *SkippedError
		if err != nil && !errors.As(err, &se) && len(pkgs) != 0 {
			t.Fatalf("Read returned %d packages with a fatal error %v", len(pkgs), err)
		}
		if len(pkgs) > len(data)/8 {
			t.Fatalf("%d packages from %d bytes", len(pkgs), len(data))
		}
	})
}

// FuzzHeader feeds arbitrary header blobs to go-rpmdb through the
// one-package ndb file: a header it refuses or panics on is a skipped
// record. Each run writes a file, so this is slow.
func FuzzHeader(f *testing.F) {
	f.Add(smallestHeader(f))
	f.Add(append(header(1), make([]byte, 16)...))
	f.Fuzz(func(t *testing.T, blob []byte) {
		data := appendNDB(nil, blob)
		pkgs, err := read(context.Background(), bytes.NewReader(data), int64(len(data)), nil)
		var se *SkippedError
		switch {
		case err == nil && len(pkgs) != 1:
			t.Fatalf("%d packages from one header and no error", len(pkgs))
		case err != nil && !errors.As(err, &se):
			t.Fatalf("Read error %v, want a skipped record", err)
		}
	})
}
