package vulndb_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	"github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// snapshotRecord is what one Alpine secdb snapshot says of one id, read
// straight from its JSON files: per (file, package) the fix (the highest
// fixed version listed, or "0" for never affected), and the other ids
// named beside it.
type snapshotRecord struct {
	fixes   map[[3]string]string // {file, release, package} → fixed version or "0"
	aliases map[string]bool
}

func (r *snapshotRecord) equal(o *snapshotRecord) bool {
	return cmp.Equal(r.fixes, o.fixes) && cmp.Equal(r.aliases, o.aliases)
}

var (
	// A CVE id as the secdb writes it, also misspelt "CVE_2019-2426".
	snapshotCVE = regexp.MustCompile(`(?i)CVE[-_ ]?(\d{4})-(\d{4,})`)
	// Another database's id: "XSA-204", "GHSA-h5c8-rqwp-cp95", "VSV00014".
	snapshotOtherID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`)
)

// readSnapshot reads every alpine/*/*.json of one secdb snapshot. It is
// written from the secdb format, not from the feed's code, to check what
// Diff reports.
func readSnapshot(t *testing.T, root string) map[string]*snapshotRecord {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "alpine", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no secdb files in %s: %v", root, err)
	}
	out := map[string]*snapshotRecord{}
	versions := map[[4]string][]string{} // {id, file, release, package} → versions
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			DistroVersion string            `json:"distroversion"`
			Packages      []json.RawMessage `json:"packages"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		rel = filepath.ToSlash(rel)
		for _, raw := range doc.Packages {
			var p struct {
				Pkg struct {
					Name     string              `json:"name"`
					Secfixes map[string][]string `json:"secfixes"`
				} `json:"pkg"`
			}
			if json.Unmarshal(raw, &p) != nil {
				continue // not a package entry the secdb format allows
			}
			for ver, entries := range p.Pkg.Secfixes {
				for _, e := range entries {
					var cves, others []string
					for _, m := range snapshotCVE.FindAllStringSubmatch(e, -1) {
						cves = append(cves, "CVE-"+m[1]+"-"+m[2])
					}
					rest := regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(snapshotCVE.ReplaceAllString(e, " "), " ")
					for _, tok := range strings.Fields(rest) {
						tok = strings.Trim(tok, ",;")
						if snapshotOtherID.MatchString(tok) && strings.ContainsAny(tok, "0123456789") && !strings.HasPrefix(strings.ToUpper(tok), "CVE") {
							others = append(others, tok)
						}
					}
					primary, aliases := cves, others
					if len(cves) == 0 {
						primary, aliases = others, nil
					}
					for _, id := range primary {
						r := out[id]
						if r == nil {
							r = &snapshotRecord{fixes: map[[3]string]string{}, aliases: map[string]bool{}}
							out[id] = r
						}
						for _, a := range aliases {
							r.aliases[a] = true
						}
						k := [4]string{id, rel, doc.DistroVersion, strings.TrimSpace(p.Pkg.Name)}
						versions[k] = append(versions[k], strings.TrimSpace(ver))
					}
				}
			}
		}
	}
	// The fix of a (file, package): its highest fixed version; "0" only
	// when no version fixes it.
	for k, vs := range versions {
		fixed := ""
		var best version.APKVersion
		for _, v := range vs {
			if v == "0" {
				continue
			}
			pv, err := version.ParseAPK(v)
			if err != nil {
				continue
			}
			if fixed == "" || pv.Compare(best) > 0 {
				fixed, best = v, pv
			}
		}
		if fixed == "" {
			fixed = "0"
		}
		if !containsValid(vs) {
			continue
		}
		out[k[0]].fixes[[3]string{k[1], k[2], k[3]}] = fixed
	}
	for id, r := range out {
		if len(r.fixes) == 0 {
			delete(out, id) // only unparsable versions
		}
	}
	return out
}

func containsValid(vs []string) bool {
	for _, v := range vs {
		if _, err := version.ParseAPK(v); v == "0" || err == nil {
			return true
		}
	}
	return false
}

// TestDiffAlpineSnapshots builds the two real Alpine secdb snapshots
// (2024-04-01 and 2024-12-31) and checks Diff against what the JSON files
// themselves say changed.
func TestDiffAlpineSnapshots(t *testing.T) {
	ctx := context.Background()
	oldDB := open(t, built(t, "distro/alpine-secdb-2024-04-01"))
	newDB := open(t, built(t, "distro/alpine-secdb"))
	changes, err := vulndb.Diff(ctx, oldDB, newDB)
	if err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(changes, func(i, j int) bool { return changes[i].ID < changes[j].ID }) {
		t.Error("changes are not ordered by id")
	}

	oldSnap := readSnapshot(t, shareddata.Path(t, "distro/alpine-secdb-2024-04-01"))
	newSnap := readSnapshot(t, shareddata.Path(t, "distro/alpine-secdb"))
	want := map[string]vulndb.ChangeKind{}
	for id, n := range newSnap {
		o, ok := oldSnap[id]
		switch {
		case !ok:
			want[id] = vulndb.Added
		case !o.equal(n):
			want[id] = vulndb.Changed
		}
	}
	for id := range oldSnap {
		if _, ok := newSnap[id]; !ok {
			want[id] = vulndb.Removed
		}
	}
	got := map[string]vulndb.ChangeKind{}
	for _, c := range changes {
		if c.Source != "alpine-secdb" {
			t.Errorf("change from source %q", c.Source)
		}
		got[c.ID] = c.Kind
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff disagrees with the snapshots' JSON (-json +Diff):\n%s", diff)
	}

	// The counts agree too: nine months of fixes and two new releases
	// (3.20 and 3.21); no id was dropped.
	counts := map[vulndb.ChangeKind]int{}
	cveCounts := map[vulndb.ChangeKind]int{}
	for _, c := range changes {
		counts[c.Kind]++
		if strings.HasPrefix(c.ID, "CVE-") {
			cveCounts[c.Kind]++
		}
	}
	wantCounts := map[vulndb.ChangeKind]int{}
	for _, k := range want {
		wantCounts[k]++
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("change counts (-json +Diff):\n%s", diff)
	}
	// And they are what they were when this test was written (CVE ids
	// alone: 526 added, 6154 changed, also found with a separate script).
	if diff := cmp.Diff(map[vulndb.ChangeKind]int{vulndb.Added: 533, vulndb.Changed: 6174}, counts); diff != "" {
		t.Errorf("change counts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[vulndb.ChangeKind]int{vulndb.Added: 526, vulndb.Changed: 6154}, cveCounts); diff != "" {
		t.Errorf("CVE change counts (-want +got):\n%s", diff)
	}

	byID := map[string]vulndb.Change{}
	for _, c := range changes {
		byID[c.ID] = c
	}
	pkgs := func(pairs ...string) []vulndb.PackageRef {
		var out []vulndb.PackageRef
		for _, p := range pairs {
			ns, name, _ := strings.Cut(p, " ")
			out = append(out, vulndb.PackageRef{Namespace: ns, Package: name})
		}
		return out
	}
	// Checked by hand in the JSON: CVE-2024-28834 (gnutls) was fixed in
	// 3.18 and 3.19 by April, and in edge, 3.20 and 3.21 by December.
	if diff := cmp.Diff(vulndb.Change{Kind: vulndb.Changed, Source: "alpine-secdb", ID: "CVE-2024-28834",
		Packages: pkgs("alpine:3.18 gnutls", "alpine:3.19 gnutls", "alpine:3.20 gnutls", "alpine:3.21 gnutls", "alpine:edge gnutls")},
		byID["CVE-2024-28834"]); diff != "" {
		t.Errorf("CVE-2024-28834 (-want +got):\n%s", diff)
	}
	// CVE-2024-5535 (openssl, June 2024) is new.
	if diff := cmp.Diff(vulndb.Change{Kind: vulndb.Added, Source: "alpine-secdb", ID: "CVE-2024-5535",
		Packages: pkgs("alpine:3.17 openssl", "alpine:3.18 openssl", "alpine:3.19 openssl", "alpine:3.20 openssl", "alpine:3.21 openssl", "alpine:edge openssl")},
		byID["CVE-2024-5535"]); diff != "" {
		t.Errorf("CVE-2024-5535 (-want +got):\n%s", diff)
	}
	// CVE-2023-44487 (HTTP/2 rapid reset): dotnet6 left edge; the change
	// names the packages of both builds, dotnet6-build included.
	rr := byID["CVE-2023-44487"]
	if rr.Kind != vulndb.Changed || !containsRef(rr.Packages, "alpine:edge", "dotnet6-build") || !containsRef(rr.Packages, "alpine:3.20", "nghttp2") {
		t.Errorf("CVE-2023-44487: %+v", rr)
	}
	// The new build answers what the old could not.
	for _, tc := range []struct {
		db   *vulndb.DB
		want bool
	}{{oldDB, false}, {newDB, true}} {
		advs, err := tc.db.Lookup(ctx, "alpine:3.20", "gnutls")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range advs {
			found = found || a.ID == "CVE-2024-28834"
		}
		if found != tc.want {
			t.Errorf("Lookup(alpine:3.20, gnutls) finds CVE-2024-28834 = %v, want %v", found, tc.want)
		}
	}

	// Diff the other way round mirrors it; a build against itself is empty.
	back, err := vulndb.Diff(ctx, newDB, oldDB)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(changes) {
		t.Errorf("reverse diff has %d changes, want %d", len(back), len(changes))
	}
	for _, c := range back {
		if want := map[vulndb.ChangeKind]vulndb.ChangeKind{vulndb.Added: vulndb.Removed, vulndb.Removed: vulndb.Added, vulndb.Changed: vulndb.Changed}[byID[c.ID].Kind]; c.Kind != want {
			t.Errorf("reverse diff: %s is %s, want %s", c.ID, c.Kind, want)
			break
		}
	}
	same, err := vulndb.Diff(ctx, newDB, newDB)
	if err != nil || len(same) != 0 {
		t.Errorf("Diff of a build with itself: %d changes, %v", len(same), err)
	}
}

// TestDiffRebuildIsEmpty builds the same snapshot a second time: the two
// builds must not differ, whatever order the parallel parser delivered
// the files in.
func TestDiffRebuildIsEmpty(t *testing.T) {
	ctx := context.Background()
	first := open(t, built(t, "distro/alpine-secdb-2024-04-01"))
	p := filepath.Join(t.TempDir(), "again.sqlite")
	if _, err := build.Build(ctx, p, []string{shareddata.Path(t, "distro/alpine-secdb-2024-04-01")}, build.Options{Formats: list.All(), Workers: 4}); err != nil {
		t.Fatal(err)
	}
	changes, err := vulndb.Diff(ctx, first, open(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Errorf("two builds of the same data differ in %d advisories, first %+v", len(changes), changes[0])
	}
}

func containsRef(refs []vulndb.PackageRef, ns, pkg string) bool {
	for _, r := range refs {
		if r.Namespace == ns && r.Package == pkg {
			return true
		}
	}
	return false
}
