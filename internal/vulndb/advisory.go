// Package vulndb is Vigil's advisory database: the advisory model (close to
// the OSV schema), building a database file from feeds, opening it read-only
// for scans, atomic updates, and the delta between two builds.
//
// It must not import catalog, findings or server.
package vulndb

import (
	"time"

	"github.com/vigilhq/vigil/internal/version"
)

// Advisory is one vulnerability record from one source.
type Advisory struct {
	// ID is the source's identifier: CVE-…, GHSA-…, GO-…, PYSEC-…,
	// RUSTSEC-…, DSA-…, or a synthesized one for sources without ids
	// (documented by the feed).
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Details string   `json:"details,omitempty"`
	// Published and Modified are zero when the source gives none.
	Published time.Time  `json:"published,omitzero"`
	Modified  time.Time  `json:"modified,omitzero"`
	Withdrawn *time.Time `json:"withdrawn,omitempty"`
	Severity  []Severity `json:"severity,omitempty"`
	// References are URLs.
	References []string   `json:"references,omitempty"`
	Affected   []Affected `json:"affected"`
	// Source names the feed the record came from (osv, alpine-secdb,
	// debian-tracker, debian-dsa, nodejs-security-wg, rubysec).
	Source string `json:"source"`
	// Origin is the file (or archive member) the record was read from.
	Origin string `json:"origin,omitempty"`
}

// SeverityType says how to read a Severity's Score.
type SeverityType string

// Severity types: CVSS vectors as in OSV, and a vendor's own rating.
const (
	SeverityCVSSv2 SeverityType = "CVSS_V2"
	SeverityCVSSv3 SeverityType = "CVSS_V3"
	SeverityCVSSv4 SeverityType = "CVSS_V4"
	// SeverityVendor is a rating word from the source: Debian's urgency
	// ("high", "low", "unimportant"), a GHSA "HIGH", a RubySec criticality.
	SeverityVendor SeverityType = "VENDOR"
)

// Severity is one rating of an advisory.
type Severity struct {
	Type SeverityType `json:"type"`
	// Score is a CVSS vector string, or the vendor's rating word.
	Score string `json:"score"`
	// Source names who rated: "nvd", "ghsa", "debian", "alpine", …
	Source string `json:"source,omitempty"`
}

// Status of an affected package, as distro trackers state it.
type Status string

// Statuses.
const (
	// StatusFixed: affected below a fixed version (the Ranges say which).
	StatusFixed Status = "fixed"
	// StatusAffected: affected, no fix available yet.
	StatusAffected Status = "affected"
	// StatusWillNotFix: affected, the vendor will not fix (Debian no-dsa,
	// ignored, end-of-life).
	StatusWillNotFix Status = "will-not-fix"
	// StatusUnderInvestigation: the vendor has not decided (undetermined).
	StatusUnderInvestigation Status = "under-investigation"
	// StatusNotAffected: explicitly never affected (Alpine secfixes "0",
	// Debian "not-affected").
	StatusNotAffected Status = "not-affected"
)

// Namespace conventions (Affected.Namespace):
//
//	language ecosystems: "go", "npm", "pypi", "crates.io", "maven",
//	"rubygems", "packagist", "nuget"
//	distributions: "<distro>:<release>", e.g. "alpine:3.16", "debian:12"
//
// Package names are stored normalised by NormalizeName: PEP 503 for pypi,
// lower case for the case-insensitive nuget and packagist, "group:artifact"
// for maven, as published for the others (Go module paths, npm names with
// their @scope/, crate and gem names, distro source packages).

// Affected is one package an advisory affects, in one namespace.
type Affected struct {
	Namespace string `json:"namespace"`
	Package   string `json:"package"`
	// Scheme is the version scheme of Ranges and Versions.
	Scheme   version.Scheme `json:"scheme"`
	Ranges   []Range        `json:"ranges,omitempty"`
	Versions []string       `json:"versions,omitempty"`
	// Status is StatusFixed when Ranges carry a fixed event, StatusAffected
	// when no fix exists, or a distro tracker's own status.
	Status Status `json:"status"`
	// Severity is a rating specific to this package (Debian's per-release
	// urgency), taking precedence over the advisory's.
	Severity []Severity `json:"severity,omitempty"`
	// Symbols are affected Go symbols (OSV ecosystem_specific imports),
	// kept for explanation; Vigil matches at module level.
	Symbols []string `json:"symbols,omitempty"`
	// Origin is the file this entry was read from, when the advisory
	// merges records of several files (Alpine's per-release secdb).
	Origin string `json:"origin,omitempty"`
	// NativeRanges are version ranges in the Scheme's own syntax, for
	// feeds that publish those instead of OSV events: node-semver ranges
	// for semver ("<=4.17.11", ">=1.2.3 <2.0.0 || >=2.1.0"; see
	// version.ParseSemverRange) and RubyGems requirements for gem
	// ("~> 5.2.4, >= 5.2.4.3": comma-separated, all must hold; ">= 0" is
	// every version). A version is affected when it satisfies any of
	// NativeRanges and none of Unaffected. Feeds that set them leave
	// Ranges and Versions empty.
	NativeRanges []string `json:"native_ranges,omitempty"`
	// Unaffected are ranges in the syntax of NativeRanges that a version
	// satisfying is not affected (patched and never-affected versions).
	Unaffected []string `json:"unaffected,omitempty"`
}

// Range is an OSV range: affected from each introduced event until the
// next fixed (exclusive) or last_affected (inclusive) event; limit bounds
// the search.
type Range struct {
	Type   string  `json:"type"` // ECOSYSTEM, SEMVER or GIT (GIT ranges are kept but never matched)
	Events []Event `json:"events"`
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}
