package report

import (
	"cmp"
	"slices"
	"strings"
)

// Severity levels of Vulnerability.Severity, as Trivy and Grype print them.
const (
	SeverityCritical   = "CRITICAL"
	SeverityHigh       = "HIGH"
	SeverityMedium     = "MEDIUM"
	SeverityLow        = "LOW"
	SeverityNegligible = "NEGLIGIBLE"
	SeverityUnknown    = "UNKNOWN"
)

// Values of Vulnerability.Status.
const (
	// StatusFixed: the installed version is affected and a fixed version
	// exists (FixedVersion).
	StatusFixed = "fixed"
	// StatusAffected: affected, and no fix is published yet.
	StatusAffected = "affected"
	// StatusWillNotFix: affected, and the distribution said it will not fix
	// it in this release.
	StatusWillNotFix = "will-not-fix"
	// StatusUnderInvestigation: the source has not decided yet whether the
	// package is affected.
	StatusUnderInvestigation = "under-investigation"
)

// severityLevels lists the levels from most to least severe.
var severityLevels = []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNegligible, SeverityUnknown}

// severityOf returns the level s names (in any case), or UNKNOWN.
func severityOf(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if slices.Contains(severityLevels, s) {
		return s
	}
	return SeverityUnknown
}

// severityRank orders levels: CRITICAL 5 … NEGLIGIBLE 1, UNKNOWN 0.
func severityRank(s string) int {
	switch severityOf(s) {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 4
	case SeverityMedium:
		return 3
	case SeverityLow:
		return 2
	case SeverityNegligible:
		return 1
	}
	return 0
}

// sortedVulnerabilities returns a copy of vs ordered most severe first, then
// by package name, id, installed version and package location, so that
// every encoder writes findings in the same stable order.
func sortedVulnerabilities(vs []Vulnerability) []Vulnerability {
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b Vulnerability) int {
		return cmp.Or(
			-cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.InstalledVersion, b.InstalledVersion),
			cmp.Compare(a.Package.PURL, b.Package.PURL),
			cmp.Compare(a.Package.Path, b.Package.Path),
			cmp.Compare(a.Package.Layer, b.Package.Layer),
		)
	})
	return out
}
