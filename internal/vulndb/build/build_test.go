package build_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
	"github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// goFiles are real Go vulndb records: each names one module.
var goFiles = map[string]string{
	"GO-2020-0001.json": "github.com/gin-gonic/gin",
	"GO-2020-0003.json": "github.com/revel/revel",
	"GO-2020-0004.json": "github.com/nanobox-io/golang-nanoauth",
	"GO-2020-0005.json": "go.etcd.io/etcd",
}

// goZip zips the goFiles under a folder, as a feed archive holds them.
func goZip(t *testing.T) []byte {
	t.Helper()
	names := make([]string, 0, len(goFiles))
	for n := range goFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(shareddata.Path(t, "osv/go"), n))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create("vulndb/" + n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, p string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func copyFile(t *testing.T, from, to string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, to, b)
}

func opts() build.Options { return build.Options{Formats: list.All()} }

// goodDatabase builds the npm GHSA sample at dir/vulndb.sqlite and
// returns a check that it is still there, byte for byte, and answers as it
// did; the check also fails on any other file left in dir.
func goodDatabase(t *testing.T, dir string) (path string, check func(t *testing.T)) {
	t.Helper()
	path = filepath.Join(dir, vulndb.FileName)
	if _, err := build.Build(context.Background(), path, []string{shareddata.Path(t, "osv/npm-ghsa-sample")}, opts()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, func(t *testing.T) {
		t.Helper()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("the previous database is gone: %v", err)
		}
		if !bytes.Equal(before, after) {
			t.Error("the previous database was modified")
		}
		db, err := vulndb.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("the previous database no longer opens: %v", err)
		}
		defer db.Close()
		advs, err := db.Lookup(context.Background(), "npm", "lodash")
		if err != nil || len(advs) != 2 {
			t.Errorf("Lookup(npm, lodash) on the previous database = %d records, %v; want 2", len(advs), err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if diff := cmp.Diff([]string{vulndb.FileName}, names); diff != "" {
			t.Errorf("files beside the database (-want +got):\n%s", diff)
		}
	}
}

// TestBadSources builds from sources that cannot give a database, over an
// existing good database: each fails with an error naming the problem
// and the source, and leaves the good database as it was.
func TestBadSources(t *testing.T) {
	work := t.TempDir()

	// Real files, none of them an advisory.
	unrelated := filepath.Join(work, "unrelated")
	copyFile(t, filepath.Join(shareddata.Path(t, "lockfiles/npm-vulnerable"), "package.json"), filepath.Join(unrelated, "package.json"))
	copyFile(t, filepath.Join(shareddata.Path(t, "lockfiles/npm-vulnerable"), "package-lock.json"), filepath.Join(unrelated, "app", "package-lock.json"))
	copyFile(t, filepath.Join(shareddata.Path(t, "osv/npm-ghsa-sample"), "PROVENANCE.md"), filepath.Join(unrelated, "PROVENANCE.md"))

	z := goZip(t)
	truncated := writeFile(t, filepath.Join(work, "truncated.zip"), z[:len(z)/2])
	notZip := copyFile(t, filepath.Join(shareddata.Path(t, "osv/npm-ghsa-sample"), "PROVENANCE.md"), filepath.Join(work, "PROVENANCE.zip"))

	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()

	var formatNames []string
	for _, f := range list.All() {
		formatNames = append(formatNames, f.Name())
	}
	good := shareddata.Path(t, "osv/npm-ghsa-sample")
	for _, tc := range []struct {
		name    string
		sources []string
		is      error
		want    []string
	}{
		{"unknown format", []string{unrelated}, build.ErrNoAdvisories,
			[]string{unrelated, "no advisory files of a known format", "3 files looked at", "known formats: " + strings.Join(formatNames, ", ")}},
		{"truncated zip", []string{truncated}, nil, []string{truncated, "neither a directory nor a readable zip file (truncated or corrupt?)"}},
		{"not a zip", []string{notZip}, nil, []string{notZip, "neither a directory nor a readable zip file"}},
		{"missing path", []string{filepath.Join(work, "no-such-dir")}, nil,
			[]string{filepath.Join(work, "no-such-dir"), "not found: give a directory, a zip file or an http(s) URL"}},
		{"HTTP 404", []string{srv.URL + "/feeds/osv.zip"}, nil, []string{srv.URL + "/feeds/osv.zip", "HTTP 404 Not Found"}},
		{"a good source then a missing one", []string{good, filepath.Join(work, "gone")}, nil, []string{filepath.Join(work, "gone"), "not found"}},
		{"no sources", nil, nil, []string{"no sources given"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, check := goodDatabase(t, dir)
			_, err := build.Build(context.Background(), out, tc.sources, build.Options{Formats: list.All(), TempDir: dir})
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %q", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			check(t)
		})
	}
}

// TestZipSources builds from the same real records as a zip file and as a
// zip served over HTTP.
func TestZipSources(t *testing.T) {
	ctx := context.Background()
	z := goZip(t)
	sum := sha256.Sum256(z)
	zipPath := writeFile(t, filepath.Join(t.TempDir(), "go.zip"), z)
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/osv/go.zip" {
			http.NotFound(w, r)
			return
		}
		served.Add(1)
		w.Write(z)
	}))
	defer srv.Close()

	for _, src := range []string{zipPath, srv.URL + "/osv/go.zip"} {
		t.Run(src, func(t *testing.T) {
			dir := t.TempDir()
			downloads := t.TempDir()
			out := filepath.Join(dir, vulndb.FileName)
			rep, err := build.Build(ctx, out, []string{src}, build.Options{Formats: list.All(), TempDir: downloads})
			if err != nil {
				t.Fatal(err)
			}
			want := build.SourceReport{Location: src, Fingerprint: "sha256:" + hex.EncodeToString(sum[:]), Files: 4,
				Records: map[string]int{"osv": 4}, Skipped: map[string]int{}}
			if diff := cmp.Diff([]build.SourceReport{want}, rep.Sources); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if rep.Advisories != 4 || rep.Size == 0 || len(rep.Warnings) != 0 {
				t.Errorf("report: %d advisories, %d bytes, warnings %v", rep.Advisories, rep.Size, rep.Warnings)
			}
			db, err := vulndb.Open(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for file, module := range goFiles {
				advs, err := db.Lookup(ctx, "go", module)
				if err != nil {
					t.Fatal(err)
				}
				id := strings.TrimSuffix(file, ".json")
				if len(advs) != 1 || advs[0].ID != id || advs[0].Origin != "vulndb/"+file {
					t.Errorf("Lookup(go, %s): %+v, want %s from vulndb/%s", module, advs, id, file)
				}
			}
			if advs, err := db.ByAlias(ctx, "GHSA-p4g4-wgrh-qrg2"); err != nil || len(advs) != 1 || advs[0].ID != "GO-2020-0005" {
				t.Errorf("ByAlias(GHSA-p4g4-wgrh-qrg2) = %v, %v", advs, err)
			}
			if left, _ := os.ReadDir(downloads); len(left) != 0 {
				t.Errorf("download left behind: %v", left)
			}
		})
	}
	if served.Load() != 1 {
		t.Errorf("the zip was downloaded %d times, want 1", served.Load())
	}
}

// TestMalformedFileIsSkipped builds from real records and one of them cut
// short: the build succeeds, and the report names the skipped file.
func TestMalformedFileIsSkipped(t *testing.T) {
	src := t.TempDir()
	for n := range goFiles {
		copyFile(t, filepath.Join(shareddata.Path(t, "osv/go"), n), filepath.Join(src, n))
	}
	b, err := os.ReadFile(filepath.Join(src, "GO-2020-0003.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "GO-2020-0003.json"), b[:len(b)/2])
	rep, err := build.Build(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"), []string{src}, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Advisories != 3 || rep.Skipped() != 1 || len(rep.Warnings) != 1 {
		t.Fatalf("report: %d advisories, %d skipped, warnings %+v; want 3, 1, one warning", rep.Advisories, rep.Skipped(), rep.Warnings)
	}
	if w := rep.Warnings[0]; w.File != "GO-2020-0003.json" || w.Source != src || w.Format != "osv" || w.Partial {
		t.Errorf("warning %+v does not name the file, source and format", w)
	}
}

// TestSymlinkedSource builds from a symbolic link to a source directory,
// as a data volume often is.
func TestSymlinkedSource(t *testing.T) {
	link := filepath.Join(t.TempDir(), "feeds")
	if err := os.Symlink(shareddata.Path(t, "osv/npm-ghsa-sample"), link); err != nil {
		t.Fatal(err)
	}
	rep, err := build.Build(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"), []string{link}, opts())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Advisories != 7 {
		t.Errorf("%d advisories from the linked directory, want 7", rep.Advisories)
	}
}

// cancelling is a real feed format that cancels the build while parsing
// its n-th file.
type cancelling struct {
	feed.Format
	n      int32
	seen   *atomic.Int32
	cancel context.CancelFunc
}

func (c cancelling) Parse(ctx context.Context, path string, r io.Reader) ([]vulndb.Advisory, error) {
	if c.seen.Add(1) == c.n {
		c.cancel()
	}
	return c.Format.Parse(ctx, path, r)
}

// TestCancelledBuild cancels builds over an existing database, early and
// at the last file: the old database is left untouched and no temporary
// file stays behind.
func TestCancelledBuild(t *testing.T) {
	src := t.TempDir()
	all, err := filepath.Glob(filepath.Join(shareddata.Path(t, "osv/go"), "GO-2022-*.json"))
	if err != nil || len(all) < 100 {
		t.Fatalf("Go vulndb records: %d, %v", len(all), err)
	}
	for _, f := range all {
		copyFile(t, f, filepath.Join(src, filepath.Base(f)))
	}
	var osvFormat feed.Format
	for _, f := range list.All() {
		if f.Name() == "osv" {
			osvFormat = f
		}
	}
	for _, at := range []int32{20, int32(len(all))} {
		t.Run("", func(t *testing.T) {
			dir := t.TempDir()
			out, check := goodDatabase(t, dir)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen atomic.Int32
			o := build.Options{Formats: []feed.Format{cancelling{osvFormat, at, &seen, cancel}}}
			_, err := build.Build(ctx, out, []string{src}, o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Build cancelled at file %d of %d: err %v, want context.Canceled", at, len(all), err)
			}
			check(t)
		})
	}
}

// TestBuildReplacesDatabase checks the successful case of the atomic
// install: the new database replaces the old, nothing else is left.
func TestBuildReplacesDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out, _ := goodDatabase(t, dir)
	zipPath := writeFile(t, filepath.Join(t.TempDir(), "go.zip"), goZip(t))
	if _, err := build.Build(ctx, out, []string{zipPath}, opts()); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	info, err := db.Info(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"go": 4}, info.Namespaces); diff != "" {
		t.Errorf("namespaces after the rebuild (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the database: %v", entries)
	}
}
