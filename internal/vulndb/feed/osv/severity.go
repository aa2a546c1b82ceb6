package osv

import (
	"slices"
	"strings"

	"github.com/vigilhq/vigil/internal/vulndb"
)

// severitySource names who rated a record's severity[] entries: the
// record's id prefix in lower case ("ghsa", "go", "pysec", "rustsec"), or
// "osv" when the id has none.
func severitySource(id string) string {
	prefix, _, ok := strings.Cut(id, "-")
	if !ok || prefix == "" {
		return Source
	}
	return strings.ToLower(prefix)
}

// vendorSource names who gave a rating word in database_specific: GitHub
// when the record is, or aliases, a GHSA (its "LOW" … "CRITICAL" words),
// else the record's own prefix.
func vendorSource(id string, aliases []string) string {
	isGHSA := func(s string) bool { return strings.HasPrefix(s, "GHSA-") }
	if isGHSA(id) || slices.ContainsFunc(aliases, isGHSA) {
		return "ghsa"
	}
	return severitySource(id)
}

// typedSeverity converts an OSV severity entry. Types other than the CVSS
// ones ("Ubuntu" with "medium") become vendor ratings named by the type.
func typedSeverity(s severity, src string) vulndb.Severity {
	score := strings.TrimSpace(s.Score)
	switch t := vulndb.SeverityType(strings.ToUpper(s.Type)); t {
	case vulndb.SeverityCVSSv2, vulndb.SeverityCVSSv3, vulndb.SeverityCVSSv4:
		return vulndb.Severity{Type: t, Score: score, Source: src}
	}
	return vulndb.Severity{Type: vulndb.SeverityVendor, Score: score, Source: strings.ToLower(s.Type)}
}

// wordSeverity converts a free-form severity string: a CVSS vector (typed
// by its prefix; v2 vectors have none) or a rating word.
func wordSeverity(s, src string) vulndb.Severity {
	s = strings.TrimSpace(s)
	t := vulndb.SeverityVendor
	switch {
	case strings.HasPrefix(s, "CVSS:3."):
		t = vulndb.SeverityCVSSv3
	case strings.HasPrefix(s, "CVSS:4."):
		t = vulndb.SeverityCVSSv4
	case strings.HasPrefix(s, "AV:") && strings.Contains(s, "/Au:"):
		t = vulndb.SeverityCVSSv2
	}
	return vulndb.Severity{Type: t, Score: s, Source: src}
}

// addSeverity appends s unless its score is empty or the same rating is
// already in list or in also (the advisory's ratings, when adding a
// package's).
func addSeverity(list, also []vulndb.Severity, s vulndb.Severity) []vulndb.Severity {
	if s.Score == "" {
		return list
	}
	same := func(o vulndb.Severity) bool { return o.Type == s.Type && o.Score == s.Score }
	if slices.ContainsFunc(list, same) || slices.ContainsFunc(also, same) {
		return list
	}
	return append(list, s)
}
