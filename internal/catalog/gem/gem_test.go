package gem

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
)

func TestGolden(t *testing.T) {
	got := catalogtest.Run(t, Cataloger{}, "testdata/debian")
	catalogtest.Golden(t, "testdata/debian.golden.json", got)
}

func TestRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec":       true,
		"usr/lib/ruby/gems/3.1.0/specifications/default/cgi-0.3.5.gemspec": true,
		"usr/local/bundle/specifications/rack-3.0.8.gemspec":               true,
		"specifications/x-1.gemspec":                                       true,
		"usr/local/bundle/gems/rack-3.0.8/rack.gemspec":                    false,
		"app/Gemfile.lock": false,
		"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec.bak":     false,
		"usr/lib/ruby/gems/3.1.0/mysspecifications/rake-13.0.6.gemspec":      false,
		"usr/share/rubygems-integration/all/specifications/rack-2.2.gemspec": true,
	} {
		if got := (Cataloger{}).Required(p, 0o644, 1); got != want {
			t.Errorf("Required(%q) = %v, want %v", p, got, want)
		}
	}
	if (Cataloger{}).Required("specifications/x.gemspec", fs.ModeSymlink, 1) {
		t.Error("a symlink is required")
	}
}

func TestParseGemspec(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Spec
	}{
		{
			name: "hand-written gemspec with single quotes and no freeze",
			in:   "Gem::Specification.new do |spec|\n  spec.name    = 'rack'\n  spec.version = '3.0.8'\n  spec.licenses = ['MIT']\nend\n",
			// syft trims only double quotes and spaces from list items
			want: Spec{Name: "rack", Version: "3.0.8", Licenses: []string{"'MIT'"}},
		},
		{
			name: "unicode escapes are rendered",
			in:   "  s.name = \"caf\\u00E9\".freeze\n  s.version = \"1.0\"\n",
			want: Spec{Name: "café", Version: "1.0"},
		},
		{
			name: "no version",
			in:   "  s.name = \"x\".freeze\n  s.required_ruby_version = Gem::Requirement.new(\">= 2.5\".freeze)\n  s.rubygems_version = \"3.3.7\".freeze\n",
			want: Spec{Name: "x"},
		},
		{
			name: "empty values do not count",
			in:   "  s.name = \"x\"\n  s.version = \"\"\n  s.licenses = []\n",
			want: Spec{Name: "x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseGemspec(context.Background(), strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoNameNoPackage(t *testing.T) {
	in := []byte("  s.version = \"1.0\"\n")
	res, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: "specifications/x.gemspec", Size: int64(len(in)), Content: bytes.NewReader(in)})
	if err != nil || len(res.Packages) != 0 {
		t.Fatalf("got %v, %v; want no package and no error", res.Packages, err)
	}
}

func TestLongLine(t *testing.T) {
	in := []byte("  s.name = \"x\"\n  s.version = \"1\"\n  s.files = [\"" + strings.Repeat("a", maxLine) + "\"]\n")
	res, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: "specifications/x.gemspec", Size: int64(len(in)), Content: bytes.NewReader(in)})
	if err == nil || !strings.Contains(err.Error(), "specifications/x.gemspec") {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
	if len(res.Packages) != 1 || res.Packages[0].PURL != "pkg:gem/x@1" {
		t.Errorf("packages = %+v, want x 1 read before the long line", res.Packages)
	}
}

func FuzzParseGemspec(f *testing.F) {
	for _, p := range []string{"rake-13.0.6.gemspec", "default/bundler-2.3.7.gemspec"} {
		b, err := os.ReadFile("testdata/debian/usr/lib/ruby/gems/3.1.0/specifications/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("s.name = '\\uD800'\ns.licenses = [,]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _ := ParseGemspec(context.Background(), bytes.NewReader(b))
		if s.Name != "" {
			_ = s.pkg()
		}
	})
}

func TestPURL(t *testing.T) {
	// as syft writes them
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Name: "café", Version: "1.0"}, "pkg:gem/caf%C3%A9@1.0"},
		{Spec{Name: "x"}, "pkg:gem/x"},
		{Spec{Name: "rack", Version: "3.0.0.beta1"}, "pkg:gem/rack@3.0.0.beta1"},
	} {
		if got := tc.spec.pkg().PURL; got != tc.want {
			t.Errorf("PURL of %+v = %q, want %q", tc.spec, got, tc.want)
		}
	}
}
