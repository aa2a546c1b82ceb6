package list

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestEveryCatalogerIsListed fails when a cataloger package exists under
// internal/catalog but is not in All(), or two catalogers share a name.
func TestEveryCatalogerIsListed(t *testing.T) {
	listed := map[string]bool{}
	names := map[string]bool{}
	for _, c := range All() {
		pkg := reflect.TypeOf(c).PkgPath()
		listed[pkg[strings.LastIndex(pkg, "/")+1:]] = true
		if names[c.Name()] {
			t.Errorf("two catalogers are named %q", c.Name())
		}
		names[c.Name()] = true
		if c.Version() < 1 {
			t.Errorf("cataloger %s has version %d, want >= 1", c.Name(), c.Version())
		}
	}
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "list" || e.Name() == "catalogtest" {
			continue
		}
		if !declaresCataloger(t, filepath.Join("..", e.Name())) {
			continue // a package of shared helpers (binfile), not a cataloger
		}
		if !listed[e.Name()] {
			t.Errorf("internal/catalog/%s is not listed in list.All()", e.Name())
		}
	}
}

// declaresCataloger reports whether a package's non-test files implement a
// cataloger's Name method.
func declaresCataloger(t *testing.T, dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), ") Name() string") {
			return true
		}
	}
	return false
}
