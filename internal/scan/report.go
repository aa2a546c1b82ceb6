package scan

import (
	"strings"
	"time"

	"github.com/vigilhq/vigil/internal/cvss"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// NewReport builds the report of a scan.
func NewReport(inv *inventory.Inventory, ms []match.Match, db vulndb.Info, tool report.Tool, now time.Time) *report.Report {
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		CreatedAt:     now.UTC(),
		Tool:          tool,
		Image: report.Image{
			Reference: inv.Source.Reference,
			Kind:      inv.Source.Kind,
			Digest:    inv.Source.Digest,
			ImageID:   inv.Source.ImageID,
			Platform:  inv.Source.Platform,
			OS:        inv.Distro,
			Layers:    inv.Layers,
		},
		Packages:        inv.Packages,
		Vulnerabilities: []report.Vulnerability{},
		Database:        report.Database{Path: db.Path, BuiltAt: db.BuiltAt, Advisories: db.Advisories},
		Errors:          append([]string{}, inv.Errors...),
	}
	if r.Packages == nil {
		r.Packages = []inventory.Package{}
	}
	for _, m := range ms {
		r.Vulnerabilities = append(r.Vulnerabilities, Vulnerability(m))
	}
	return r
}

// Vulnerability converts a match to its report form.
func Vulnerability(m match.Match) report.Vulnerability {
	v := report.Vulnerability{
		ID:      m.ID,
		Aliases: m.Aliases,
		Title:   m.Title,
		Package: report.Package{
			Name: m.Package.Name, Version: m.Package.Version, Type: string(m.Package.Ecosystem),
			PURL: m.Package.PURL, Path: "/" + m.Package.Location.Path, Layer: m.Package.Location.Layer,
			SrcName: m.Package.SourceName, SrcVersion: m.Package.SourceVersion,
		},
		InstalledVersion: m.InstalledVersion,
		FixedVersion:     m.FixedVersion,
		Status:           string(m.Status),
		Severity:         m.Severity.Level,
		SeveritySource:   m.Severity.Source,
		References:       m.References,
		DataSource:       report.DataSource{Feed: m.Source, Namespace: m.Namespace, Origin: m.Rule.Origin},
		Match: report.MatchRule{
			Query:      m.Rule.Namespace + "/" + m.Rule.Package,
			Range:      m.Rule.Range,
			Comparator: string(m.Rule.Scheme),
			Reason:     m.Rule.Reason,
		},
	}
	seen := map[string]bool{}
	for _, s := range m.CVSS {
		if seen[s.Score] {
			continue
		}
		seen[s.Score] = true
		vec, err := cvss.Parse(s.Score)
		if err != nil {
			continue
		}
		v.CVSS = append(v.CVSS, report.CVSS{Version: vec.Version(), Vector: vec.String(), Score: vec.BaseScore(), Source: s.Source})
	}
	if v.Severity == "" {
		v.Severity = match.Unknown
	}
	if strings.TrimSpace(v.Package.Path) == "/" {
		v.Package.Path = ""
	}
	return v
}
