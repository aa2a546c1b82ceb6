package composer

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"composer1", "composer2"} {
		t.Run(name, func(t *testing.T) {
			got := catalogtest.Run(t, Cataloger{}, "testdata/"+name)
			catalogtest.Golden(t, "testdata/"+name+".golden.json", got)
		})
	}
}

func TestRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"var/www/html/vendor/composer/installed.json": true,
		"app/lib/composer/installed.json":             true,
		"installed.json":                              true,
		"app/composer.lock":                           false,
		"app/vendor/composer/installed.php":           false,
		"app/vendor/composer/not-installed.json":      false,
	} {
		if got := (Cataloger{}).Required(p, 0o644, 1); got != want {
			t.Errorf("Required(%q) = %v, want %v", p, got, want)
		}
	}
	if (Cataloger{}).Required("installed.json", fs.ModeDir, 1) {
		t.Error("a directory is required")
	}
}

func catalogString(t *testing.T, s string) ([]inventory.Package, error) {
	t.Helper()
	res, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: "vendor/composer/installed.json", Size: int64(len(s)), Content: strings.NewReader(s)})
	return res.Packages, err
}

// TestPackages checks PURLs and edge cases against what syft v1.57.0
// reports for the same installed.json.
func TestPackages(t *testing.T) {
	got, err := catalogString(t, `{"packages": [
		{"name": "a/b/c", "version": "dev-main"},
		{"name": "solo", "version": "1.0.0+build.5"},
		{"name": "Vendor/Pkg", "version": "2.0.0-RC1", "license": ["(MIT or GPL-2.0)", "Apache-2.0"]},
		{"name": "", "version": "1"},
		{"name": "x/y"},
		{"name": "old/style", "version": "1.0", "license": "MIT"}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	type short struct{ Name, Version, PURL, Licenses string }
	var shorts []short
	for _, p := range got {
		shorts = append(shorts, short{p.Name, p.Version, p.PURL, strings.Join(p.Licenses, ",")})
	}
	want := []short{
		{"a/b/c", "dev-main", "pkg:composer/a/b-c@dev-main", ""},
		{"solo", "1.0.0+build.5", "pkg:composer/solo@1.0.0%2Bbuild.5", ""},
		{"Vendor/Pkg", "2.0.0-RC1", "pkg:composer/Vendor/Pkg@2.0.0-RC1", "(MIT or GPL-2.0),Apache-2.0"},
		{"x/y", "", "pkg:composer/x/y", ""},
		// syft rejects the whole file on a string license; Composer's schema allows it
		{"old/style", "1.0", "pkg:composer/old/style@1.0", "MIT"},
	}
	if diff := cmp.Diff(want, shorts); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestMalformed(t *testing.T) {
	for _, in := range []string{`{"packages": {}}`, `"x"`, `[{"name": 1}]`, `{"packages": [`} {
		if _, err := catalogString(t, in); err == nil || !strings.Contains(err.Error(), "installed.json") {
			t.Errorf("%s: err = %v, want an error naming the file", in, err)
		}
	}
	// an installed.json of another tool, without "packages", has none
	if got, err := catalogString(t, `{"version": 3}`); err != nil || len(got) != 0 {
		t.Errorf("foreign installed.json: %v, %v", got, err)
	}
}

func FuzzParseInstalled(f *testing.F) {
	for _, p := range []string{"testdata/composer1/app/vendor/composer/installed.json", "testdata/composer2/var/www/html/vendor/composer/installed.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"packages":[{"name":"a/b/c","license":"MIT"}]} []`))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ParseInstalled(context.Background(), bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Name != "" && !strings.HasPrefix(e.pkg().PURL, "pkg:composer/") {
				t.Fatalf("bad PURL for %+v", e)
			}
		}
	})
}
