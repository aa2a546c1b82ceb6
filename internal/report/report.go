// Package report is the vulnerability report of one scan: its documented,
// stable JSON model (docs/report-json.md) and its encoders, listed
// explicitly in Formats; their names are the values of `vigil scan --format`:
//
//	table          a table for people, most severe first
//	json           the Report itself (docs/report-json.md)
//	sarif          SARIF 2.1.0 for GitHub code scanning
//	cyclonedx-vex  CycloneDX 1.6 JSON with vulnerabilities[] (github.com/CycloneDX/cyclonedx-go)
//	openvex        OpenVEX v0.2.0 JSON
//
// Use Lookup(name) to get one, or Encode(w, name, r) directly. Every
// encoder writes findings in one order (severity, package, id), and every
// time and document id comes from the report (CreatedAt, and a UUID derived
// from its contents), so the same report always gives the same bytes. The
// type comments of Table, JSON, SARIF, CycloneDXVEX and OpenVEX say how
// each maps the report.
//
// This package holds plain data and the format encoders; it must not import
// catalogers, vulndb, match or the server.
package report

import (
	"time"

	"github.com/vigilhq/vigil/internal/inventory"
)

// SchemaVersion of the JSON report; bumped on incompatible changes.
const SchemaVersion = 1

// Report is the result of `vigil scan`.
type Report struct {
	SchemaVersion int       `json:"schemaVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	Tool          Tool      `json:"tool"`
	Image         Image     `json:"image"`
	// Packages is the inventory the scan matched.
	Packages        []inventory.Package `json:"packages"`
	Vulnerabilities []Vulnerability     `json:"vulnerabilities"`
	// Ignored are matches an ignore file suppressed, with the rule.
	Ignored []Ignored `json:"ignored,omitempty"`
	// Database describes the vulnerability database used.
	Database Database `json:"database"`
	Errors   []string `json:"errors"`
}

// Tool names the scanner.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Image identifies what was scanned.
type Image struct {
	Reference string            `json:"reference"`
	Kind      string            `json:"kind"`
	Digest    string            `json:"digest,omitempty"`
	ImageID   string            `json:"imageId,omitempty"`
	Platform  string            `json:"platform,omitempty"`
	OS        *inventory.Distro `json:"os,omitempty"`
	Layers    []inventory.Layer `json:"layers,omitempty"`
}

// Database describes the vulnerability database a report was made with.
type Database struct {
	Path       string    `json:"path"`
	BuiltAt    time.Time `json:"builtAt"`
	Advisories int       `json:"advisories"`
}

// Package is the vulnerable package of a finding.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is the inventory.Ecosystem of the package.
	Type string `json:"type"`
	PURL string `json:"purl"`
	// Path is the file in the image the package was found in; Layer the
	// diffID of the layer that added it.
	Path       string `json:"path,omitempty"`
	Layer      string `json:"layer,omitempty"`
	SrcName    string `json:"sourceName,omitempty"`
	SrcVersion string `json:"sourceVersion,omitempty"`
}

// CVSS is one CVSS rating of a vulnerability.
type CVSS struct {
	// Version is the CVSS version: "2.0", "3.0", "3.1" or "4.0".
	Version string `json:"version"`
	Vector  string `json:"vector"`
	// Score is the base score, 0.0 to 10.0.
	Score float64 `json:"score"`
	// Source names who published the vector (e.g. "nvd", "ghsa").
	Source string `json:"source,omitempty"`
}

// Vulnerability is one advisory affecting one package.
type Vulnerability struct {
	ID               string   `json:"id"`
	Aliases          []string `json:"aliases,omitempty"`
	Title            string   `json:"title,omitempty"`
	Package          Package  `json:"package"`
	InstalledVersion string   `json:"installed_version"`
	FixedVersion     string   `json:"fixed_version,omitempty"`
	// Status: fixed, affected, will-not-fix, under-investigation.
	Status string `json:"status"`
	// Severity: CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN.
	Severity       string   `json:"severity"`
	SeveritySource string   `json:"severity_source,omitempty"`
	CVSS           []CVSS   `json:"cvss,omitempty"`
	References     []string `json:"references,omitempty"`
	// DataSource is the feed and the namespace the advisory came from.
	DataSource DataSource `json:"data_source"`
	// Match explains the decision (vigil explain prints it).
	Match MatchRule `json:"match"`
}

// DataSource names where an advisory came from.
type DataSource struct {
	Feed      string `json:"feed"`
	Namespace string `json:"namespace"`
	Origin    string `json:"origin,omitempty"`
}

// MatchRule is what decided a match.
type MatchRule struct {
	Query      string `json:"query"`
	Range      string `json:"range"`
	Comparator string `json:"comparator"`
	Reason     string `json:"reason"`
}

// Ignored is a match suppressed by an ignore rule.
type Ignored struct {
	ID string `json:"id"`
	// Package is the name of the package; PURL and Version identify it.
	Package string `json:"package"`
	PURL    string `json:"purl,omitempty"`
	Version string `json:"version,omitempty"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
	// Justification is the rule's OpenVEX not_affected justification
	// (component_not_present, vulnerable_code_not_present,
	// vulnerable_code_not_in_execute_path,
	// vulnerable_code_cannot_be_controlled_by_adversary or
	// inline_mitigations_already_exist). Only ignored matches with one are
	// written to the VEX formats, as not_affected: an ignore without one may
	// be an accepted risk, which is no statement that the image is safe.
	Justification string `json:"justification,omitempty"`
}
