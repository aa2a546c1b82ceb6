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
		if m, _ := filepath.Glob(filepath.Join("..", e.Name(), "*.go")); len(m) == 0 {
			continue
		}
		if !listed[e.Name()] {
			t.Errorf("internal/catalog/%s is not listed in list.All()", e.Name())
		}
	}
}
