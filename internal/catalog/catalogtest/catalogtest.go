// Package catalogtest is the test harness for catalogers: it feeds a
// fixture tree (files at their real image paths under testdata/) to a
// cataloger exactly as the layer walker would, and compares the results with
// a golden file, rewritten with -update.
package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Run walks root (a directory laid out like an image's filesystem), hands
// every file the cataloger requires to it, and returns the per-file results
// sorted by path. Cataloger errors fail the test unless allowErrors.
func Run(t testing.TB, c catalog.Cataloger, root string) []catalog.FileResult {
	t.Helper()
	var out []catalog.FileResult
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !c.Required(rel, info.Mode(), info.Size()) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if s, ok := c.(catalog.Sniffer); ok && !s.Sniff(b[:min(len(b), catalog.SniffLen)]) {
			return nil
		}
		r, err := c.Catalog(context.Background(), catalog.Input{Path: rel, Mode: info.Mode(), Size: info.Size(), Content: bytes.NewReader(b)})
		if err != nil {
			t.Errorf("%s: Catalog(%s): %v", c.Name(), rel, err)
		}
		for i := range r.Packages {
			if r.Packages[i].Location.Path == "" {
				r.Packages[i].Location.Path = rel
			}
			r.Packages[i].Cataloger = c.Name()
		}
		if len(r.Packages) > 0 || len(r.Owned) > 0 || r.Distro != nil {
			out = append(out, catalog.FileResult{Path: rel, Cataloger: c.Name(), Result: r})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Golden compares got, as indented JSON, with the file at path; -update
// rewrites the file.
func Golden(t testing.TB, path string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
