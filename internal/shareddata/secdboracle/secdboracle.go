// Package secdboracle reads Alpine secdb snapshots of the shared data
// straight from their JSON, for tests: an oracle independent of Vigil's
// feed parser and matcher. (It is not in shareddata, which the version
// package's tests import.)
package secdboracle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
)

// AlpineSecfixes reads an Alpine secdb snapshot (a folder of the shared
// data, e.g. "distro/alpine-secdb") for one release ("3.16") straight from
// its JSON, as an oracle independent of Vigil's feed parser: origin package
// → CVE id → the highest version that fixes it ("0", never affected, is
// left out). A release the snapshot lacks gives an empty map.
func AlpineSecfixes(t shareddata.TB, snapshot, release string) map[string]map[string]string {
	t.Helper()
	fixes := map[string]map[string]string{}
	for _, repo := range []string{"main", "community"} {
		b, err := os.ReadFile(filepath.Join(shareddata.Path(t, snapshot), "alpine", "v"+release, repo+".json"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatalf("%v", err)
		}
		var doc struct {
			Packages []struct {
				Pkg struct {
					Name     string              `json:"name"`
					Secfixes map[string][]string `json:"secfixes"`
				} `json:"pkg"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s v%s %s: %v", snapshot, release, repo, err)
		}
		for _, p := range doc.Packages {
			for fixed, ids := range p.Pkg.Secfixes {
				if fixed == "0" {
					continue
				}
				for _, field := range ids {
					for _, id := range strings.Fields(field) {
						if !strings.HasPrefix(id, "CVE-") {
							continue
						}
						if fixes[p.Pkg.Name] == nil {
							fixes[p.Pkg.Name] = map[string]string{}
						}
						if old, ok := fixes[p.Pkg.Name][id]; !ok || CompareAPK(t, fixed, old) > 0 {
							fixes[p.Pkg.Name][id] = fixed
						}
					}
				}
			}
		}
	}
	return fixes
}

// CompareAPK compares two apk versions, failing the test on a bad one.
func CompareAPK(t shareddata.TB, a, b string) int {
	t.Helper()
	c, err := version.ForScheme(version.APK)
	if err != nil {
		t.Fatalf("%v", err)
	}
	n, err := c.Compare(a, b)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return n
}
