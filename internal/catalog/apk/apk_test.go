package apk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/shareddata"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"alpine-3.10", "alpine-3.20"} {
		t.Run(name, func(t *testing.T) {
			got := catalogtest.Run(t, Cataloger{}, "testdata/"+name)
			if len(got) != 1 {
				t.Fatalf("got results for %d files, want 1", len(got))
			}
			catalogtest.Golden(t, "testdata/"+name+".golden.json", got)
		})
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		mode os.FileMode
		want bool
	}{
		{"lib/apk/db/installed", 0o644, true},
		{"lib/apk/db/installed", os.ModeSymlink, false},
		{"lib/apk/db/lock", 0o644, false},
		{"usr/lib/apk/db/installed", 0o644, false},
		{"lib/apk/db/installed.bak", 0o644, false},
	} {
		if got := (Cataloger{}).Required(tc.path, tc.mode, 100); got != tc.want {
			t.Errorf("Required(%q, %v) = %v, want %v", tc.path, tc.mode, got, tc.want)
		}
	}
}

func TestParseInstalled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []Entry
		wantErr string
	}{
		{
			name: "files in directories, no trailing blank line",
			in:   "P:a\nV:1-r0\nA:x86_64\no:b\nR:top\nF:usr/bin\nR:x\nF:etc\nR:y",
			want: []Entry{{Package: "a", Version: "1-r0", Arch: "x86_64", Origin: "b", Files: []string{"top", "usr/bin", "usr/bin/x", "etc", "etc/y"}}},
		},
		{
			name: "directory does not leak into the next stanza",
			in:   "P:a\nV:1\nF:usr\n\nP:b\nV:2\nR:z\n",
			want: []Entry{{Package: "a", Version: "1", Files: []string{"usr"}}, {Package: "b", Version: "2", Files: []string{"z"}}},
		},
		{
			name: "paths are kept inside the root",
			in:   "P:a\nV:1\nF:../../etc\nR:../passwd\nF:/\nR:.\n",
			want: []Entry{{Package: "a", Version: "1", Files: []string{"etc", "passwd"}}},
		},
		{
			name: "stanza without a name is dropped, empty values ignored",
			in:   "V:1\nA:x86_64\n\n\n\nP:a\nV:\nV:2\n",
			want: []Entry{{Package: "a", Version: "2"}},
		},
		{
			name:    "malformed lines are skipped and counted",
			in:      "P:a\nV:1\ngarbage\n:novalue\nL:MIT\n",
			want:    []Entry{{Package: "a", Version: "1", License: "MIT"}},
			wantErr: "skipped 2 lines that are not fields, the first at line 3",
		},
		{
			name: "values keep colons",
			in:   "P:a\nV:1:2\nm:A B <a@b>\nc:abc\n",
			want: []Entry{{Package: "a", Version: "1:2", Maintainer: "A B <a@b>", Commit: "abc"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInstalled(context.Background(), strings.NewReader(tc.in))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("ParseInstalled: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("ParseInstalled error = %v, want one containing %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInstalledLongLine(t *testing.T) {
	in := "P:a\nV:1\nT:" + strings.Repeat("x", maxLine+1) + "\n"
	got, err := ParseInstalled(context.Background(), strings.NewReader(in))
	if err == nil || got != nil {
		t.Fatalf("ParseInstalled on an over-long line = %v, %v; want nil and an error", got, err)
	}
}

func TestParseInstalledCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Repeat("P:a\nV:1\n\n", 5000)
	if _, err := ParseInstalled(ctx, strings.NewReader(in)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ParseInstalled with a canceled context: err = %v, want context.Canceled", err)
	}
}

func TestCatalogKeepsPackagesOnBadLines(t *testing.T) {
	b := []byte("P:a\nV:1\nnot a field\n")
	res, err := Cataloger{}.Catalog(context.Background(), inputOf(dbPath, b))
	if err == nil || !strings.Contains(err.Error(), `reading apk db "lib/apk/db/installed"`) {
		t.Fatalf("Catalog error = %v, want one naming the file", err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Name != "a" {
		t.Fatalf("Catalog packages = %+v, want package a", res.Packages)
	}
}

func TestLicenses(t *testing.T) {
	// The inputs are L: fields of real Alpine packages; the expected values
	// are what syft 1.x reports for them.
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"MIT", []string{"MIT"}},
		{"GPL2", []string{"GPL2"}},
		{"MIT BSD GPL2+", []string{"BSD", "GPL2+", "MIT"}},
		{"MPL-2.0 GPL-2.0-or-later", []string{"GPL-2.0-or-later", "MPL-2.0"}},
		{"MPL-2.0 AND MIT", []string{"MPL-2.0 AND MIT"}},
		{"MIT AND BSD-2-Clause AND GPL-2.0-or-later", []string{"MIT AND BSD-2-Clause AND GPL-2.0-or-later"}},
		{"(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0", []string{"(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0"}},
		{"MIT AND", []string{"AND", "MIT"}},
		{"(MIT", []string{"(MIT"}},
		{"MIT  MIT", []string{"MIT"}},
	} {
		if diff := cmp.Diff(tc.want, licenses(tc.in)); diff != "" {
			t.Errorf("licenses(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestSharedAlpine reads the installed database of three real Alpine
// minirootfs releases. The expected packages were read by hand from each
// file and agree with what syft reports for the same root filesystem.
func TestSharedAlpine(t *testing.T) {
	type triple struct{ name, version, origin string }
	for _, tc := range []struct {
		release  string
		count    int
		want     []triple
		licenses map[string][]string
	}{
		{
			release: "3.10.3", count: 14,
			want: []triple{
				{"musl", "1.1.22-r3", "musl"},
				{"musl-utils", "1.1.22-r3", "musl"},
				{"ssl_client", "1.30.1-r2", "busybox"},
				{"libc-utils", "0.7.1-r0", "libc-dev"},
				{"scanelf", "1.2.3-r0", "pax-utils"},
			},
			licenses: map[string][]string{
				"musl-utils":             {"BSD", "GPL2+", "MIT"},
				"ca-certificates-cacert": {"GPL-2.0-or-later", "MPL-2.0"},
				"zlib":                   {"zlib"},
			},
		},
		{
			release: "3.16.9", count: 14,
			want: []triple{
				{"musl", "1.2.3-r3", "musl"},
				{"ca-certificates-bundle", "20230506-r0", "ca-certificates"},
				{"libcrypto1.1", "1.1.1w-r1", "openssl"},
				{"alpine-baselayout-data", "3.2.0-r23", "alpine-baselayout"},
			},
			licenses: map[string][]string{
				"libc-utils": {"BSD-2-Clause AND BSD-3-Clause"},
			},
		},
		{
			release: "3.20.3", count: 14,
			want: []triple{
				{"musl", "1.2.5-r0", "musl"},
				{"libcrypto3", "3.3.2-r0", "openssl"},
				{"busybox-binsh", "1.36.1-r29", "busybox"},
				{"apk-tools", "2.14.4-r0", "apk-tools"},
			},
			licenses: map[string][]string{
				"musl-utils": {"MIT AND BSD-2-Clause AND GPL-2.0-or-later"},
			},
		},
	} {
		t.Run(tc.release, func(t *testing.T) {
			db, paths := readRootfs(t, shareddata.Path(t, "rootfs/alpine/alpine-minirootfs-"+tc.release+"-x86_64.tar.gz"))
			res, err := Cataloger{}.Catalog(context.Background(), inputOf(dbPath, db))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != tc.count {
				t.Errorf("packages = %d, want %d", len(res.Packages), tc.count)
			}
			byName := map[string]inventory.Package{}
			for _, p := range res.Packages {
				byName[p.Name] = p
				if p.Arch != "x86_64" || p.Ecosystem != inventory.EcosystemAPK {
					t.Errorf("%s: arch %q type %q, want x86_64 apk", p.Name, p.Arch, p.Ecosystem)
				}
			}
			for _, w := range tc.want {
				p, ok := byName[w.name]
				if !ok {
					t.Errorf("package %s not found", w.name)
					continue
				}
				got := triple{p.Name, p.Version, p.SourceName}
				if got != w {
					t.Errorf("got %+v, want %+v", got, w)
				}
				if p.SourceVersion != w.version {
					t.Errorf("%s: source version %q, want %q", w.name, p.SourceVersion, w.version)
				}
			}
			for name, want := range tc.licenses {
				if diff := cmp.Diff(want, byName[name].Licenses); diff != "" {
					t.Errorf("%s licenses mismatch (-want +got):\n%s", name, diff)
				}
			}
			// Every path the database says is installed is in the tarball,
			// except the mount points under /dev that minirootfs leaves out.
			if len(res.Owned) < 100 {
				t.Errorf("owned paths = %d, want at least 100", len(res.Owned))
			}
			for _, o := range res.Owned {
				if !paths[o] && !strings.HasPrefix(o, "dev/") {
					t.Errorf("owned path %q is not in the root filesystem", o)
				}
			}
			if !contains(res.Owned, "lib/ld-musl-x86_64.so.1") {
				t.Errorf("owned paths do not include the musl loader")
			}
		})
	}
}

// readRootfs returns the installed database of a gzipped root filesystem
// tarball and the set of paths the tarball holds.
func readRootfs(t *testing.T, file string) ([]byte, map[string]bool) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	tr := tar.NewReader(zr)
	paths := map[string]bool{}
	var db []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		p := inventory.CleanPath(h.Name)
		paths[p] = true
		if p == dbPath && h.Typeflag == tar.TypeReg {
			if db, err = io.ReadAll(tr); err != nil {
				t.Fatalf("reading %s from %s: %v", p, file, err)
			}
		}
	}
	if db == nil {
		t.Fatalf("%s holds no %s", file, dbPath)
	}
	return db, paths
}

func inputOf(path string, b []byte) catalog.Input {
	return catalog.Input{Path: path, Mode: 0o644, Size: int64(len(b)), Content: bytes.NewReader(b)}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func FuzzParseInstalled(f *testing.F) {
	for _, name := range []string{"alpine-3.10", "alpine-3.20"} {
		b, err := os.ReadFile("testdata/" + name + "/lib/apk/db/installed")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("P:a\nV:1\nL:(MIT AND (BSD OR\nR:../../x\nF:/\n\n:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _ := ParseInstalled(context.Background(), bytes.NewReader(data))
		for _, e := range entries {
			if e.Package == "" {
				t.Fatalf("entry without a name: %+v", e)
			}
			for _, p := range e.Files {
				if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || p == ".." {
					t.Fatalf("file path %q is not clean and inside the root", p)
				}
			}
			p := e.pkg()
			if p.PURL == "" || p.Name != e.Package {
				t.Fatalf("bad package %+v from %+v", p, e)
			}
		}
	})
}
