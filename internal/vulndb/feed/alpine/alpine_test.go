package alpine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

var update = flag.Bool("update", false, "rewrite golden files")

// parseFile runs Match and Parse on one file as a builder would: it fails
// the test on an unusable file and returns the skipped-entry messages.
func parseFile(t *testing.T, path string) ([]vulndb.Advisory, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head := data[:min(len(data), feed.HeadLen)]
	if !(Format{}).Match(filepath.ToSlash(path), head) {
		t.Errorf("Match(%q) = false", path)
	}
	advs, err := Format{}.Parse(context.Background(), path, bytes.NewReader(data))
	var w *feed.Warnings
	switch {
	case errors.As(err, &w):
		if w.Path != path {
			t.Errorf("Warnings.Path = %q, want %q", w.Path, path)
		}
		return advs, w.Skipped
	case err != nil:
		t.Fatalf("Parse(%q): %v", path, err)
	}
	return advs, nil
}

// TestRealData parses every file of the three real secdb folders. The
// counts were checked against an independent Python reading of the same
// files; the warnings are every real entry that names no usable id.
func TestRealData(t *testing.T) {
	type summary struct {
		Files, Advisories, Affected, NotAffected, WithAliases int
		Warnings                                              []string
	}
	tests := []struct {
		dir, ext string
		want     summary
	}{
		{"distro/alpine-secdb", ".json", summary{
			Files: 41, Advisories: 74257, Affected: 85009, NotAffected: 553, WithAliases: 3821,
			Warnings: []string{
				`alpine/edge/main.json: package "linux-lts" version "6.6.13-r1": no id in "CVE-46838"`,
				`alpine/v3.19/main.json: package "linux-lts" version "6.6.13-r0": no id in "CVE-46838"`,
				`alpine/v3.20/main.json: package "linux-lts" version "6.6.13-r1": no id in "CVE-46838"`,
				`alpine/v3.21/main.json: package "linux-lts" version "6.6.13-r1": no id in "CVE-46838"`,
			},
		}},
		{"distro/alpine-secdb-2024-04-01", ".json", summary{
			Files: 37, Advisories: 60126, Affected: 67899, NotAffected: 402, WithAliases: 3195,
			Warnings: []string{
				`alpine/edge/main.json: package "linux-lts" version "6.6.13-r1": no id in "CVE-46838"`,
				`alpine/v3.19/main.json: package "linux-lts" version "6.6.13-r0": no id in "CVE-46838"`,
			},
		}},
		{"distro/alpine-secdb-legacy-yaml", ".yaml", summary{
			Files: 18, Advisories: 11454, Affected: 11881, NotAffected: 5, WithAliases: 818,
			Warnings: []string{
				`v3.6/main.yaml: package "heimdal" version "7.4.0-r0": no ids`,
			},
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			root := shareddata.Path(t, tt.dir)
			var got summary
			err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Ext(p) != tt.ext {
					return err
				}
				got.Files++
				advs, warns := parseFile(t, p)
				rel, _ := filepath.Rel(root, p)
				for _, w := range warns {
					got.Warnings = append(got.Warnings, filepath.ToSlash(rel)+": "+w)
				}
				got.Advisories += len(advs)
				for _, a := range advs {
					checkAdvisory(t, rel, a)
					got.Affected += len(a.Affected)
					if len(a.Aliases) > 0 {
						got.WithAliases++
					}
					for _, af := range a.Affected {
						if af.Status == vulndb.StatusNotAffected {
							got.NotAffected++
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// checkAdvisory checks the invariants of every advisory the feed returns.
func checkAdvisory(t *testing.T, file string, a vulndb.Advisory) {
	t.Helper()
	if a.ID == "" || a.Source != Source || len(a.Affected) == 0 {
		t.Errorf("%s: incomplete advisory %+v", file, a)
	}
	for _, af := range a.Affected {
		if !strings.HasPrefix(af.Namespace, "alpine:") || af.Package == "" || af.Scheme != version.APK {
			t.Errorf("%s %s: bad affected %+v", file, a.ID, af)
		}
		switch af.Status {
		case vulndb.StatusNotAffected:
			if len(af.Ranges) != 0 {
				t.Errorf("%s %s: not-affected with ranges %+v", file, a.ID, af)
			}
		case vulndb.StatusFixed:
			if len(af.Ranges) != 1 || len(af.Ranges[0].Events) != 2 || af.Ranges[0].Events[1].Fixed == "" {
				t.Errorf("%s %s: fixed without a fixed event %+v", file, a.ID, af)
			} else if _, err := version.ParseAPK(af.Ranges[0].Events[1].Fixed); err != nil {
				t.Errorf("%s %s: %v", file, a.ID, err)
			}
		default:
			t.Errorf("%s %s: status %q", file, a.ID, af.Status)
		}
	}
}

func fixed(ns, pkg, v string) vulndb.Affected {
	return vulndb.Affected{
		Namespace: ns, Package: pkg, Scheme: version.APK, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}},
	}
}

func notAffected(ns, pkg string) vulndb.Affected {
	return vulndb.Affected{Namespace: ns, Package: pkg, Scheme: version.APK, Status: vulndb.StatusNotAffected}
}

// TestKnownEntries checks entries looked up by hand in the real files.
func TestKnownEntries(t *testing.T) {
	tests := []struct {
		file    string
		id      string
		aliases []string
		want    []vulndb.Affected
	}{
		// v3.10/main.json: musl {"1.1.15-r4": ["CVE-2016-8859"], "1.1.22-r3":
		// ["CVE-2019-14697"], "1.1.22-r4": ["CVE-2020-28928"]}
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2016-8859", nil, []vulndb.Affected{fixed("alpine:3.10", "musl", "1.1.15-r4")}},
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2019-14697", nil, []vulndb.Affected{fixed("alpine:3.10", "musl", "1.1.22-r3")}},
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2020-28928", nil, []vulndb.Affected{fixed("alpine:3.10", "musl", "1.1.22-r4")}},
		// openssl "1.1.1k-r0": ["CVE-2021-3449", "CVE-2021-3450"]
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2021-3449", nil, []vulndb.Affected{fixed("alpine:3.10", "openssl", "1.1.1k-r0")}},
		// xen "4.10.0-r2": ["CVE-2018-7540 XSA-252", …] and "4.10.0-r1": ["XSA-248", …]
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2018-7540", []string{"XSA-252"}, []vulndb.Affected{fixed("alpine:3.10", "xen", "4.10.0-r2")}},
		{"distro/alpine-secdb/alpine/v3.10/main.json", "XSA-248", nil, []vulndb.Affected{fixed("alpine:3.10", "xen", "4.10.0-r1")}},
		// tcpdump "4.9.3-r0": [… "CVE-2018-14461 (LDP)" …]
		{"distro/alpine-secdb/alpine/v3.10/main.json", "CVE-2018-14461", nil, []vulndb.Affected{fixed("alpine:3.10", "tcpdump", "4.9.3-r0")}},
		// v3.16/main.json: cifs-utils "0": ["CVE-2020-14342"]
		{"distro/alpine-secdb/alpine/v3.16/main.json", "CVE-2020-14342", nil, []vulndb.Affected{notAffected("alpine:3.16", "cifs-utils")}},
		// edge/main.json: the namespace of edge.
		{"distro/alpine-secdb/alpine/edge/main.json", "CVE-2016-8859", nil, []vulndb.Affected{fixed("alpine:edge", "musl", "1.1.15-r4")}},
		// legacy v3.10/main.yaml: musl 1.1.22-r3: [CVE-2019-14697]; rsync
		// 3.1.2-r7: [CVE-2017-17434-1, CVE-2017-17434-2].
		{"distro/alpine-secdb-legacy-yaml/v3.10/main.yaml", "CVE-2019-14697", nil, []vulndb.Affected{fixed("alpine:3.10", "musl", "1.1.22-r3")}},
		{"distro/alpine-secdb-legacy-yaml/v3.10/main.yaml", "CVE-2017-17434", nil, []vulndb.Affected{fixed("alpine:3.10", "rsync", "3.1.2-r7")}},
		// legacy v3.10/community.yaml spells "CVE_2019-2426": read as CVE-2019-2426.
		{"distro/alpine-secdb-legacy-yaml/v3.10/community.yaml", "CVE-2019-2426", nil, nil},
	}
	cache := map[string][]vulndb.Advisory{}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			path := shareddata.Path(t, tt.file)
			advs, ok := cache[path]
			if !ok {
				advs, _ = parseFile(t, path)
				cache[path] = advs
			}
			var got *vulndb.Advisory
			for i := range advs {
				if advs[i].ID == tt.id {
					got = &advs[i]
				}
			}
			if got == nil {
				t.Fatalf("%s: no advisory %s", tt.file, tt.id)
			}
			if diff := cmp.Diff(tt.aliases, got.Aliases); diff != "" {
				t.Errorf("aliases (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			if diff := cmp.Diff(tt.want, got.Affected); diff != "" {
				t.Errorf("affected (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGolden parses excerpts of real files (selected packages of
// alpine-secdb v3.16/main.json and of the legacy v3.10/main.yaml, verbatim).
func TestGolden(t *testing.T) {
	for _, name := range []string{"testdata/v3.16/main.json", "testdata/v3.10/main.yaml"} {
		t.Run(name, func(t *testing.T) {
			advs, warns := parseFile(t, name)
			if len(warns) != 0 {
				t.Errorf("warnings: %q", warns)
			}
			golden(t, name+".golden.json", advs)
		})
	}
}

func golden(t *testing.T, path string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestParseCases covers entries the real files hold rarely or not at all,
// in the documented secdb format (not real data).
func TestParseCases(t *testing.T) {
	const ns = "alpine:3.16"
	tests := []struct {
		name     string
		doc      string
		want     []vulndb.Advisory
		warnings []string
	}{
		{
			name: "trailing space in version, two CVEs in one string",
			doc: `{"distroversion":"v3.16","packages":[{"pkg":{"name":"openssl","secfixes":{
				"3.0.7-r0 ":["CVE-2022-3602 CVE-2022-3786"],"0":["CVE-2022-0778"]}}}]}`,
			want: []vulndb.Advisory{
				{ID: "CVE-2022-0778", Affected: []vulndb.Affected{notAffected(ns, "openssl")}},
				{ID: "CVE-2022-3602", Affected: []vulndb.Affected{fixed(ns, "openssl", "3.0.7-r0")}},
				{ID: "CVE-2022-3786", Affected: []vulndb.Affected{fixed(ns, "openssl", "3.0.7-r0")}},
			},
		},
		{
			name: "one id in two packages, listed under two versions, and under 0",
			doc: `{"distroversion":"v3.16","packages":[
				{"pkg":{"name":"runc","secfixes":{"1.1.4-r7":["CVE-2023-27561"],"1.1.4-r0":["CVE-2023-27561"],"0":["CVE-2023-27561"]}}},
				{"pkg":{"name":"apptainer","secfixes":{"0":["CVE-2023-27561"]}}}]}`,
			want: []vulndb.Advisory{{ID: "CVE-2023-27561", Affected: []vulndb.Affected{
				notAffected(ns, "apptainer"),
				fixed(ns, "runc", "1.1.4-r7"),
			}}},
		},
		{
			name: "vendor ids become aliases of the CVE, or ids of their own",
			doc: `{"distroversion":"v3.16","packages":[{"pkg":{"name":"xen","secfixes":{
				"4.16.2-r0":["CVE-2022-23816 XSA-407","XSA-123","CVE-2022-????? XSA-398 (see notes)"]}}}]}`,
			want: []vulndb.Advisory{
				{ID: "CVE-2022-23816", Aliases: []string{"XSA-407"}, Affected: []vulndb.Affected{fixed(ns, "xen", "4.16.2-r0")}},
				{ID: "XSA-123", Affected: []vulndb.Affected{fixed(ns, "xen", "4.16.2-r0")}},
				{ID: "XSA-398", Affected: []vulndb.Affected{fixed(ns, "xen", "4.16.2-r0")}},
			},
		},
		{
			name: "bad version, no ids, a package that does not decode",
			doc: `{"distroversion":"edge","packages":[
				{"pkg":{"name":"a","secfixes":{"r1":["CVE-2020-0001"],"1.0-r0":null,"1.1-r0":["N/A"]}}},
				{"pkg":{"name":"b","secfixes":{"1.0-r0":[7]}}},
				{"pkg":{"name":"","secfixes":{}}},
				{"pkg":{"name":"c","secfixes":{"1.0-r0":["CVE-2020-0002"]}}}]}`,
			want: []vulndb.Advisory{{ID: "CVE-2020-0002", Affected: []vulndb.Affected{fixed("alpine:edge", "c", "1.0-r0")}}},
			warnings: []string{
				"package #1: json: cannot unmarshal number into Go struct field .pkg.secfixes of type string",
				`package "a" version "1.0-r0": no ids`,
				`package "a" version "1.1-r0": no id in "N/A"`,
				`package "a": parsing apk version "r1": does not start with a digit`,
				"package without a name",
			},
		},
		{
			name: "legacy YAML with a numeric version key",
			doc:  "distroversion: v3.9\npackages:\n  - pkg:\n      name: zlib\n      secfixes:\n        1.10:\n          - CVE-2018-25032\n",
			want: []vulndb.Advisory{{ID: "CVE-2018-25032", Affected: []vulndb.Affected{fixed("alpine:3.9", "zlib", "1.10")}}},
		},
		{
			name: "no packages",
			doc:  "distroversion: v3.3\nreponame: community\npackages:\n",
			want: []vulndb.Advisory{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format{}.Parse(context.Background(), "x.json", strings.NewReader(tt.doc))
			var warnings []string
			var w *feed.Warnings
			if errors.As(err, &w) {
				warnings = w.Skipped
			} else if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Source, tt.want[i].Origin = Source, "x.json"
				if strings.HasPrefix(tt.want[i].ID, "CVE-") {
					tt.want[i].References = []string{"https://security.alpinelinux.org/vuln/" + tt.want[i].ID}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("advisories (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseUnusable(t *testing.T) {
	for _, doc := range []string{
		`{"distroversion":"v3.16","packages":[`,
		`{"distroversion":"3.x","packages":[]}`,
		`{"reponame":"main","packages":[]}`,
		"distroversion: [v3.16]\n",
		"\t- not yaml: [",
	} {
		got, err := Format{}.Parse(context.Background(), "x.json", strings.NewReader(doc))
		var w *feed.Warnings
		if err == nil || errors.As(err, &w) || got != nil {
			t.Errorf("Parse(%q) = %v, %v; want an error and nothing", doc, got, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Format{}).Parse(ctx, "x.json", strings.NewReader(`{"distroversion":"v3.16","packages":[{"pkg":{"name":"a"}}]}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("Parse with a cancelled context: %v", err)
	}
}

func TestSplitIDs(t *testing.T) {
	tests := []struct {
		in           string
		cves, others []string
	}{
		{"CVE-2022-3602", []string{"CVE-2022-3602"}, nil},
		{"CVE-2019-1234 CVE-2019-5678", []string{"CVE-2019-1234", "CVE-2019-5678"}, nil},
		{"CVE-2018-3620   XSA-273", []string{"CVE-2018-3620"}, []string{"XSA-273"}},
		{"CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI", []string{"CVE-2017-5753", "CVE-2017-5715", "CVE-2017-5754"}, []string{"XSA-254"}},
		{"CVE-2020-11501 GNUTLS-SA-2020-03-31 CVE-2020-11501", []string{"CVE-2020-11501"}, []string{"GNUTLS-SA-2020-03-31"}},
		{"CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)", []string{"CVE-2018-10103"}, nil},
		{"CVE-2017-17434-1", []string{"CVE-2017-17434"}, nil},
		{"CVE-2021-35940.patch", []string{"CVE-2021-35940"}, nil},
		{"CVE_2019-2426", []string{"CVE-2019-2426"}, nil},
		{"CVE 2018-16859", []string{"CVE-2018-16859"}, nil},
		{"CVE-????-????? XSA-312", nil, []string{"XSA-312"}},
		{"CVE N/A ZBX-11023", nil, []string{"ZBX-11023"}},
		{"CVE-46838", nil, nil},
		{"GHSA-fhpf-pp6p-55qc", nil, []string{"GHSA-fhpf-pp6p-55qc"}},
		{"wnpa-sec-2017-18", nil, []string{"wnpa-sec-2017-18"}},
		{"VSV00010", nil, []string{"VSV00010"}},
		{"", nil, nil},
	}
	for _, tt := range tests {
		cves, others := splitIDs(tt.in)
		if diff := cmp.Diff(tt.cves, cves); diff != "" {
			t.Errorf("splitIDs(%q) CVEs (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.others, others); diff != "" {
			t.Errorf("splitIDs(%q) others (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path, head string
		want       bool
	}{
		{"alpine/v3.16/main.json", `{"apkurl": "x", "distroversion": "v3.16",`, true},
		{"v3.10/main.yaml", "---\ndistroversion: v3.10\n", true},
		{"v3.10/main.yml", "distroversion: v3.10\n", true},
		{"osv/GO-2022-0001.json", `{"id": "GO-2022-0001", "affected": []}`, false},
		{"v3.10/main.txt", "distroversion: v3.10\n", false},
		{"data/DSA/list", "[12 Apr 2023] DSA-5387-1 openssh", false},
	}
	for _, tt := range tests {
		if got := (Format{}).Match(tt.path, []byte(tt.head)); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/v3.16/main.json", "testdata/v3.10/main.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"distroversion":"edge","packages":[{"pkg":{"name":"a","secfixes":{"0":["CVE-2020-0001 (x"],"1 ":["XSA-1"]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		advs, err := Format{}.Parse(context.Background(), "f.json", bytes.NewReader(data))
		var w *feed.Warnings
		if err != nil && !errors.As(err, &w) {
			if advs != nil {
				t.Fatalf("advisories returned with an error: %v", err)
			}
			return
		}
		for _, a := range advs {
			if a.ID == "" || len(a.Affected) == 0 {
				t.Fatalf("incomplete advisory %+v", a)
			}
		}
	})
}
