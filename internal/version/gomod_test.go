package version

import (
	"encoding/json"
	goversion "go/version"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilhq/vigil/internal/shareddata"
	"golang.org/x/mod/semver"
)

// goModuleOrder is golang.org/x/mod/semver's semver_test.go list of valid
// versions, in increasing order (entries with equal canonical forms are
// equal), followed by module versions as the module system writes them.
var goModuleOrder = [][]string{
	{"v1.0.0-alpha"},
	{"v1.0.0-alpha.1"},
	{"v1.0.0-alpha.beta"},
	{"v1.0.0-beta"},
	{"v1.0.0-beta.2"},
	{"v1.0.0-beta.11"},
	{"v1.0.0-rc.1"},
	{"v1", "v1.0", "v1.0.0", "1.0.0"},
	{"v1.2", "v1.2.0"},
	{"v1.2.3-456"},
	{"v1.2.3-456.789"},
	{"v1.2.3-456-789"},
	{"v1.2.3-456a"},
	{"v1.2.3-pre", "v1.2.3-pre+meta"},
	{"v1.2.3-pre.1"},
	{"v1.2.3-zzz"},
	{"v1.2.3", "v1.2.3+meta", "v1.2.3+meta-pre", "v1.2.3+meta-pre.sha.256a"},
	// Pseudo-versions sort by time between their base and the next release.
	{"v1.2.4-0.20191109021931-daa7c04131f5"},
	{"v1.2.4-0.20200101000000-0123456789ab"},
	{"v1.2.4"},
	{"v2.0.0+incompatible", "v2.0.0"},
	{"v10.11.0-rc1+incompatible"},
	{"v10.11.0+incompatible"},
}

// goToolchainOrder are go/version's compareTests (the standard library's
// src/go/version/version_test.go) that compare valid versions.
var goToolchainOrder = []orderCase{
	{"go1", "go1.1", -1},
	{"go1.5", "go1.6", -1},
	{"go1.5", "go1.10", -1},
	{"go1.6", "go1.6.1", -1},
	{"go1.19", "go1.19.0", 0},
	{"go1.19rc1", "go1.19", -1},
	{"go1.20", "go1.20.0", 0},
	{"go1.20", "go1.20.0-bigcorp", 0},
	{"go1.20rc1", "go1.20", -1},
	{"go1.21", "go1.21.0", -1},
	{"go1.21", "go1.21.0-bigcorp", -1},
	{"go1.21", "go1.21rc1", -1},
	{"go1.21rc1", "go1.21.0", -1},
	{"go1.6", "go1.19", -1},
	{"go1.19", "go1.19.1", -1},
	{"go1.19rc1", "go1.19.1", -1},
	{"go1.19rc1", "go1.19rc2", -1},
	{"go1.19.0", "go1.19.1", -1},
	{"go1.19rc1", "go1.19.0", -1},
	{"go1.19alpha3", "go1.19beta2", -1},
	{"go1.19beta2", "go1.19rc1", -1},
	{"go1.1", "go1.99999999999999998", -1},
	{"go1.99999999999999998", "go1.99999999999999999", -1},
}

func TestCompareGoModule(t *testing.T) {
	for i, group := range goModuleOrder {
		for _, a := range group {
			for _, b := range group {
				checkCompare(t, Go, a, b, 0)
			}
			for _, later := range goModuleOrder[i+1:] {
				checkCompare(t, Go, a, later[0], -1)
			}
		}
	}
	// The invalid entries of x/mod's list, and other non-versions.
	for _, v := range []string{"bad", "v1-alpha.beta.gamma", "v1-pre", "v1+meta", "v1.2-pre", "v1.2+meta", "", "v", "latest", "go", "go1.600+auto", "1.2.3.4"} {
		if _, err := ParseGo(v); err == nil {
			t.Errorf("ParseGo(%q) succeeded, want an error", v)
		}
	}
}

func TestCompareGoToolchain(t *testing.T) {
	for _, tc := range goToolchainOrder {
		checkCompare(t, Go, tc.a, tc.b, tc.want)
	}
	// Toolchain versions against the semver spelling of the Go
	// vulnerability database, and bare numbers.
	for _, tc := range []orderCase{
		{"go1.21rc2", "1.21.0-rc.2", 0},
		{"go1.21rc2", "v1.21.0-rc.2", 0},
		{"go1.21", "1.21.0-0", 0},
		{"go1.21rc2", "1.21.0", -1},
		{"go1.20", "1.20.0", 0},
		{"go1.21.0", "1.21.0", 0},
		{"go1.21.5", "1.21.4", 1},
		{"go1.9beta1", "1.9.0", -1},
		{"1.21rc2", "go1.21rc2", 0},
		{"go1.22.0", "1.21.13", 1},
	} {
		checkCompare(t, Go, tc.a, tc.b, tc.want)
	}
}

// TestGoToolchainSemverOrder checks that mapping toolchain versions onto
// semver keeps go/version's order, so that mixed comparisons stay
// consistent with toolchain-only ones.
func TestGoToolchainSemverOrder(t *testing.T) {
	var vs []string
	for _, tc := range goToolchainOrder {
		vs = append(vs, tc.a, tc.b)
	}
	for _, minor := range []string{"9", "18", "20", "21", "22"} {
		for _, suffix := range []string{"", "rc1", "rc2", "beta1", "alpha1", ".0", ".1", ".10", "-custom", "testmod"} {
			vs = append(vs, "go1."+minor+suffix)
		}
	}
	for _, a := range vs {
		pa, err := ParseGo(a)
		if err != nil {
			t.Errorf("ParseGo(%q): %v", a, err)
			continue
		}
		for _, b := range vs {
			pb, _ := ParseGo(b)
			if got, want := semver.Compare(pa.Semver(), pb.Semver()), goversion.Compare(a, b); got != want {
				t.Errorf("%q (%s) vs %q (%s): semver order %d, go/version %d", a, pa.Semver(), b, pb.Semver(), got, want)
			}
		}
	}
}

// TestGoVulnDB parses every version in the SEMVER ranges of the shared Go
// vulnerability database (module versions, pseudo-versions,
// +incompatible, and the stdlib and toolchain ranges).
func TestGoVulnDB(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(shareddata.Path(t, "osv/go"), "*.json"))
	if err != nil || len(files) < 1000 {
		t.Fatalf("found %d Go vulndb records: %v", len(files), err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Affected []struct {
				Ranges []struct {
					Type   string
					Events []map[string]string
				}
			}
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("decoding %s: %v", f, err)
		}
		for _, a := range rec.Affected {
			for _, r := range a.Ranges {
				if r.Type != "SEMVER" {
					continue
				}
				for _, e := range r.Events {
					for _, v := range e {
						seen[v] = true
					}
				}
			}
		}
	}
	for v := range seen {
		if _, err := ParseGo(v); err != nil {
			t.Error(err)
		}
	}
	if len(seen) < 2000 {
		t.Errorf("found %d distinct versions, want the shared data's ~3,000", len(seen))
	}
}
