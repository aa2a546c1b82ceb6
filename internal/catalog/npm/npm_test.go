package npm

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/shareddata"
)

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    catalog.Cataloger
	}{
		{"installed", Cataloger{}},
		{"lock-v1", LockCataloger{}},
		{"lock-v2", LockCataloger{}},
		{"yarn", LockCataloger{}},
		{"pnpm-v6", LockCataloger{}},
		{"pnpm-v9", LockCataloger{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := catalogtest.Run(t, tc.c, "testdata/"+tc.name)
			if len(got) == 0 {
				t.Fatal("no packages found")
			}
			catalogtest.Golden(t, "testdata/"+tc.name+".golden.json", got)
		})
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path          string
		pkg, lockfile bool
	}{
		{"app/node_modules/lodash/package.json", true, false},
		{"app/node_modules/@babel/core/package.json", true, false},
		{"usr/lib/node_modules/npm/package.json", true, false},
		{"package.json", true, false},
		{"app/package-lock.json", false, true},
		{"package-lock.json", false, true},
		{"app/node_modules/x/package-lock.json", false, false},
		{"app/node_modules/.package-lock.json", false, false},
		{"app/npm-shrinkwrap.json", false, false},
		{"app/yarn.lock", false, true},
		{"app/node_modules/x/yarn.lock", false, false},
		{"app/pnpm-lock.yaml", false, true},
		{"app/node_modules/x/pnpm-lock.yaml", false, true},
		{"app/package.json.bak", false, false},
	} {
		if got := (Cataloger{}).Required(tc.path, 0o644, 100); got != tc.pkg {
			t.Errorf("Cataloger.Required(%q) = %v, want %v", tc.path, got, tc.pkg)
		}
		if got := (LockCataloger{}).Required(tc.path, 0o644, 100); got != tc.lockfile {
			t.Errorf("LockCataloger.Required(%q) = %v, want %v", tc.path, got, tc.lockfile)
		}
	}
	if (Cataloger{}).Required("app/package.json", os.ModeSymlink, 100) {
		t.Error("Required accepted a symlink")
	}
}

// TestSharedLockfile reads the real v3 lockfile of the shared npm fixture:
// 77 installed paths plus the root project, which syft reports too.
func TestSharedLockfile(t *testing.T) {
	b, err := os.ReadFile(shareddata.Path(t, "lockfiles/npm-vulnerable/package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParsePackageLock(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 78 {
		t.Errorf("got %d packages, want 78 (77 lock entries and the root)", len(pkgs))
	}
	got := map[string][]string{}
	for _, p := range pkgs {
		got[p.Name] = append(got[p.Name], p.Version)
		if p.Ecosystem != inventory.EcosystemNPM {
			t.Errorf("%s: ecosystem %q", p.Name, p.Ecosystem)
		}
	}
	for name, want := range map[string][]string{
		"lodash":                 {"4.17.15"},
		"minimist":               {"0.0.10", "1.2.0"}, // 0.0.10 under optimist
		"axios":                  {"0.21.0"},
		"express":                {"4.16.0"},
		"node-fetch":             {"2.6.0"},
		"ms":                     {"2.0.0", "2.1.3"},
		"npm-vulnerable-fixture": {"1.0.0"},
	} {
		if diff := cmp.Diff(want, got[name]); diff != "" {
			t.Errorf("%s versions (-want +got):\n%s", name, diff)
		}
	}
	for _, p := range pkgs {
		if p.Name == "lodash" {
			if diff := cmp.Diff(inventory.Package{
				Name: "lodash", Version: "4.17.15", Ecosystem: inventory.EcosystemNPM,
				PURL: "pkg:npm/lodash@4.17.15", Licenses: []string{"MIT"},
			}, p); diff != "" {
				t.Errorf("lodash (-want +got):\n%s", diff)
			}
		}
	}
}

func TestParsePackageJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []inventory.Package // nil: no package
		wantErr  bool
	}{
		{name: "scoped", in: `{"name":"@babel/core","version":"7.24.0","license":"MIT"}`,
			want: []inventory.Package{npmPkg("@babel/core", "7.24.0", "pkg:npm/%40babel/core@7.24.0", "MIT")}},
		{name: "license object", in: `{"name":"a","version":"1.0.0","license":{"type":"ISC","url":"x"}}`,
			want: []inventory.Package{npmPkg("a", "1.0.0", "pkg:npm/a@1.0.0", "ISC")}},
		{name: "legacy licenses", in: `{"name":"a","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}`,
			want: []inventory.Package{npmPkg("a", "1.0.0", "pkg:npm/a@1.0.0", "Apache-2.0", "MIT")}},
		{name: "license wins over licenses", in: `{"name":"a","version":"1","license":"BSD","licenses":[{"type":"MIT"}]}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1", "BSD")}},
		{name: "null license hides licenses", in: `{"name":"a","version":"1","license":null,"licenses":[{"type":"MIT"}]}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1")}},
		{name: "license array ignored", in: `{"name":"a","version":"1","license":["MIT","ISC"]}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1")}},
		{name: "expression kept", in: `{"name":"a","version":"1","license":"(MIT OR Apache-2.0)"}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1", "(MIT OR Apache-2.0)")}},
		{name: "no version", in: `{"name":"nover"}`,
			want: []inventory.Package{npmPkg("nover", "", "pkg:npm/nover")}},
		{name: "sub-path stub", in: `{"type":"module"}`},
		{name: "name with slash", in: `{"name":"firebase/firestore","main":"dist/index.cjs.js"}`,
			want: []inventory.Package{npmPkg("firebase/firestore", "", "pkg:npm/firebase/firestore")}},
		{name: "private still reported", in: `{"name":"app","version":"1.0.0","private":true}`,
			want: []inventory.Package{npmPkg("app", "1.0.0", "pkg:npm/app@1.0.0")}},
		{name: "two documents", in: `{"name":"a","version":"1"}{"name":"b","version":"2"}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1"), npmPkg("b", "2", "pkg:npm/b@2")}},
		{name: "author object", in: `{"name":"a","version":"1","author":{"name":"x","email":null,"n":1}}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1")}},
		{name: "contributors mixed", in: `{"name":"a","version":"1","contributors":["x <x@y>",{"name":"y","x":5},null]}`,
			want: []inventory.Package{npmPkg("a", "1", "pkg:npm/a@1")}},
		// Type errors that make syft reject the whole manifest.
		{name: "version number", in: `{"name":"a","version":1}`, wantErr: true},
		{name: "author array", in: `{"name":"a","version":"1","author":["x"]}`, wantErr: true},
		{name: "author name object", in: `{"name":"a","version":"1","author":{"Name":{"x":1}}}`, wantErr: true},
		{name: "contributors number", in: `{"name":"a","version":"1","contributors":5}`, wantErr: true},
		{name: "contributor email number", in: `{"name":"a","version":"1","contributors":[{"email":5}]}`, wantErr: true},
		{name: "repository extra object", in: `{"name":"a","version":"1","repository":{"url":"x","extra":{}}}`, wantErr: true},
		{name: "dependency number", in: `{"name":"a","version":"1","dependencies":{"b":1}}`, wantErr: true},
		{name: "private string", in: `{"name":"a","version":"1","private":"true"}`, wantErr: true},
		{name: "latest string", in: `{"name":"a","version":"1","latest":"1.0"}`, wantErr: true},
		{name: "trailing garbage", in: `{"name":"a","version":"1"} x`, wantErr: true},
		{name: "byte order mark", in: "\ufeff{\"name\":\"a\",\"version\":\"1\"}", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePackageJSON(context.Background(), strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePackageLockCases(t *testing.T) {
	v3 := `{"name":"ws-root","version":"2.0.0","lockfileVersion":3,"packages":{
		"":{"name":"ws-root","version":"2.0.0","license":"MIT"},
		"node_modules/@scope/pkg":{"version":"1.0.0","license":"ISC"},
		"node_modules/devthing":{"version":"3.3.3","dev":true},
		"node_modules/devopt":{"version":"4.4.4","devOptional":true},
		"node_modules/alias-name":{"name":"real-pkg","version":"7.7.7"},
		"node_modules/lic-arr":{"version":"1.1.1","license":["MIT","ISC"]},
		"node_modules/lic-obj":{"version":"1.1.2","license":{"type":"MIT"}},
		"node_modules/my-ws":{"resolved":"packages/my-ws","link":true},
		"packages/my-ws":{"name":"my-ws","version":"0.1.0"},
		"packages/unnamed-ws":{"version":"0.2.0"},
		"node_modules/a/node_modules/b":{"version":"8.8.8"}}}`
	v1 := `{"name":"v1app","lockfileVersion":1,"dependencies":{
		"devparent":{"version":"1.0.0","dev":true,"dependencies":{"notdevchild":{"version":"2.1.0"}}},
		"prodparent":{"version":"1.0.0","dependencies":{
			"devkid":{"version":"3.0.0","dev":true,"dependencies":{"grandkid":{"version":"5.0.0"}}},
			"uniqkid":{"version":"4.0.0","dependencies":{"uniqgrand":{"version":"6.0.0"}}}}},
		"aliased":{"version":"npm:@other/real@2.2.2"}}}`
	for _, tc := range []struct {
		name, in string
		want     []string // name@version [licenses]
	}{
		// Checked against syft v1.57.0 on the same input.
		{"v3", v3, []string{"@scope/pkg@1.0.0 [ISC]", "b@8.8.8", "devopt@4.4.4", "lic-arr@1.1.1 [ISC MIT]", "lic-obj@1.1.2",
			"my-ws@", "my-ws@0.1.0", "packages/unnamed-ws@0.2.0", "real-pkg@7.7.7", "ws-root@2.0.0 [MIT]"}},
		{"v1", v1, []string{"@other/real@2.2.2", "prodparent@1.0.0", "uniqgrand@6.0.0", "uniqkid@4.0.0"}},
		{"nameless root", `{"lockfileVersion":2,"packages":{"":{"version":"1.0.0"},"node_modules/x":{"version":"1.0.0"}}}`,
			[]string{"x@1.0.0"}},
		{"unknown version", `{"lockfileVersion":4,"packages":{"node_modules/x":{"version":"1.0.0"}}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := ParsePackageLock(context.Background(), strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summary(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseYarnLockCases(t *testing.T) {
	in := `# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.10.4"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.10.4.tgz#168da1a36e90da68ae8d49c0f1b48c7c6249213a"
  dependencies:
    "@babel/highlight" "^7.10.4"

atob@^2.1.2:
  version "2.1.2"

atob@^2.1.3:
  version "2.1.2"

string-width-cjs@npm:string-width@^4.2.0:
  version "4.2.3"
  resolved "https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#269c7117d27b05ad2e536830a8ec895ef9c6d010"

should-type@https://github.com/shouldjs/type.git#1.3.0:
  version "1.3.0"
  resolved "https://github.com/shouldjs/type.git#31e49c4e1fb0c2dc59a2f8b1b1d3d8c0c1a1c1a1"

"local-thing@file:../local":
  version "0.0.1"

mirror-dep@^1.0.0:
  version "1.0.0"
  resolved "https://artifactory.example.com/api/npm/npm/mirror-dep/-/mirror-dep-1.0.0.tgz#aaa"
`
	berry := `# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 6
  cacheKey: 8

"@babel/code-frame@npm:^7.0.0, @babel/code-frame@npm:^7.10.4":
  version: 7.10.4
  resolution: "@babel/code-frame@npm:7.10.4"
  dependencies:
    "@babel/highlight": ^7.10.4
  languageName: node
  linkType: hard

"my-app@workspace:.":
  version: 0.0.0-use.local
  resolution: "my-app@workspace:."

"string-width-cjs@npm:string-width@^4.2.0":
  version: 4.2.3
  resolution: "string-width@npm:4.2.3"
`
	// Checked against syft v1.57.0 on the same inputs.
	for _, tc := range []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{"v1", in, []string{"@babel/code-frame@7.10.4", "atob@2.1.2", "local-thing@0.0.1", "mirror-dep@1.0.0", "should-type@1.3.0", "string-width@4.2.3"}, false},
		{"berry", berry, []string{"@babel/code-frame@7.10.4", "my-app@0.0.0-use.local", "string-width@4.2.3"}, false},
		{"no blank line", "# yarn lockfile v1\n\nfoo@1:\n  version \"1.0.0\"\nbar@2:\n  version \"2.0.0\"\n", []string{"bar@2.0.0"}, false},
		{"no version", "# yarn lockfile v1\n\nfoo@1:\n  \"version\" \"1.0.0\"\n", []string{"foo@"}, false},
		// Without the v1 marker a file is read as YAML.
		{"no marker", "foo@1:\n  version \"1.0.0\"\n", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := ParseYarnLock(context.Background(), strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, summary(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePnpmLockCases(t *testing.T) {
	// Checked against syft v1.57.0 on the same inputs.
	for _, tc := range []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{"v5 peer suffix", "lockfileVersion: 5.4\n\ndependencies:\n  acorn-jsx: 5.3.2_acorn@8.8.0\n\npackages:\n\n" +
			"  /acorn-jsx/5.3.2_acorn@8.8.0:\n    dev: false\n\n  /acorn/8.8.0:\n    dev: true\n\n  /@scope/x/1.0.0_y@2:\n    dev: false\n",
			[]string{"@scope/x@1.0.0", "acorn-jsx@5.3.2"}, false},
		{"documents", "lockfileVersion: '9.0'\n\npackages:\n\n  pnpm@12.0.0: {}\n\n---\npackages:\n\n  minimist@1.2.0: {}\n",
			[]string{"minimist@1.2.0", "pnpm@12.0.0"}, false},
		{"bad document among good ones", "lockfileVersion: '9.0'\npackages:\n  good@1.0.0: {}\n---\nlockfileVersion: '9.0'\npackages: [1, 2]\n---\n" +
			"lockfileVersion: '9.0'\npackages:\n  later@2.0.0: {}\n",
			[]string{"good@1.0.0", "later@2.0.0"}, true},
		{"bad version", "lockfileVersion: abc\n", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := ParsePnpmLock(context.Background(), strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, summary(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSyft compares every fixture tree with what syft reports for it by
// name, version, type, file, PURL and licenses: the package.json cataloger
// with syft's image catalogers, the lockfile cataloger with its directory
// catalogers (which include the shared real lockfile). syft stubs a missing
// version as "UNKNOWN"; here it is empty. PURLs are compared unescaped:
// packageurl-go leaves ':' and '@' in versions unescaped where syft's fork
// escapes them.
func TestSyft(t *testing.T) {
	catalogtest.SyftBinary(t)
	for _, tc := range []struct {
		dir  string
		mode string
		c    catalog.Cataloger
	}{
		{"testdata/installed", "image", Cataloger{}},
		{"testdata/lock-v1", "directory", LockCataloger{}},
		{"testdata/lock-v2", "directory", LockCataloger{}},
		{"testdata/yarn", "directory", LockCataloger{}},
		{"testdata/pnpm-v6", "directory", LockCataloger{}},
		{"testdata/pnpm-v9", "directory", LockCataloger{}},
		{filepath.Dir(shareddata.Path(t, "lockfiles/npm-vulnerable/package-lock.json")), "directory", LockCataloger{}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			want := runSyft(t, tc.dir, tc.mode, "npm")
			var got []string
			for _, fr := range catalogtest.Run(t, tc.c, tc.dir) {
				for _, p := range fr.Packages {
					got = append(got, syftLine(p.Name, p.Version, string(p.Ecosystem), p.Location.Path, p.PURL, p.Licenses))
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if len(want) == 0 {
				t.Fatal("syft found nothing")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-syft +vigil):\n%s", diff)
			}
		})
	}
}

func FuzzPackageLock(f *testing.F) {
	for _, p := range []string{"testdata/lock-v1/app/package-lock.json", "testdata/lock-v2/app/package-lock.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"lockfileVersion":1,"dependencies":{"a":{"version":"npm:b"}}}`))
	f.Add([]byte(`{"lockfileVersion":3,"packages":{"node_modules/":{"license":7}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePackageLock(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		checkPackages(t, pkgs)
	})
}

func FuzzPackageJSON(f *testing.F) {
	b, err := os.ReadFile("testdata/installed/usr/lib/node_modules/npm/node_modules/qrcode-terminal/package.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"name":"a","author":{"name":null},"license":{"type":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePackageJSON(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		checkPackages(t, pkgs)
	})
}

func FuzzYarnLock(f *testing.F) {
	b, err := os.ReadFile("testdata/yarn/app/yarn.lock")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("\"@:\n  version \"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseYarnLock(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		checkPackages(t, pkgs)
	})
}

func FuzzPnpmLock(f *testing.F) {
	for _, p := range []string{"testdata/pnpm-v6/app/pnpm-lock.yaml", "testdata/pnpm-v9/app/pnpm-lock.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("lockfileVersion: 5.4\npackages:\n  /a/1: {dev: false}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePnpmLock(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		checkPackages(t, pkgs)
	})
}

// checkPackages checks what every parser promises: named npm packages with
// a PURL.
func checkPackages(t *testing.T, pkgs []inventory.Package) {
	t.Helper()
	for _, p := range pkgs {
		if p.Name == "" || p.Ecosystem != inventory.EcosystemNPM || !strings.HasPrefix(p.PURL, "pkg:npm/") {
			t.Fatalf("bad package %+v", p)
		}
	}
}

func npmPkg(name, version, purl string, licenses ...string) inventory.Package {
	if len(licenses) == 0 {
		licenses = nil
	}
	return inventory.Package{Name: name, Version: version, Ecosystem: inventory.EcosystemNPM, PURL: purl, Licenses: licenses}
}

func summary(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		s := p.Name + "@" + p.Version
		if len(p.Licenses) > 0 {
			s += " [" + strings.Join(p.Licenses, " ") + "]"
		}
		out = append(out, s)
	}
	return out
}

// runSyft scans dir with syft's default catalogers for mode ("image" or
// "directory") and returns the packages of type typ as sorted
// lines of name, version, type, path, PURL and licenses, one per location.
func runSyft(t *testing.T, dir, mode, typ string) []string {
	t.Helper()
	var lines []string
	for _, a := range catalogtest.Syft(t, dir, mode) {
		if a.Type != typ {
			continue
		}
		for _, path := range a.PrimaryPaths() {
			lines = append(lines, syftLine(a.Name, a.Version, a.Type, path, a.PURL, a.Licenses))
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

func syftLine(name, version, typ, path, purl string, licenses []string) string {
	if u, err := url.PathUnescape(purl); err == nil {
		purl = u
	}
	licenses = slices.Sorted(slices.Values(licenses))
	return strings.Join([]string{name, version, typ, path, purl, "[" + strings.Join(licenses, ", ") + "]"}, " ")
}
