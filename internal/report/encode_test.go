package report

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormats(t *testing.T) {
	want := []string{FormatTable, FormatJSON, FormatSARIF, FormatCycloneDXVEX, FormatOpenVEX}
	if diff := cmp.Diff(want, FormatNames()); diff != "" {
		t.Errorf("FormatNames (-want +got):\n%s", diff)
	}
	for _, name := range FormatNames() {
		e, ok := Lookup(name)
		if !ok || e.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, e, ok)
		}
		if _, ok := goldenExt[name]; !ok {
			t.Errorf("format %q has no golden file suffix", name)
		}
		var buf bytes.Buffer
		if err := e.Encode(&buf, nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s.Encode(nil) = %v, want an error naming the format", name, err)
		}
	}
	if e, ok := Lookup("xml"); ok {
		t.Errorf("Lookup(xml) = %v", e)
	}
	err := Encode(&bytes.Buffer{}, "xml", debianReport())
	if err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) || !strings.Contains(err.Error(), "openvex") {
		t.Errorf("Encode(xml) = %v", err)
	}
}

// TestEveryEncoderListed proves each encoder type of the package is in
// Formats: the types below are every type with a Name and Encode method.
func TestEveryEncoderListed(t *testing.T) {
	all := []Encoder{Table{}, JSON{}, SARIF{}, CycloneDXVEX{}, OpenVEX{}}
	listed := map[reflect.Type]bool{}
	for _, e := range Formats() {
		listed[reflect.TypeOf(e)] = true
	}
	for _, e := range all {
		if !listed[reflect.TypeOf(e)] {
			t.Errorf("%T is not in Formats", e)
		}
	}
	if len(all) != len(Formats()) {
		t.Errorf("Formats has %d encoders, the package %d", len(Formats()), len(all))
	}
}

func TestSortedVulnerabilities(t *testing.T) {
	vs := []Vulnerability{
		{ID: "B", Severity: "LOW", Package: Package{Name: "a"}},
		{ID: "A", Severity: "high", Package: Package{Name: "z"}},
		{ID: "C", Severity: "bogus", Package: Package{Name: "a"}},
		{ID: "B", Severity: "HIGH", Package: Package{Name: "a"}},
		{ID: "A", Severity: "HIGH", Package: Package{Name: "a"}},
		{ID: "D", Severity: "CRITICAL", Package: Package{Name: "z"}},
		{ID: "E", Severity: "NEGLIGIBLE", Package: Package{Name: "a"}},
	}
	var got []string
	for _, v := range sortedVulnerabilities(vs) {
		got = append(got, v.Package.Name+"/"+v.ID)
	}
	want := []string{"z/D", "a/A", "a/B", "z/A", "a/B", "a/E", "a/C"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if vs[0].ID != "B" {
		t.Errorf("sortedVulnerabilities changed its input")
	}
}

func TestSeveritySummary(t *testing.T) {
	tests := []struct {
		severities []string
		want       string
	}{
		{[]string{"CRITICAL", "HIGH", "HIGH", "low", "", "weird"}, "Total: 6 (CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 1, UNKNOWN: 2)"},
		{[]string{"NEGLIGIBLE", "MEDIUM"}, "Total: 2 (CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, NEGLIGIBLE: 1, UNKNOWN: 0)"},
	}
	for _, tt := range tests {
		var vs []Vulnerability
		for _, s := range tt.severities {
			vs = append(vs, Vulnerability{Severity: s})
		}
		if got := severitySummary(vs); got != tt.want {
			t.Errorf("severitySummary(%v) = %q, want %q", tt.severities, got, tt.want)
		}
	}
}

func TestFindingMessage(t *testing.T) {
	p := Package{Name: "zlib1g"}
	tests := []struct {
		v    Vulnerability
		want string
	}{
		{Vulnerability{ID: "CVE-1", Package: p, InstalledVersion: "1", FixedVersion: "2", Status: StatusFixed}, "zlib1g 1 is affected by CVE-1; fixed in 2"},
		{Vulnerability{ID: "CVE-1", Package: p, InstalledVersion: "1", Status: StatusAffected}, "zlib1g 1 is affected by CVE-1; no fix available"},
		{Vulnerability{ID: "CVE-1", Package: p, InstalledVersion: "1", Status: StatusWillNotFix}, "zlib1g 1 is affected by CVE-1; no fix available (the distribution will not fix it)"},
		{Vulnerability{ID: "CVE-1", Package: p, InstalledVersion: "1", Status: StatusUnderInvestigation}, "zlib1g 1 may be affected by CVE-1 (under investigation)"},
	}
	for _, tt := range tests {
		if got := findingMessage(tt.v); got != tt.want {
			t.Errorf("findingMessage(%s) = %q, want %q", tt.v.Status, got, tt.want)
		}
	}
}

func TestSARIFLevel(t *testing.T) {
	want := map[string]string{"CRITICAL": "error", "HIGH": "error", "medium": "warning", "LOW": "note", "NEGLIGIBLE": "note", "UNKNOWN": "note", "": "note"}
	for sev, level := range want {
		if got := sarifLevel(sev); got != level {
			t.Errorf("sarifLevel(%q) = %q, want %q", sev, got, level)
		}
	}
}

func TestCVSS(t *testing.T) {
	tests := []struct {
		name      string
		cvss      []CVSS
		score     float64
		known     bool
		versions  []string
		severites []string
	}{
		{name: "none"},
		{
			name: "v3 preferred over a higher v2",
			cvss: []CVSS{
				{Vector: "AV:N/AC:L/Au:N/C:C/I:C/A:C", Score: 10},
				{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score: 7.5},
			},
			score: 7.5, known: true, versions: []string{"2.0", "3.1"}, severites: []string{"HIGH", "HIGH"},
		},
		{
			name:  "highest v3; v4 ignored",
			cvss:  []CVSS{{Version: "3.0", Vector: "CVSS:3.0/AV:L", Score: 5.5}, {Vector: "CVSS:3.1/AV:N", Score: 9.8}, {Vector: "CVSS:4.0/AV:N", Score: 10}},
			score: 9.8, known: true, versions: []string{"3.0", "3.1", "4.0"}, severites: []string{"MEDIUM", "CRITICAL", "CRITICAL"},
		},
		{
			name:  "v4 when no v3; version from the field",
			cvss:  []CVSS{{Version: "v4", Score: 0}, {Version: "2", Score: 3.9}},
			score: 0, known: true, versions: []string{"4.0", "2.0"}, severites: []string{"NONE", "LOW"},
		},
	}
	for _, tt := range tests {
		score, known := cvssScore(tt.cvss)
		if score != tt.score || known != tt.known {
			t.Errorf("%s: cvssScore = %v, %v; want %v, %v", tt.name, score, known, tt.score, tt.known)
		}
		var versions, severities []string
		for _, c := range tt.cvss {
			versions = append(versions, cvssVersion(c))
			severities = append(severities, cvssSeverity(cvssVersion(c), c.Score))
		}
		if diff := cmp.Diff(tt.versions, versions); diff != "" {
			t.Errorf("%s: versions (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.severites, severities); diff != "" {
			t.Errorf("%s: severities (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestImageIdentity(t *testing.T) {
	tests := []struct {
		img       Image
		purl, iri string
	}{
		{
			Image{Reference: "debian:12", Kind: "registry", Digest: testDigest, Platform: "linux/arm64/v8"},
			"pkg:oci/debian@" + testDigest + "?arch=arm64&repository_url=index.docker.io%2Flibrary%2Fdebian", "",
		},
		{
			Image{Reference: "ghcr.io/acme/app:1.0"},
			"pkg:oci/app?repository_url=ghcr.io%2Facme%2Fapp&tag=1.0", "",
		},
		{
			Image{Reference: "ghcr.io/acme/app@" + testDigest, Kind: "registry"},
			"pkg:oci/app@" + testDigest + "?repository_url=ghcr.io%2Facme%2Fapp", "",
		},
		{Image{Reference: "/tmp/my image.tar", Kind: "docker-archive"}, "", "file:///tmp/my%20image.tar"},
		{Image{Reference: "image.tar", Kind: "oci-archive"}, "", "urn:vigil:image:image.tar"},
		{Image{Reference: "/srv/app", Kind: ""}, "", "file:///srv/app"},
	}
	for _, tt := range tests {
		if got := imagePURL(tt.img); got != tt.purl {
			t.Errorf("imagePURL(%+v) = %q, want %q", tt.img, got, tt.purl)
		}
		wantIRI := tt.iri
		if wantIRI == "" {
			wantIRI = tt.purl
		}
		if got := imageIRI(tt.img); got != wantIRI {
			t.Errorf("imageIRI(%+v) = %q, want %q", tt.img, got, wantIRI)
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDocumentUUID(t *testing.T) {
	a, b := debianReport(), debianReport()
	if documentUUID(a) != documentUUID(b) {
		t.Errorf("same report, different ids")
	}
	b.Vulnerabilities[0].Status = StatusAffected
	if documentUUID(a) == documentUUID(b) {
		t.Errorf("different reports, same id %s", documentUUID(a))
	}
	if id := documentUUID(a); !uuidRE.MatchString(id) {
		t.Errorf("documentUUID = %q, not a version 4 UUID", id)
	}
}

// TestEmptyReport: a scan without findings (even a zero Report) encodes in
// every format; the table says so.
func TestEmptyReport(t *testing.T) {
	for _, r := range []*Report{emptyReport(), {}} {
		for _, name := range FormatNames() {
			if out := encode(t, name, r); len(out) == 0 {
				t.Errorf("%s: no output", name)
			}
		}
		if out := string(encode(t, FormatTable, r)); !strings.Contains(out, "\nNo vulnerabilities found.\n") {
			t.Errorf("table of an empty report:\n%s", out)
		}
	}
}
