package list

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestEveryFormatIsListed fails when a feed package exists but has no
// format in All(), or two formats share a name.
func TestEveryFormatIsListed(t *testing.T) {
	listed := map[string]bool{}
	names := map[string]bool{}
	for _, f := range All() {
		pkg := reflect.TypeOf(f).PkgPath()
		listed[pkg[strings.LastIndex(pkg, "/")+1:]] = true
		if names[f.Name()] {
			t.Errorf("two formats are named %q", f.Name())
		}
		names[f.Name()] = true
	}
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "list" && !listed[e.Name()] {
			t.Errorf("internal/vulndb/feed/%s is not listed in list.All()", e.Name())
		}
	}
}
