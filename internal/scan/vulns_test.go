package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/shareddata/secdboracle"
	"github.com/vigilhq/vigil/internal/testimages"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	feedlist "github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

var (
	dbMu    sync.Mutex
	dbCache = map[string]string{}
)

// testDB builds (once per test binary) a database from shared data folders.
func testDB(t *testing.T, rels ...string) *vulndb.DB {
	t.Helper()
	dbMu.Lock()
	defer dbMu.Unlock()
	key := strings.Join(rels, "|")
	p, ok := dbCache[key]
	if !ok {
		dir, err := os.MkdirTemp("", "vigil-testdb-")
		if err != nil {
			t.Fatal(err)
		}
		var srcs []string
		for _, r := range rels {
			srcs = append(srcs, shareddata.Path(t, r))
		}
		p = filepath.Join(dir, vulndb.FileName)
		if _, err := build.Build(context.Background(), p, srcs, build.Options{Formats: feedlist.All()}); err != nil {
			t.Fatal(err)
		}
		dbCache[key] = p
	}
	db, err := vulndb.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func inventoryOf(t *testing.T, name string) *inventory.Inventory {
	t.Helper()
	cache, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testimages.Build(context.Background(), name, cache)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagesrc.Open(context.Background(), "docker-archive:"+p, imagesrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := scan.Inventory(context.Background(), img, scan.Options{Catalogers: list.All()})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// secdbExpected computes, straight from the secdb JSON files of a release,
// every (CVE, package) whose fixed version is newer than the installed
// version of the package's origin: what the scan must report, and nothing
// else.
func secdbExpected(t *testing.T, dir, release string, inv *inventory.Inventory) []string {
	t.Helper()
	fixes := secdboracle.AlpineSecfixes(t, dir, release)
	var want []string
	for _, p := range inv.Packages {
		for id, fixed := range fixes[p.SourceName] {
			if secdboracle.CompareAPK(t, p.Version, fixed) < 0 {
				want = append(want, id+" "+p.Name+" "+p.Version+" "+fixed)
			}
		}
	}
	sort.Strings(want)
	return want
}

// TestAlpineSecdbExactly: on the shared Alpine images, every secdb
// advisory whose fixed version is newer than the installed one is
// reported, and nothing else.
func TestAlpineSecdbExactly(t *testing.T) {
	db := testDB(t, "distro/alpine-secdb")
	for _, tc := range []struct{ image, release string }{
		{"alpine-3.10.3", "3.10"}, {"alpine-3.16.9", "3.16"}, {"alpine-3.20.3", "3.20"},
	} {
		t.Run(tc.image, func(t *testing.T) {
			inv := inventoryOf(t, tc.image)
			ms, errs, err := scan.Match(context.Background(), inv, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) > 0 {
				t.Errorf("match errors: %v", errs)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.ID+" "+m.Package.Name+" "+m.Package.Version+" "+m.FixedVersion)
				if m.Status != "fixed" || m.Source != "alpine-secdb" || m.Namespace != "alpine:"+tc.release {
					t.Errorf("%s %s: status %s, source %s, namespace %s", m.ID, m.Package.Name, m.Status, m.Source, m.Namespace)
				}
			}
			sort.Strings(got)
			want := secdbExpected(t, "distro/alpine-secdb", tc.release, inv)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
			if tc.image == "alpine-3.10.3" && len(got) == 0 {
				t.Error("no vulnerabilities on Alpine 3.10.3: the test proves nothing")
			}
			t.Logf("%s: %d vulnerabilities", tc.image, len(got))
		})
	}
}

// TestGoAndNPM: the vulnerable Go program and the npm app get every Go
// vulndb and GHSA/NSWG advisory that applies.
func TestGoAndNPM(t *testing.T) {
	db := testDB(t, "osv/go", "osv/npm-ghsa-sample", "advisories/nodejs-security-wg")
	inv := inventoryOf(t, "app-bookworm")
	ms, errs, err := scan.Match(context.Background(), inv, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("match errors: %v", errs)
	}
	byPkg := map[string][]string{}
	for _, m := range ms {
		k := string(m.Package.Ecosystem) + ":" + m.Package.Name + "@" + m.Package.Version
		byPkg[k] = append(byPkg[k], m.ID)
		if m.FixedVersion == "" || m.Status != "fixed" {
			t.Errorf("%s %s: status %s, fixed %q: every Go and npm advisory here has a fix", m.ID, k, m.Status, m.FixedVersion)
		}
	}
	for k := range byPkg {
		sort.Strings(byPkg[k])
	}
	// The expected set is reviewed in the golden file's diff and cross-checked
	// against osv-scanner, Grype and Trivy in docs/vuln-comparison.md.
	catalogtest.Golden(t, "testdata/app-bookworm.vulns.golden.json", byPkg)
	for _, must := range []string{"go-module:golang.org/x/net@v0.0.0-20190620200207-3b0461eec859", "go-module:golang.org/x/text@v0.3.5", "npm:lodash@4.17.15", "npm:minimist@1.2.0", "npm:node-fetch@2.6.0", "npm:axios@0.21.0"} {
		if len(byPkg[must]) == 0 {
			t.Errorf("%s: no vulnerabilities found", must)
		}
	}
}
