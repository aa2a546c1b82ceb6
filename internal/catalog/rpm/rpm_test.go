package rpm

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
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

func inputOf(path string, b []byte) catalog.Input {
	return catalog.Input{Path: path, Mode: 0o644, Size: int64(len(b)), Content: bytes.NewReader(b)}
}

// TestGolden lays the SLE 15 BCI ndb database (the smallest of the real
// ones) out at its real path in a temporary root and runs the cataloger over
// the tree as the layer walker would.
func TestGolden(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "usr/lib/sysimage/rpm/Packages.db")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, sharedDB(t, "sle15-bci_Packages.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := catalogtest.Run(t, Cataloger{}, root)
	if len(got) != 1 {
		t.Fatalf("got results for %d files, want 1", len(got))
	}
	catalogtest.Golden(t, "testdata/sle15-bci.golden.json", got)
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		mode os.FileMode
		want bool
	}{
		{"var/lib/rpm/Packages", 0o644, true},
		{"var/lib/rpm/Packages.db", 0o644, true},
		{"var/lib/rpm/rpmdb.sqlite", 0o644, true},
		{"usr/lib/sysimage/rpm/Packages.db", 0o644, true},
		{"usr/lib/sysimage/rpm/rpmdb.sqlite", 0o644, true},
		{"usr/share/rpm/Packages", 0o644, true},
		{"var/lib/rpm/Packages", os.ModeSymlink, false},
		{"var/lib/rpm/Name", 0o644, false},
		{"var/lib/rpm/rpmdb.sqlite-shm", 0o644, false},
		{"opt/var/lib/rpm/Packages", 0o644, false},
		{"var/lib/rpm/x/Packages", 0o644, false},
	} {
		if got := (Cataloger{}).Required(tc.path, tc.mode, 100); got != tc.want {
			t.Errorf("Required(%q, %v) = %v, want %v", tc.path, tc.mode, got, tc.want)
		}
	}
}

// TestSharedDBs reads the five real databases in their three formats. The
// counts and packages agree with what syft reports for the same files
// (name, version, PURL and licenses of every package were compared).
func TestSharedDBs(t *testing.T) {
	type want struct {
		version, arch, srcName, srcVersion, purl string
		licenses                                 []string
		meta                                     map[string]string
	}
	for _, tc := range []struct {
		file, path  string
		count       int
		modular     int // packages with a modularity label
		owns        string
		packages    map[string]want
		minOwnedLen int
	}{
		{
			file: "centos7-plain_Packages", path: "var/lib/rpm/Packages", count: 144, owns: "usr/bin/bash", minOwnedLen: 20000,
			packages: map[string]want{
				"bash": {version: "4.2.46-30.el7", arch: "x86_64", srcName: "bash", srcVersion: "4.2.46-30.el7",
					purl: "pkg:rpm/bash@4.2.46-30.el7?arch=x86_64&upstream=bash-4.2.46-30.el7.src.rpm", licenses: []string{"GPLv3+"}},
				"openssl-libs": {version: "1:1.0.2k-12.el7", arch: "x86_64", srcName: "openssl", srcVersion: "1.0.2k-12.el7",
					purl:     "pkg:rpm/openssl-libs@1.0.2k-12.el7?arch=x86_64&epoch=1&upstream=openssl-1.0.2k-12.el7.src.rpm",
					licenses: []string{"OpenSSL"}, meta: map[string]string{MetadataEpoch: "1"}},
				"libgcc": {version: "4.8.5-28.el7_5.1", arch: "x86_64", srcName: "gcc", srcVersion: "4.8.5-28.el7_5.1",
					purl: "pkg:rpm/libgcc@4.8.5-28.el7_5.1?arch=x86_64&upstream=gcc-4.8.5-28.el7_5.1.src.rpm", licenses: []string{"GPLv3+ and GPLv3+ with exceptions and GPLv2+ with exceptions and LGPLv2+ and BSD"}},
			},
		},
		{
			file: "centos8-modularitylabel_Packages", path: "var/lib/rpm/Packages", count: 518, modular: 21, owns: "usr/bin/bash", minOwnedLen: 50000,
			packages: map[string]want{
				// perl-Errno has epoch 0, its source package perl has epoch 4:
				// the source version carries no epoch.
				"perl-Errno": {version: "0:1.28-416.el8", arch: "x86_64", srcName: "perl", srcVersion: "5.26.3-416.el8",
					purl:     "pkg:rpm/perl-Errno@1.28-416.el8?arch=x86_64&epoch=0&upstream=perl-5.26.3-416.el8.src.rpm",
					licenses: []string{"GPL+ or Artistic"}, meta: map[string]string{MetadataEpoch: "0"}},
				"conmon": {version: "2:2.0.6-1.module_el8.2.0+305+5e198a41", arch: "x86_64", srcName: "conmon", srcVersion: "2.0.6-1.module_el8.2.0+305+5e198a41",
					purl:     "pkg:rpm/conmon@2.0.6-1.module_el8.2.0%2B305%2B5e198a41?arch=x86_64&epoch=2&upstream=conmon-2.0.6-1.module_el8.2.0%2B305%2B5e198a41.src.rpm",
					licenses: []string{"ASL 2.0"},
					meta:     map[string]string{MetadataEpoch: "2", MetadataModularityLabel: "container-tools:rhel8:8020020200507003530:0d58ad57"}},
				"gpg-pubkey": {version: "8483c65d-5ccc5b19", srcName: "gpg-pubkey", srcVersion: "8483c65d-5ccc5b19",
					purl: "pkg:rpm/gpg-pubkey@8483c65d-5ccc5b19", licenses: []string{"pubkey"}},
			},
		},
		{
			file: "fedora35_rpmdb.sqlite", path: "var/lib/rpm/rpmdb.sqlite", count: 138, owns: "usr/bin/bash", minOwnedLen: 20000,
			packages: map[string]want{
				"libgcc": {version: "11.2.1-1.fc35", arch: "x86_64", srcName: "gcc", srcVersion: "11.2.1-1.fc35",
					purl: "pkg:rpm/libgcc@11.2.1-1.fc35?arch=x86_64&upstream=gcc-11.2.1-1.fc35.src.rpm", licenses: []string{"GPLv3+ and GPLv3+ with exceptions and GPLv2+ with exceptions and LGPLv2+ and BSD"}},
				"openssl-libs": {version: "1:1.1.1l-2.fc35", arch: "x86_64", srcName: "openssl", srcVersion: "1.1.1l-2.fc35",
					purl:     "pkg:rpm/openssl-libs@1.1.1l-2.fc35?arch=x86_64&epoch=1&upstream=openssl-1.1.1l-2.fc35.src.rpm",
					licenses: []string{"OpenSSL and ASL 2.0"}, meta: map[string]string{MetadataEpoch: "1"}},
			},
		},
		{
			file: "cbl-mariner-2.0_rpmdb.sqlite", path: "var/lib/rpm/rpmdb.sqlite", count: 129, owns: "bin/bash", minOwnedLen: 5000,
			packages: map[string]want{
				"bash": {version: "5.1.8-1.cm2", arch: "x86_64", srcName: "bash", srcVersion: "5.1.8-1.cm2",
					purl: "pkg:rpm/bash@5.1.8-1.cm2?arch=x86_64&upstream=bash-5.1.8-1.cm2.src.rpm", licenses: []string{"GPLv3"}},
				"openssl-libs": {version: "1.1.1k-7.cm2", arch: "x86_64", srcName: "openssl", srcVersion: "1.1.1k-7.cm2",
					purl: "pkg:rpm/openssl-libs@1.1.1k-7.cm2?arch=x86_64&upstream=openssl-1.1.1k-7.cm2.src.rpm", licenses: []string{"OpenSSL"}},
			},
		},
		{
			file: "sle15-bci_Packages.db", path: "usr/lib/sysimage/rpm/Packages.db", count: 35, owns: "bin/bash", minOwnedLen: 2000,
			packages: map[string]want{
				"bash": {version: "4.4-19.6.1", arch: "x86_64", srcName: "bash", srcVersion: "4.4-19.6.1",
					purl: "pkg:rpm/bash@4.4-19.6.1?arch=x86_64&upstream=bash-4.4-19.6.1.src.rpm", licenses: []string{"GPL-3.0-or-later"}},
				"coreutils": {version: "8.32-3.2.1", arch: "x86_64", srcName: "coreutils", srcVersion: "8.32-3.2.1",
					purl: "pkg:rpm/coreutils@8.32-3.2.1?arch=x86_64&upstream=coreutils-8.32-3.2.1.src.rpm", licenses: []string{"GPL-3.0-or-later"}},
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), inputOf(tc.path, sharedDB(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != tc.count {
				t.Errorf("packages = %d, want %d", len(res.Packages), tc.count)
			}
			byName := map[string]inventory.Package{}
			modular := 0
			for _, p := range res.Packages {
				byName[p.Name] = p
				if p.Ecosystem != inventory.EcosystemRPM {
					t.Errorf("%s: type %q", p.Name, p.Ecosystem)
				}
				if p.Metadata[MetadataModularityLabel] != "" {
					modular++
				}
			}
			if modular != tc.modular {
				t.Errorf("packages with a modularity label = %d, want %d", modular, tc.modular)
			}
			for name, w := range tc.packages {
				p, ok := byName[name]
				if !ok {
					t.Errorf("package %s not found", name)
					continue
				}
				// The Vendor tag is checked on its own: every real package but
				// the signing keys has one.
				meta := map[string]string{}
				for k, v := range p.Metadata {
					if k != MetadataVendor {
						meta[k] = v
					}
				}
				if len(meta) == 0 {
					meta = nil
				}
				if p.Metadata[MetadataVendor] == "" && name != "gpg-pubkey" {
					t.Errorf("%s: no vendor", name)
				}
				got := want{p.Version, p.Arch, p.SourceName, p.SourceVersion, p.PURL, p.Licenses, meta}
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
				}
			}
			if len(res.Owned) < tc.minOwnedLen {
				t.Errorf("owned paths = %d, want at least %d", len(res.Owned), tc.minOwnedLen)
			}
			owned := map[string]bool{}
			for _, o := range res.Owned {
				if o == "" || strings.HasPrefix(o, "/") || o != strings.TrimSuffix(o, "/") {
					t.Errorf("owned path %q is not clean", o)
				}
				owned[o] = true
			}
			if !owned[tc.owns] {
				t.Errorf("owned paths do not include %s", tc.owns)
			}
		})
	}
}

func TestParseSourceRPM(t *testing.T) {
	for _, tc := range []struct {
		in, name, version string
		ok                bool
	}{
		{"bash-4.2.46-34.el7.src.rpm", "bash", "4.2.46-34.el7", true},
		{"util-linux-ng-2.17.2-12.28.el6_9.2.src.rpm", "util-linux-ng", "2.17.2-12.28.el6_9.2", true},
		{"conmon-2.0.6-1.module_el8.2.0+305+5e198a41.src.rpm", "conmon", "2.0.6-1.module_el8.2.0+305+5e198a41", true},
		{"a--2.src.rpm", "a", "-2", true}, // an empty version, as grype's pattern reads it
		{"", "", "", false},
		{"bash-4.2.46-34.el7.src", "", "", false},
		{"bash-4.2.46.src.rpm", "", "", false},
		{"-1-2.src.rpm", "", "", false},
		{"bash-1-2.1.rpm", "", "", false},
		{"bash-1-2.s.rpm", "", "", false},
		{"bash-1-2rpm", "", "", false},
	} {
		name, version, ok := parseSourceRPM(tc.in)
		if name != tc.name || version != tc.version || ok != tc.ok {
			t.Errorf("parseSourceRPM(%q) = %q, %q, %v; want %q, %q, %v", tc.in, name, version, ok, tc.name, tc.version, tc.ok)
		}
	}
}

// sqliteDB writes an SQLite database with the statements given.
func sqliteDB(t testing.TB, stmts ...string) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSQLite reads hand-made SQLite databases through the driver this
// package registers: a bad row is a skipped record, a database without
// the Packages table an error.
func TestSQLite(t *testing.T) {
	const table = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)"
	for _, tc := range []struct {
		name     string
		stmts    []string
		wantErr  string
		wantPkgs int
	}{
		{"no Packages table", []string{"CREATE TABLE Other (x)"}, "no such table", 0},
		{"empty table", []string{table}, "", 0},
		{"null blob", []string{table, "INSERT INTO Packages (blob) VALUES (NULL)"}, "skipped 1", 0},
		{"huge index count", []string{table, "INSERT INTO Packages (blob) VALUES (x'7fffffff0000000000000000')"}, "index entries", 0},
		{"header go-rpmdb refuses", []string{table, "INSERT INTO Packages (blob) VALUES (x'00000001000000000000000000000000000000000000000000000000')"}, "skipped 1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), inputOf("var/lib/rpm/rpmdb.sqlite", sqliteDB(t, tc.stmts...)))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Catalog: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Catalog error = %v, want one containing %q", err, tc.wantErr)
			}
			if len(res.Packages) != tc.wantPkgs {
				t.Errorf("packages = %d, want %d", len(res.Packages), tc.wantPkgs)
			}
		})
	}
	t.Run("garbage after the magic", func(t *testing.T) {
		b := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 2000)...)
		if _, err := (Cataloger{}).Catalog(context.Background(), inputOf("var/lib/rpm/rpmdb.sqlite", b)); err == nil || !strings.Contains(err.Error(), `reading rpm db "var/lib/rpm/rpmdb.sqlite": sqlite`) {
			t.Fatalf("Catalog error = %v, want an sqlite error naming the file", err)
		}
	})
}

// TestSkippedRecordKeepsPackages breaks one header of a real SQLite
// database: the other packages are reported along with the error.
func TestSkippedRecordKeepsPackages(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	if err := os.WriteFile(file, sharedDB(t, "cbl-mariner-2.0_rpmdb.sqlite"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE Packages SET blob = x'00' WHERE hnum = (SELECT min(hnum) FROM Packages)"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Cataloger{}.Catalog(context.Background(), inputOf("var/lib/rpm/rpmdb.sqlite", b))
	if err == nil || !strings.Contains(err.Error(), "skipped 1 unreadable records") {
		t.Fatalf("Catalog error = %v, want one skipped record", err)
	}
	if len(res.Packages) != 128 {
		t.Errorf("packages = %d, want 128", len(res.Packages))
	}
}
