package vulndb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
	"github.com/vigilhq/vigil/internal/vulndb/feed/alpine"
	"github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

var builtAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// builds caches databases built once for the whole package: the Alpine
// secdb builds take a second or two each.
var builds struct {
	sync.Mutex
	dir   string
	paths map[string]string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vulndb-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builds.dir = dir
	builds.paths = map[string]string{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// built returns a database built from sources (shared data paths, or
// absolute paths), building it on first use. Tests must not modify it.
func built(t testing.TB, sources ...string) string {
	t.Helper()
	var srcs []string
	for _, s := range sources {
		if !filepath.IsAbs(s) {
			s = shareddata.Path(t, s)
		}
		srcs = append(srcs, s)
	}
	key := strings.Join(srcs, "\x00")
	builds.Lock()
	defer builds.Unlock()
	if p, ok := builds.paths[key]; ok {
		return p
	}
	p := filepath.Join(builds.dir, fmt.Sprintf("db%d.sqlite", len(builds.paths)))
	if _, err := build.Build(context.Background(), p, srcs, build.Options{Formats: list.All(), Now: func() time.Time { return builtAt }}); err != nil {
		t.Fatalf("building %v: %v", sources, err)
	}
	builds.paths[key] = p
	return p
}

func open(t testing.TB, p string) *vulndb.DB {
	t.Helper()
	db, err := vulndb.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ids(advs []vulndb.Advisory) []string {
	out := make([]string, 0, len(advs))
	for _, a := range advs {
		out = append(out, a.Source+"/"+a.ID)
	}
	return out
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := built(t, "osv/npm-ghsa-sample")
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	// A database from a newer Vigil: a real one whose schema version is
	// raised.
	newer := filepath.Join(dir, "newer.sqlite")
	w, err := vulndb.Create(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, builtAt); err != nil {
		t.Fatal(err)
	}
	setMeta(t, newer, "schema_version", "99")

	noVersion := filepath.Join(dir, "noversion.sqlite")
	copyFile(t, good, noVersion)
	setMeta(t, noVersion, "schema_version", "one")

	random := filepath.Join(dir, "random.sqlite")
	junk := make([]byte, 64<<10)
	rand.Read(junk)
	os.WriteFile(random, junk, 0o644)

	truncated := filepath.Join(dir, "truncated.sqlite")
	os.WriteFile(truncated, goodBytes[:len(goodBytes)/2], 0o644)

	empty := filepath.Join(dir, "empty.sqlite")
	os.WriteFile(empty, nil, 0o644)

	// A real SQLite database that is not Vigil's.
	foreign := filepath.Join(dir, "foreign.sqlite")
	exec(t, foreign, `CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')`)

	emptyDir := filepath.Join(dir, "emptydir")
	os.Mkdir(emptyDir, 0o755)

	for _, tc := range []struct {
		name string
		path string
		is   error
		want []string
	}{
		{"missing file", filepath.Join(dir, "nope.sqlite"), vulndb.ErrNotFound, []string{"nope.sqlite", "build one with `vigil db build`"}},
		{"directory without a database", emptyDir, vulndb.ErrNotFound, []string{filepath.Join(emptyDir, vulndb.FileName), "vigil db build"}},
		{"newer schema", newer, vulndb.ErrNewerSchema, []string{"newer.sqlite", "schema 99", "reads up to 1", "upgrade Vigil"}},
		{"schema version not a number", noVersion, vulndb.ErrCorrupt, []string{"noversion.sqlite", "no schema version"}},
		{"random bytes", random, vulndb.ErrCorrupt, []string{"random.sqlite"}},
		{"truncated database", truncated, vulndb.ErrCorrupt, []string{"truncated.sqlite", "malformed"}},
		{"empty file", empty, vulndb.ErrCorrupt, []string{"empty.sqlite"}},
		{"another application's SQLite file", foreign, vulndb.ErrCorrupt, []string{"foreign.sqlite"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := vulndb.Open(ctx, tc.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %q", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// Opening read-only changed nothing.
	if b, _ := os.ReadFile(good); !bytes.Equal(b, goodBytes) {
		t.Error("opening the good database changed it")
	}
}

func exec(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", path) // a plain name: no URI parsing
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func setMeta(t *testing.T, path, key, value string) {
	t.Helper()
	exec(t, path, fmt.Sprintf(`UPDATE meta SET value = '%s' WHERE key = '%s'`, value, key))
}

func TestCreateRefusesExistingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "db.sqlite")
	os.WriteFile(p, []byte("keep me"), 0o644)
	if _, err := vulndb.Create(context.Background(), p); err == nil || !strings.Contains(err.Error(), "file exists") {
		t.Fatalf("Create over an existing file: err %v, want file exists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "keep me" {
		t.Errorf("existing file changed: %q", b)
	}
}

func TestAbortRemovesFile(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	w, err := vulndb.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("file left after Abort: %v", err)
	}
}

// TestMergeIsOrderIndependent adds the real Alpine secdb records of several
// releases in two opposite orders: the merged records, and so the files'
// advisory hashes, must be the same (Diff finds nothing), as the builder
// parses files in parallel and hands them over in any order.
func TestMergeIsOrderIndependent(t *testing.T) {
	ctx := context.Background()
	root := shareddata.Path(t, "distro/alpine-secdb")
	var parts []vulndb.Advisory
	for _, rel := range []string{"alpine/v3.16/main.json", "alpine/v3.19/main.json", "alpine/v3.20/main.json", "alpine/edge/main.json"} {
		f, err := os.Open(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		advs, err := alpine.Format{}.Parse(ctx, rel, f)
		f.Close()
		var partial *feed.Warnings
		if err != nil && !errors.As(err, &partial) {
			t.Fatal(err)
		}
		parts = append(parts, advs...)
	}
	write := func(name string, order []vulndb.Advisory) *vulndb.DB {
		p := filepath.Join(t.TempDir(), name)
		w, err := vulndb.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range order {
			a := order[i] // Add may keep and grow what it is given
			a.Affected = append([]vulndb.Affected(nil), a.Affected...)
			if err := w.Add(ctx, &a); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(ctx, builtAt); err != nil {
			t.Fatal(err)
		}
		return open(t, p)
	}
	reversed := make([]vulndb.Advisory, len(parts))
	for i := range parts {
		reversed[len(parts)-1-i] = parts[i]
	}
	fwd, rev := write("fwd.sqlite", parts), write("rev.sqlite", reversed)
	changes, err := vulndb.Diff(ctx, fwd, rev)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Errorf("the same records added in another order differ: %d changes, first %+v", len(changes), changes[0])
	}
	// And the merge itself: CVE-2024-5535 is in three of the four files
	// (v3.19, v3.20, edge main.json), as read in the secdb by hand.
	got, err := fwd.ByAlias(ctx, "CVE-2024-5535")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("ByAlias(CVE-2024-5535) = %v, want one merged record", ids(got))
	}
	type fix struct{ NS, Pkg, Fixed, Origin string }
	var fixes []fix
	for _, af := range got[0].Affected {
		fixes = append(fixes, fix{af.Namespace, af.Package, af.Ranges[0].Events[1].Fixed, af.Origin})
	}
	want := []fix{
		{"alpine:3.19", "openssl", "3.1.6-r0", "alpine/v3.19/main.json"},
		{"alpine:3.20", "openssl", "3.3.1-r1", "alpine/v3.20/main.json"},
		{"alpine:edge", "openssl", "3.3.1-r1", "alpine/edge/main.json"},
	}
	if diff := cmp.Diff(want, fixes); diff != "" {
		t.Errorf("merged CVE-2024-5535 (-want +got):\n%s", diff)
	}
	if got[0].Origin != "alpine/edge/main.json" {
		t.Errorf("merged record's origin = %q, want the first file name in order", got[0].Origin)
	}
}

func TestLookupAndAliases(t *testing.T) {
	ctx := context.Background()
	db := open(t, built(t, "osv/npm-ghsa-sample"))
	for _, tc := range []struct {
		ns, name string
		want     []string
	}{
		{"npm", "lodash", []string{"osv/GHSA-35jh-r3h4-6jhm", "osv/GHSA-p6mc-m468-83gw"}},
		{"npm", "lodash-es", []string{"osv/GHSA-35jh-r3h4-6jhm", "osv/GHSA-p6mc-m468-83gw"}},
		// Two affected entries for node-fetch: one record, not two.
		{"npm", "node-fetch", []string{"osv/GHSA-r683-j2x4-v87g"}},
		{"npm", "minimist", []string{"osv/GHSA-vh95-rmgr-6w4m", "osv/GHSA-xvch-5gv4-984h"}},
		{"npm", "Lodash", []string{}},
		{"pypi", "lodash", []string{}},
		{"npm", "left-pad", []string{}},
	} {
		got, err := db.Lookup(ctx, tc.ns, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("Lookup(%s, %s) (-want +got):\n%s", tc.ns, tc.name, diff)
		}
	}
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{"CVE-2021-23337", []string{"osv/GHSA-35jh-r3h4-6jhm"}},
		{"GHSA-35jh-r3h4-6jhm", []string{"osv/GHSA-35jh-r3h4-6jhm"}},
		{"CVE-2024-29041", []string{"osv/GHSA-rv95-896h-c2vc"}},
		{"CVE-1999-0001", []string{}},
	} {
		got, err := db.ByAlias(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("ByAlias(%s) (-want +got):\n%s", tc.id, diff)
		}
	}
	got, err := db.ByAlias(ctx, "CVE-2022-0235")
	if err != nil || len(got) != 1 {
		t.Fatalf("ByAlias(CVE-2022-0235) = %v, %v", ids(got), err)
	}
	a := got[0]
	if a.Summary == "" || len(a.Affected) != 2 || a.Affected[0].Package != "node-fetch" || a.Origin != "GHSA-r683-j2x4-v87g.json" {
		t.Errorf("GHSA-r683-j2x4-v87g read back incompletely: %+v", a)
	}

	info, err := db.Info(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	wantInfo := vulndb.Info{
		Path: db.Path(), SchemaVersion: vulndb.SchemaVersion, BuiltAt: builtAt, Advisories: 7,
		Sources:    []vulndb.SourceInfo{{Name: "osv", Location: shareddata.Path(t, "osv/npm-ghsa-sample"), Records: 7}},
		Namespaces: map[string]int{"npm": 7},
	}
	if diff := cmp.Diff(wantInfo, info, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Fingerprint" }, cmp.Ignore())); diff != "" {
		t.Errorf("Info (-want +got):\n%s", diff)
	}
	if fp := info.Sources[0].Fingerprint; !strings.HasPrefix(fp, "dir:") {
		t.Errorf("fingerprint %q of a directory source", fp)
	}
	nss, err := db.Namespaces(ctx)
	if err != nil || !cmp.Equal(nss, []string{"npm"}) {
		t.Errorf("Namespaces = %v, %v", nss, err)
	}
}

// TestLookupPyPINormalised builds from a few real PYSEC records: names are
// stored and looked up in their PEP 503 form.
func TestLookupPyPINormalised(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for _, rel := range []string{"pyyaml/PYSEC-2018-49.yaml", "pyyaml/PYSEC-2020-176.yaml", "jw.util/PYSEC-2020-341.yaml"} {
		copyFile(t, filepath.Join(shareddata.Path(t, "osv/pypi/vulns"), rel), filepath.Join(src, rel))
	}
	db := open(t, built(t, src))
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"PyYAML", []string{"osv/PYSEC-2018-49", "osv/PYSEC-2020-176"}},
		{"pyyaml", []string{"osv/PYSEC-2018-49", "osv/PYSEC-2020-176"}},
		{"jw.util", []string{"osv/PYSEC-2020-341"}},
		{"JW_Util", []string{"osv/PYSEC-2020-341"}},
		{"jw--util", []string{"osv/PYSEC-2020-341"}},
		{"py-yaml", []string{}},
	} {
		got, err := db.Lookup(ctx, "pypi", tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("Lookup(pypi, %s) (-want +got):\n%s", tc.name, diff)
		}
	}
	got, err := db.ByAlias(ctx, "GHSA-3pqx-4fqf-j49f")
	if err != nil || !cmp.Equal(ids(got), []string{"osv/PYSEC-2020-176"}) {
		t.Errorf("ByAlias(GHSA-3pqx-4fqf-j49f) = %v, %v", ids(got), err)
	}
}

// TestOpenDirectory opens a database by its directory.
func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, built(t, "osv/npm-ghsa-sample"), filepath.Join(dir, vulndb.FileName))
	db := open(t, dir)
	if db.Path() != filepath.Join(dir, vulndb.FileName) {
		t.Errorf("Path = %s", db.Path())
	}
}

// TestPathWithURICharacters creates and opens a database under directory
// names holding what a SQLite URI reads specially: the file must be where
// it was asked for, not at the path cut short at '#' or '?'.
func TestPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	p := filepath.Join(base, "build#2", "what?", "100%25", "db.sqlite")
	os.MkdirAll(filepath.Dir(p), 0o755)
	w, err := vulndb.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, builtAt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("database not at %s: %v", p, err)
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 1 || entries[0].Name() != "build#2" {
		t.Errorf("files in %s: %v, want only build#2", base, entries)
	}
	db := open(t, p)
	if info, err := db.Info(ctx, false); err != nil || !info.BuiltAt.Equal(builtAt) {
		t.Errorf("Info = %+v, %v", info, err)
	}
}
