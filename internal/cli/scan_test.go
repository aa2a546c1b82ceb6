package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/testimages"
)

// scanDB builds a database from real feeds for the scan tests.
func scanDB(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "db")
	args := []string{"db", "build", "--out", out}
	for _, rel := range []string{"distro/alpine-secdb", "osv/go", "osv/npm-ghsa-sample", "advisories/nodejs-security-wg"} {
		args = append(args, shareddata.Path(t, rel))
	}
	if code, _, stderr := run(t, args...); code != 0 {
		t.Fatalf("db build: exit %d: %s", code, stderr)
	}
	return out
}

func imagePath(t *testing.T, name string) string {
	t.Helper()
	dir, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testimages.Build(context.Background(), name, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type scanned struct {
	Vulnerabilities []struct {
		ID               string `json:"id"`
		InstalledVersion string `json:"installed_version"`
		FixedVersion     string `json:"fixed_version"`
		Severity         string `json:"severity"`
		Package          struct{ Name, Type string }
	} `json:"vulnerabilities"`
}

func vulnSet(t *testing.T, out string) []string {
	t.Helper()
	var r scanned
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	var s []string
	for _, v := range r.Vulnerabilities {
		s = append(s, v.ID+" "+v.Package.Type+":"+v.Package.Name+"@"+v.InstalledVersion+" fixed "+v.FixedVersion)
	}
	sort.Strings(s)
	return s
}

// TestScanSBOMEqualsImage: scanning an SBOM (CycloneDX or SPDX) gives the
// same vulnerabilities as scanning the image it came from.
func TestScanSBOMEqualsImage(t *testing.T) {
	db := scanDB(t)
	data := t.TempDir()
	for _, name := range []string{"app-bookworm", "alpine-3.10.3"} {
		img := "docker-archive:" + imagePath(t, name)
		code, out, stderr := run(t, "scan", img, "--db", db, "--data", data, "-f", "json", "-q")
		if code != 0 {
			t.Fatalf("%s: scan exit %d: %s", name, code, stderr)
		}
		want := vulnSet(t, out)
		if len(want) == 0 {
			t.Fatalf("%s: no vulnerabilities: the comparison proves nothing", name)
		}
		for _, format := range []string{"cyclonedx-json", "spdx-json", "json"} {
			sbomFile := filepath.Join(t.TempDir(), "sbom."+format)
			if code, _, stderr := run(t, "sbom", img, "--data", data, "-f", format, "-o", sbomFile, "-q"); code != 0 {
				t.Fatalf("sbom: exit %d: %s", code, stderr)
			}
			code, out, stderr := run(t, "scan", "sbom:"+sbomFile, "--db", db, "-f", "json")
			if code != 0 {
				t.Fatalf("scan sbom: exit %d: %s", code, stderr)
			}
			if diff := cmp.Diff(want, vulnSet(t, out)); diff != "" {
				t.Errorf("%s via %s (-image +sbom):\n%s", name, format, diff)
			}
		}
	}
}

func TestScanGateAndFilters(t *testing.T) {
	db := scanDB(t)
	img := "docker-archive:" + imagePath(t, "alpine-3.10.3")
	data := t.TempDir()

	code, out, stderr := run(t, "scan", img, "--db", db, "--data", data, "-q", "--severity", "critical,high", "--exit-code", "3", "-f", "json")
	if code != 3 {
		t.Fatalf("exit code = %d, want 3 (HIGH findings on Alpine 3.10.3); stderr %s", code, stderr)
	}
	var r scanned
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Vulnerabilities) == 0 {
		t.Fatalf("report: %v, %d vulnerabilities", err, len(r.Vulnerabilities))
	}
	for _, v := range r.Vulnerabilities {
		if v.Severity != "CRITICAL" && v.Severity != "HIGH" {
			t.Errorf("--severity critical,high kept %s %s", v.ID, v.Severity)
		}
	}
	if !strings.Contains(stderr, "vulnerabilities found (--exit-code 3)") {
		t.Errorf("stderr = %q", stderr)
	}

	// An ignore file lifts them; the gate passes.
	ign := filepath.Join(t.TempDir(), ".vigilignore")
	var rules strings.Builder
	rules.WriteString("ignore:\n")
	for _, v := range r.Vulnerabilities {
		rules.WriteString("  - id: " + v.ID + "\n    reason: accepted in the test\n")
	}
	writeFile(t, ign, rules.String())
	code, _, stderr = run(t, "scan", img, "--db", db, "--data", data, "-q", "--severity", "CRITICAL,HIGH", "--exit-code", "3", "--ignore-file", ign)
	if code != 0 {
		t.Errorf("with every finding ignored: exit %d, stderr %s", code, stderr)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", img, "--db", filepath.Join(t.TempDir(), "none")}, "no vulnerability database"},
		{[]string{"scan", img, "--db", db, "--severity", "SEVERE"}, `--severity: unknown value "SEVERE"`},
		{[]string{"scan", img, "--db", db, "-f", "pdf"}, `unknown --format "pdf"`},
		{[]string{"scan", "sbom:/no/such.json", "--db", db}, "SBOM file /no/such.json not found"},
		{[]string{"scan", img, "--db", db, "--ignore-file", "/no/.vigilignore"}, "ignore file /no/.vigilignore not found"},
	} {
		code, _, stderr := run(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args[2:], code, stderr, tc.want)
		}
	}
}
