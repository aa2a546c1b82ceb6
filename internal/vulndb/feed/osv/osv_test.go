package osv

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func parseFile(t *testing.T, p string) []vulndb.Advisory {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	head := b[:min(len(b), feed.HeadLen)]
	if !(Format{}).Match(p, head) {
		t.Errorf("Match(%q) = false, want true", p)
	}
	got, err := Format{}.Parse(context.Background(), p, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestParse checks real records (testdata/README.md says where each
// comes from) field by field.
func TestParse(t *testing.T) {
	withdrawn := date("2024-11-22T04:37:03Z")
	for _, tc := range []struct {
		path string
		want vulndb.Advisory
	}{
		{
			path: "testdata/osv/go/GO-2020-0001.json",
			want: vulndb.Advisory{
				ID:        "GO-2020-0001",
				Aliases:   []string{"CVE-2020-36567", "GHSA-6vm3-jj99-7229"},
				Summary:   "Arbitrary log line injection in github.com/gin-gonic/gin",
				Details:   "The default Formatter for the Logger middleware (LoggerConfig.Formatter), which is included in the Default engine, allows attackers to inject arbitrary log entries by manipulating the request path.",
				Published: date("2021-04-14T20:04:52Z"),
				References: []string{
					"https://github.com/gin-gonic/gin/pull/2237",
					"https://github.com/gin-gonic/gin/commit/a71af9c144f9579f6dbe945341c1df37aaf09c0d",
				},
				Affected: []vulndb.Affected{{
					Namespace: "go",
					Package:   "github.com/gin-gonic/gin",
					Scheme:    version.Go,
					Ranges:    []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "1.6.0"}}}},
					Status:    vulndb.StatusFixed,
					Symbols: []string{
						"github.com/gin-gonic/gin.Default",
						"github.com/gin-gonic/gin.Logger",
						"github.com/gin-gonic/gin.LoggerWithConfig",
						"github.com/gin-gonic/gin.LoggerWithFormatter",
						"github.com/gin-gonic/gin.LoggerWithWriter",
					},
				}},
			},
		},
		{
			path: "testdata/osv/go/GO-2023-2044.json",
			want: vulndb.Advisory{
				ID:      "GO-2023-2044",
				Aliases: []string{"CVE-2023-39321"},
				Summary: "Panic when processing post-handshake message on QUIC connections in crypto/tls",
				Details: "Processing an incomplete post-handshake message for a QUIC connection can cause a panic.",
				References: []string{
					"https://go.dev/issue/62266",
					"https://go.dev/cl/523039",
					"https://groups.google.com/g/golang-dev/c/2C5vbR-UNkI/m/L1hdrPhfBAAJ",
				},
				Affected: []vulndb.Affected{{
					Namespace: "go",
					Package:   "stdlib",
					Scheme:    version.Go,
					Ranges:    []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "1.21.0-0"}, {Fixed: "1.21.1"}}}},
					Status:    vulndb.StatusFixed,
					Symbols:   []string{"crypto/tls.QUICConn.HandleData"},
				}},
			},
		},
		{
			path: "testdata/osv/pypi/vulns/diplib/PYSEC-2022-43131.yaml",
			want: vulndb.Advisory{
				ID:        "PYSEC-2022-43131",
				Aliases:   []string{"CVE-2021-39432", "GHSA-xf2w-5673-h6ww"},
				Details:   "diplib v3.0.0 is vulnerable to Double Free.",
				Published: date("2022-11-04T17:15:00Z"),
				Modified:  date("2026-06-27T22:08:05.023779Z"),
				Withdrawn: &withdrawn,
				Severity:  []vulndb.Severity{{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Source: "pysec"}},
				References: []string{
					"https://github.com/DIPlib/diplib/commit/8b9a2670ce66ff2fd5addf592f7825e1f5adb5b5",
					"https://github.com/DIPlib/diplib/issues/80",
					"https://github.com/advisories/GHSA-xf2w-5673-h6ww",
				},
				Affected: []vulndb.Affected{{
					Namespace: "pypi",
					Package:   "diplib",
					Scheme:    version.PEP440,
					Ranges: []vulndb.Range{
						{Type: "GIT", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "8b9a2670ce66ff2fd5addf592f7825e1f5adb5b5"}}},
						{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}},
					},
					Versions: []string{
						"3.0.0", "3.0b5", "3.0b6", "3.0b7", "3.0b8", "3.0b9", "3.1.0", "3.1rc1", "3.2.0", "3.3.0",
						"3.4.0", "3.4.1", "3.4.2", "3.4.3", "3.5.0", "3.5.1", "3.5.2", "3.6.0", "3.6.1",
					},
					Status: vulndb.StatusFixed,
				}},
			},
		},
		{
			path: "testdata/osv/crates.io/crates/RUSTSEC-2016-0001.json",
			want: vulndb.Advisory{
				ID:        "RUSTSEC-2016-0001",
				Aliases:   []string{"CVE-2016-10931", "GHSA-34p9-f4q3-c4r7"},
				Summary:   "SSL/TLS MitM vulnerability due to insecure defaults",
				Details:   "All versions of rust-openssl prior to 0.9.0 contained numerous insecure defaults\nincluding off-by-default certificate verification and no API to perform hostname\nverification.\n\nUnless configured correctly by a developer, these defaults could allow an attacker\nto perform man-in-the-middle attacks.\n\nThe problem was addressed in newer versions by enabling certificate verification\nby default and exposing APIs to perform hostname verification. Use the\n`SslConnector` and `SslAcceptor` types to take advantage of these new features\n(as opposed to the lower-level `SslContext` type).",
				Published: date("2016-11-05T12:00:00Z"),
				Modified:  date("2023-06-13T13:10:24Z"),
				// The package's database_specific.cvss repeats this one.
				Severity: []vulndb.Severity{{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Source: "rustsec"}},
				References: []string{
					"https://crates.io/crates/openssl",
					"https://rustsec.org/advisories/RUSTSEC-2016-0001.html",
					"https://github.com/sfackler/rust-openssl/releases/tag/v0.9.0",
				},
				Affected: []vulndb.Affected{{
					Namespace: "crates.io",
					Package:   "openssl",
					Scheme:    version.Semver,
					Ranges:    []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0.0.0-0"}, {Fixed: "0.9.0"}}}},
					Status:    vulndb.StatusFixed,
				}},
			},
		},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			tc.want.Source = Source
			tc.want.Origin = tc.path
			got := parseFile(t, tc.path)
			if diff := cmp.Diff([]vulndb.Advisory{tc.want}, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseParts checks the fields of real records that the full table
// above does not show.
func TestParseParts(t *testing.T) {
	django := parseFile(t, "testdata/osv/pypi/vulns/django/PYSEC-2007-1.yaml")[0]
	if diff := cmp.Diff([]string{"1.0.1", "1.0.2", "1.0.3", "1.0.4"}, django.Affected[0].Versions); diff != "" {
		t.Errorf("PYSEC-2007-1 versions (-want +got):\n%s", diff)
	}
	if got := len(django.References); got != 13 {
		t.Errorf("PYSEC-2007-1 has %d references, want 13", got)
	}

	lodash := parseFile(t, "testdata/osv/npm-ghsa-sample/GHSA-35jh-r3h4-6jhm.json")[0]
	wantSev := []vulndb.Severity{
		{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", Source: "ghsa"},
		{Type: vulndb.SeverityVendor, Score: "HIGH", Source: "ghsa"},
	}
	if diff := cmp.Diff(wantSev, lodash.Severity); diff != "" {
		t.Errorf("GHSA-35jh-r3h4-6jhm severity (-want +got):\n%s", diff)
	}
	var pkgs []string
	for _, a := range lodash.Affected {
		pkgs = append(pkgs, a.Namespace+"/"+a.Package+" "+a.Ranges[0].Events[1].Fixed)
	}
	if diff := cmp.Diff([]string{"npm/lodash 4.17.21", "npm/lodash-es 4.17.21"}, pkgs); diff != "" {
		t.Errorf("GHSA-35jh-r3h4-6jhm affected (-want +got):\n%s", diff)
	}
}

func TestEcosystem(t *testing.T) {
	for _, tc := range []struct {
		in     string
		ns     string
		scheme version.Scheme
	}{
		{"Go", "go", version.Go},
		{"npm", "npm", version.Semver},
		{"PyPI", "pypi", version.PEP440},
		{"crates.io", "crates.io", version.Semver},
		{"Maven", "maven", version.Maven},
		{"RubyGems", "rubygems", version.Gem},
		{"Packagist", "packagist", version.Maven},
		{"NuGet", "nuget", version.Semver},
		{"Debian:12", "debian:12", version.Dpkg},
		{"Debian", "debian", version.Dpkg},
		{"Alpine:v3.16", "alpine:3.16", version.APK},
		{"Ubuntu:22.04:LTS", "ubuntu:22.04", version.Dpkg},
		{"Ubuntu:24.10", "ubuntu:24.10", version.Dpkg},
		{"Ubuntu:Pro:18.04:LTS", "ubuntu-pro:18.04", version.Dpkg},
		{"Hex", "hex", ""},
		{"Rocky Linux:9", "rocky linux:9", ""},
	} {
		ns, scheme := ecosystem(tc.in)
		if ns != tc.ns || scheme != tc.scheme {
			t.Errorf("ecosystem(%q) = %q, %q; want %q, %q", tc.in, ns, scheme, tc.ns, tc.scheme)
		}
	}
}

// TestParseForms checks forms the real data does not hold: arrays,
// upstream, other severity sources, limit events, errors.
func TestParseForms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []vulndb.Advisory
		wantErr string
	}{
		{
			name: "json array, upstream, affected severity, limit",
			in: `[{"id":"DEBIAN-CVE-2024-1","modified":"2024-01-02T03:04:05Z","upstream":["CVE-2024-1"],
				"severity":[{"type":"Ubuntu","score":"medium"}],
				"affected":[{"package":{"ecosystem":"Debian:12","name":"curl"},
					"severity":[{"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
					"ecosystem_specific":{"severity":{"odd":"object"},"imports":"not a list"},
					"database_specific":{"severity":"low"},
					"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"7.88.1-10"},{"limit":"8"}]},
					          {"type":"WEIRD","events":[{"introduced":"0"}]}]},
					{"ranges":[{"type":"GIT","repo":"https://x","events":[{"introduced":"0"}]}]}]},
			 {"id":"GHSA-aaaa-bbbb-cccc","affected":[{"package":{"ecosystem":"Packagist","name":"Symfony/HTTP-Kernel"}}]}]`,
			want: []vulndb.Advisory{
				{
					ID: "DEBIAN-CVE-2024-1", Aliases: []string{"CVE-2024-1"},
					Modified: date("2024-01-02T03:04:05Z"),
					Severity: []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: "medium", Source: "ubuntu"}},
					Affected: []vulndb.Affected{{
						Namespace: "debian:12", Package: "curl", Scheme: version.Dpkg,
						Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {LastAffected: "7.88.1-10"}, {Limit: "8"}}}},
						Status: vulndb.StatusAffected,
						Severity: []vulndb.Severity{
							{Type: vulndb.SeverityCVSSv2, Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P", Source: "debian"},
							{Type: vulndb.SeverityVendor, Score: "low", Source: "debian"},
						},
					}},
					Source: Source, Origin: "all.json",
				},
				{
					ID: "GHSA-aaaa-bbbb-cccc",
					Affected: []vulndb.Affected{{
						Namespace: "packagist", Package: "symfony/http-kernel", Scheme: version.Maven, Status: vulndb.StatusAffected,
					}},
					Source: Source, Origin: "all.json",
				},
			},
		},
		{
			// Unquoted YAML floats and timestamps keep their text.
			name: "yaml plain scalars",
			in:   "id: PYSEC-1\nmodified: 2026-02-25T19:20:58Z\naffected:\n- package: {name: Foo_Bar, ecosystem: PyPI}\n  versions: [1.10, 2.0, 3]\n",
			want: []vulndb.Advisory{{
				ID: "PYSEC-1", Modified: date("2026-02-25T19:20:58Z"),
				Affected: []vulndb.Affected{{
					Namespace: "pypi", Package: "foo-bar", Scheme: version.PEP440,
					Versions: []string{"1.10", "2.0", "3"}, Status: vulndb.StatusAffected,
				}},
				Source: Source, Origin: "all.json",
			}},
		},
		{name: "no id", in: `{"affected":[]}`, wantErr: "no id"},
		{name: "bad time", in: `{"id":"X-1","modified":"yesterday"}`, wantErr: "modified"},
		{name: "not json", in: `{"id":`, wantErr: "decoding"},
		{name: "yaml scalar", in: `just words`, wantErr: "neither"},
		{name: "wrong type", in: `{"id":"X-1","affected":{"package":1}}`, wantErr: "decoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Format{}.Parse(context.Background(), "all.json", strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "all.json") {
					t.Fatalf("Parse error = %v, want one naming all.json and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		path string
		head string
		want bool
	}{
		{"GO-2020-0001.json", `{"schema_version": "1.3.1", "id": "GO-2020-0001", "modified": "0001-01-01T00:00:00Z"`, true},
		{"a/RUSTSEC-2016-0001.json", `{"id": "RUSTSEC-2016-0001", "modified": "2023-06-13T13:10:24Z"`, true},
		{"all.json", `[{"id":"DEBIAN-CVE-2024-1","affected":[]}]`, true},
		{"vulns/x/PYSEC-1.yaml", "id: PYSEC-2007-1\ndetails: x\n", true},
		{"vulns/x/PYSEC-1.yml", "affected:\n- package:\n    ecosystem: PyPI\n    name: diplib\n", true},
		// Node.js Security WG: numeric id.
		{"vuln/npm/1.json", `{"id": 1, "created_at": "2015-10-17", "module_name": "bassmaster"}`, false},
		// RubySec: no id.
		{"gems/rack/CVE-2013-0263.yml", "---\ngem: rack\ncve: 2013-0263\nurl: x\n", false},
		// A workflow file.
		{".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  affected:\n    runs-on: ubuntu\n", false},
		{"package.json", `{"name": "x", "id": "some-thing", "version": "1.0.0"}`, false},
		{"GO-2020-0001.txt", `{"id": "GO-2020-0001", "modified": "x"}`, false},
	} {
		if got := (Format{}).Match(tc.path, []byte(tc.head)); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.path, tc.head, got, tc.want)
		}
	}
}

// walk offers every file under dir (a folder of the shared data) to
// Match, as the builder would with the shared data folder as the source,
// and parses the files it claims.
func walk(t *testing.T, dir string) (claimed, records int, errs []string, advs []vulndb.Advisory) {
	t.Helper()
	root := shareddata.Path(t, ".")
	err := filepath.WalkDir(shareddata.Path(t, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		head := make([]byte, feed.HeadLen)
		n, _ := io.ReadFull(f, head)
		if !(Format{}).Match(rel, head[:n]) {
			return nil
		}
		claimed++
		got, err := Format{}.Parse(context.Background(), rel, io.MultiReader(bytes.NewReader(head[:n]), f))
		if err != nil {
			errs = append(errs, err.Error())
			return nil
		}
		records += len(got)
		advs = append(advs, got...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return claimed, records, errs, advs
}

// TestSharedData parses every OSV record of the shared data (counts from
// its README.md) and claims no other file there.
func TestSharedData(t *testing.T) {
	byID := map[string]vulndb.Advisory{}
	for _, tc := range []struct {
		dir  string
		want int
	}{
		{"osv/go", 4789},
		{"osv/pypi", 7080},
		{"osv/crates.io", 1206},
		{"osv/npm-ghsa-sample", 7},
		{"advisories", 0},
		{"distro", 0},
		{"lockfiles", 0},
	} {
		claimed, records, errs, advs := walk(t, tc.dir)
		t.Logf("%s: %d files claimed, %d records", tc.dir, claimed, records)
		if claimed != tc.want || records != tc.want {
			t.Errorf("%s: claimed %d files with %d records, want %d", tc.dir, claimed, records, tc.want)
		}
		for _, e := range errs {
			t.Errorf("%s: %s", tc.dir, e)
		}
		for _, a := range advs {
			if _, dup := byID[a.ID]; dup {
				t.Errorf("%s: id %s parsed twice", tc.dir, a.ID)
			}
			byID[a.ID] = a
		}
	}

	for _, tc := range []struct {
		id, ns, pkg string
		scheme      version.Scheme
		fixed       string
	}{
		{"GO-2020-0001", "go", "github.com/gin-gonic/gin", version.Go, "1.6.0"},
		{"GO-2025-3383", "go", "toolchain", version.Go, "1.24.0-rc.2"},
		{"PYSEC-2020-341", "pypi", "jw-util", version.PEP440, "2.3"}, // published as "jw.util"
		{"RUSTSEC-2016-0001", "crates.io", "openssl", version.Semver, "0.9.0"},
		{"GHSA-r683-j2x4-v87g", "npm", "node-fetch", version.Semver, "2.6.7"},
	} {
		a, ok := byID[tc.id]
		if !ok {
			t.Errorf("%s not parsed", tc.id)
			continue
		}
		// Every affected entry must be this package; their fixed
		// versions are pooled (node-fetch has two entries).
		var fixed []string
		for _, af := range a.Affected {
			got := []string{af.Namespace, af.Package, string(af.Scheme), string(af.Status)}
			if diff := cmp.Diff([]string{tc.ns, tc.pkg, string(tc.scheme), "fixed"}, got); diff != "" {
				t.Errorf("%s affected (-want +got):\n%s", tc.id, diff)
			}
			for _, r := range af.Ranges {
				for _, e := range r.Events {
					if e.Fixed != "" {
						fixed = append(fixed, e.Fixed)
					}
				}
			}
		}
		if !slices.Contains(fixed, tc.fixed) {
			t.Errorf("%s fixed = %q, want %q among them", tc.id, fixed, tc.fixed)
		}
	}

	withdrawn := 0
	for _, a := range byID {
		if a.Withdrawn != nil {
			withdrawn++
		}
	}
	// 300 records of the shared data carry "withdrawn" (counted with jq).
	if withdrawn != 300 {
		t.Errorf("%d withdrawn records, want 300", withdrawn)
	}
	if w := byID["GO-2022-0617"].Withdrawn; w == nil || !w.Equal(date("2024-08-21T16:25:56Z")) {
		t.Errorf("GO-2022-0617 withdrawn = %v", w)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{
		"testdata/osv/go/GO-2020-0001.json",
		"testdata/osv/pypi/vulns/diplib/PYSEC-2022-43131.yaml",
		"testdata/osv/crates.io/crates/RUSTSEC-2016-0001.json",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"id":"A-1","affected":[{"package":{"name":"x","ecosystem":"Ubuntu:Pro:"}}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		Format{}.Match("x.json", b)
		Format{}.Match("x.yaml", b)
		advs, err := Format{}.Parse(context.Background(), "x", bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, a := range advs {
			if a.ID == "" || a.Source != Source {
				t.Errorf("advisory without id or source: %+v", a)
			}
		}
	})
}
