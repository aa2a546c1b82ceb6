package nswg

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParse checks real advisories (testdata/README.md says where each
// comes from) field by field.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		path string
		want vulndb.Advisory
	}{
		{
			path: "testdata/vuln/npm/493.json",
			want: vulndb.Advisory{
				ID:         "NSWG-ECO-493",
				Aliases:    []string{"CVE-2018-16487"},
				Summary:    "Denial of Service",
				Details:    "Prototype pollution attack (lodash / constructor.prototype)\n\nRecommendation: Update lodash module to version >=4.17.11",
				Published:  day("2018-10-30"),
				Modified:   day("2019-01-03"),
				Severity:   []vulndb.Severity{{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N", Source: Source}},
				References: []string{"https://hackerone.com/reports/380873"},
				Affected: []vulndb.Affected{{
					Namespace:    "npm",
					Package:      "lodash",
					Scheme:       version.Semver,
					NativeRanges: []string{"<4.17.11"},
					Unaffected:   []string{">=4.17.11"},
					Status:       vulndb.StatusFixed,
				}},
			},
		},
		{
			path: "testdata/vuln/npm/360.json",
			want: vulndb.Advisory{
				ID:         "NSWG-ECO-360",
				Summary:    "Directory Traversal",
				Details:    "A crafted GET request can be leveraged to traverse the directory structure of a host using the augustine web server package, and request arbitrary files outside of the specified web root.",
				Published:  day("2018-01-23"),
				Modified:   day("2018-01-23"),
				References: []string{"https://hackerone.com/reports/296282"},
				Affected: []vulndb.Affected{{
					Namespace:    "npm",
					Package:      "augustine",
					Scheme:       version.Semver,
					NativeRanges: []string{"<=0.2.3"},
					Status:       vulndb.StatusAffected,
				}},
			},
		},
		{
			path: "testdata/vuln/core/40.json",
			want: vulndb.Advisory{
				ID:      "NSWG-COR-40",
				Aliases: []string{"CVE-2015-7384"},
				Summary: "out-of-order 'finish' event bug in pipelining can abort execution",
				Severity: []vulndb.Severity{
					{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", Source: Source},
					{Type: vulndb.SeverityVendor, Score: "high", Source: Source},
				},
				References: []string{"https://github.com/nodejs/node/pull/3128"},
				Affected: []vulndb.Affected{{
					Namespace:    "nodejs-core",
					Package:      "node",
					Scheme:       version.Semver,
					NativeRanges: []string{"4.x"},
					Unaffected:   []string{"^4.1.2"},
					Status:       vulndb.StatusFixed,
				}},
			},
		},
	} {
		t.Run(tc.path, func(t *testing.T) {
			b, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !(Format{}).Match(tc.path, b[:min(len(b), feed.HeadLen)]) {
				t.Errorf("Match(%q) = false, want true", tc.path)
			}
			got, err := Format{}.Parse(context.Background(), tc.path, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source = Source
			tc.want.Origin = tc.path
			if diff := cmp.Diff([]vulndb.Advisory{tc.want}, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, path, in, want string }{
		{"not json", "vuln/npm/1.json", `{"id": 1,`, "decoding"},
		{"neither", "vuln/npm/1.json", `{"id": 1}`, "neither"},
		{"bad range", "vuln/npm/1.json", `{"id": 1, "module_name": "a", "vulnerable_versions": ">=1.0.0 <<2"}`, "vulnerable versions"},
		{"bad patched", "vuln/npm/1.json", `{"id": 1, "module_name": "a", "vulnerable_versions": "<1", "patched_versions": "next release"}`, "patched versions"},
		{"no range", "vuln/npm/1.json", `{"id": 1, "module_name": "a"}`, "no vulnerable"},
		{"bad date", "vuln/npm/1.json", `{"id": 1, "module_name": "a", "vulnerable_versions": "<1", "updated_at": "soon"}`, "updated_at"},
		{"bad id", "vuln/npm/1.json", `{"id": "x", "module_name": "a", "vulnerable_versions": "<1"}`, "decoding"},
		{"core name", "vuln/core/latest.json", `{"vulnerable": "4.x", "patched": "^4.1.2"}`, "not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Format{}.Parse(context.Background(), tc.path, strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("Parse error = %v, want one naming %s and containing %q", err, tc.path, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		path, head string
		want       bool
	}{
		{"vuln/npm/1.json", `{"id": 1, "module_name": "bassmaster", "cves": [], "vulnerable_versions": "<=1.5.1"`, true},
		{"1.json", `{"id": 1, "module_name": "bassmaster", "cves": []`, true},
		{"vuln/core/25.json", `{"cve": [], "vulnerable": "5.x || 4.x || 6.x", "patched": "^5.12.0"`, true},
		{"vuln/npm/index.json", `{"1":{"id":1,"module_name":"bassmaster","cves":[]`, false},
		{"vuln/deps/1.json", `{"cve": ["CVE-2023-45853"], "description": "MiniZip", "reason": "vulnerable_code_not_present"}`, false},
		{"GO-2020-0001.json", `{"id": "GO-2020-0001", "modified": "0001-01-01T00:00:00Z", "affected": [`, false},
		{"vuln/npm/1.yaml", `{"id": 1, "module_name": "bassmaster", "cves": []`, false},
	} {
		if got := (Format{}).Match(tc.path, []byte(tc.head)); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.path, tc.head, got, tc.want)
		}
	}
}

// TestSharedData parses every advisory of the shared copy of the WG's
// repository (468 npm files and 172 core files, each folder's counts
// including its index.json; 7 deps files) and claims nothing else of the
// shared data.
func TestSharedData(t *testing.T) {
	root := shareddata.Path(t, ".")
	byID := map[string]vulndb.Advisory{}
	for _, tc := range []struct {
		dir  string
		want int
	}{
		{"advisories/nodejs-security-wg/vuln/npm", 467},
		{"advisories/nodejs-security-wg/vuln/core", 171},
		{"advisories/nodejs-security-wg/vuln/deps", 0},
		{"advisories/rubysec", 0},
		{"osv", 0},
		{"distro", 0},
		{"lockfiles", 0},
	} {
		claimed := 0
		err := filepath.WalkDir(shareddata.Path(t, tc.dir), func(p string, d fs.DirEntry, err error) error {
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
			advs, err := Format{}.Parse(context.Background(), rel, io.MultiReader(bytes.NewReader(head[:n]), f))
			if err != nil {
				t.Errorf("%v", err)
				return nil
			}
			for _, a := range advs {
				if _, dup := byID[a.ID]; dup {
					t.Errorf("%s: id %s parsed twice", rel, a.ID)
				}
				byID[a.ID] = a
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d files claimed", tc.dir, claimed)
		if claimed != tc.want {
			t.Errorf("%s: claimed %d files, want %d", tc.dir, claimed, tc.want)
		}
	}
	if len(byID) != 467+171 {
		t.Errorf("%d advisories, want %d", len(byID), 467+171)
	}

	// The lodash advisories: prototype pollution fixed in 4.17.5,
	// 4.17.11 and 4.17.19.
	for _, tc := range []struct {
		id, vulnerable, patched string
		aliases                 []string
	}{
		{"NSWG-ECO-368", "<4.17.5", ">=4.17.5", []string{"CVE-2018-3721"}},
		{"NSWG-ECO-493", "<4.17.11", ">=4.17.11", []string{"CVE-2018-16487"}},
		{"NSWG-ECO-516", ">=4.17.15 <4.17.19", ">=4.17.19", nil},
	} {
		a := byID[tc.id]
		want := vulndb.Affected{
			Namespace: "npm", Package: "lodash", Scheme: version.Semver,
			NativeRanges: []string{tc.vulnerable}, Unaffected: []string{tc.patched}, Status: vulndb.StatusFixed,
		}
		if diff := cmp.Diff([]vulndb.Affected{want}, a.Affected); diff != "" {
			t.Errorf("%s affected (-want +got):\n%s", tc.id, diff)
		}
		if diff := cmp.Diff(tc.aliases, a.Aliases); diff != "" {
			t.Errorf("%s aliases (-want +got):\n%s", tc.id, diff)
		}
	}
	// The ranges mean what they say: 4.17.10 is affected by NSWG-ECO-493,
	// 4.17.11 is not.
	a := byID["NSWG-ECO-493"].Affected[0]
	vulnerable, err := version.ParseSemverRange(a.NativeRanges[0])
	if err != nil {
		t.Fatal(err)
	}
	patched, err := version.ParseSemverRange(a.Unaffected[0])
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{"4.17.10": true, "4.17.11": false, "3.10.1": true} {
		if got := vulnerable.Contains(v) && !patched.Contains(v); got != want {
			t.Errorf("lodash %s affected by NSWG-ECO-493 = %v, want %v", v, got, want)
		}
	}
	// No fix: patched_versions "<0.0.0" or null.
	statuses := map[vulndb.Status]int{}
	for _, a := range byID {
		statuses[a.Affected[0].Status]++
	}
	t.Logf("statuses: %v", statuses)
	if statuses[vulndb.StatusAffected] < 137+55 {
		t.Errorf("%d advisories without a fix, want at least %d", statuses[vulndb.StatusAffected], 137+55)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/vuln/npm/493.json", "testdata/vuln/npm/360.json", "testdata/vuln/core/40.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Format{}.Match("vuln/npm/1.json", b)
		for _, p := range []string{"vuln/npm/1.json", "vuln/core/2.json"} {
			advs, err := Format{}.Parse(context.Background(), p, bytes.NewReader(b))
			if err != nil {
				continue
			}
			if len(advs) != 1 || advs[0].ID == "" || len(advs[0].Affected) != 1 || len(advs[0].Affected[0].NativeRanges) != 1 {
				t.Errorf("Parse(%s) = %+v", p, advs)
			}
		}
	})
}
