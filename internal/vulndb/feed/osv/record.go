package osv

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/vulndb"
)

// record is the part of an OSV record Vigil keeps. Times are strings
// because YAML leaves them unquoted and JSON quotes them; parseTime reads
// both.
type record struct {
	ID               string      `json:"id" yaml:"id"`
	Modified         string      `json:"modified" yaml:"modified"`
	Published        string      `json:"published" yaml:"published"`
	Withdrawn        string      `json:"withdrawn" yaml:"withdrawn"`
	Aliases          []string    `json:"aliases" yaml:"aliases"`
	Upstream         []string    `json:"upstream" yaml:"upstream"`
	Summary          string      `json:"summary" yaml:"summary"`
	Details          string      `json:"details" yaml:"details"`
	Severity         []severity  `json:"severity" yaml:"severity"`
	Affected         []affected  `json:"affected" yaml:"affected"`
	References       []reference `json:"references" yaml:"references"`
	DatabaseSpecific specific    `json:"database_specific" yaml:"database_specific"`
}

type severity struct {
	Type  string `json:"type" yaml:"type"`
	Score string `json:"score" yaml:"score"`
}

type reference struct {
	URL string `json:"url" yaml:"url"`
}

type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem" yaml:"ecosystem"`
		Name      string `json:"name" yaml:"name"`
	} `json:"package" yaml:"package"`
	Severity          []severity `json:"severity" yaml:"severity"`
	Ranges            []osvRange `json:"ranges" yaml:"ranges"`
	Versions          []string   `json:"versions" yaml:"versions"`
	EcosystemSpecific specific   `json:"ecosystem_specific" yaml:"ecosystem_specific"`
	DatabaseSpecific  specific   `json:"database_specific" yaml:"database_specific"`
}

type osvRange struct {
	Type   string  `json:"type" yaml:"type"`
	Events []event `json:"events" yaml:"events"`
}

type event struct {
	Introduced   string `json:"introduced" yaml:"introduced"`
	Fixed        string `json:"fixed" yaml:"fixed"`
	LastAffected string `json:"last_affected" yaml:"last_affected"`
	Limit        string `json:"limit" yaml:"limit"`
}

// specific is what Vigil reads of a database_specific or
// ecosystem_specific object. Those are free-form, so a field of another
// type than expected is left empty instead of failing the record.
type specific struct {
	// Severity is a rating word (GHSA's "HIGH") or a CVSS vector.
	Severity string `json:"severity" yaml:"severity"`
	// CVSS is RustSec's per-package CVSS vector.
	CVSS string `json:"cvss" yaml:"cvss"`
	// Imports are the Go vulnerability database's affected packages and
	// symbols.
	Imports []goImport `json:"imports" yaml:"imports"`
}

type goImport struct {
	Path    string   `json:"path" yaml:"path"`
	Symbols []string `json:"symbols" yaml:"symbols"`
}

// specificFields decodes like specific without the lenient methods.
type specificFields specific

func (s *specific) UnmarshalJSON(b []byte) error {
	var f specificFields
	err := json.Unmarshal(b, &f)
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); err != nil && !ok {
		return err
	}
	*s = specific(f)
	return nil
}

func (s *specific) UnmarshalYAML(n *yaml.Node) error {
	var f specificFields
	err := n.Decode(&f)
	if _, ok := errors.AsType[*yaml.TypeError](err); err != nil && !ok {
		return err
	}
	*s = specific(f)
	return nil
}

// advisory converts the record.
func (r *record) advisory() (vulndb.Advisory, error) {
	if r.ID == "" {
		return vulndb.Advisory{}, errors.New("record has no id")
	}
	a := vulndb.Advisory{
		ID:       r.ID,
		Summary:  r.Summary,
		Details:  r.Details,
		Source:   Source,
		Affected: []vulndb.Affected{},
	}
	var err error
	if a.Published, err = parseTime(r.Published); err != nil {
		return vulndb.Advisory{}, fmt.Errorf("record %s: published: %w", r.ID, err)
	}
	if a.Modified, err = parseTime(r.Modified); err != nil {
		return vulndb.Advisory{}, fmt.Errorf("record %s: modified: %w", r.ID, err)
	}
	if r.Withdrawn != "" {
		w, err := parseTime(r.Withdrawn)
		if err != nil {
			return vulndb.Advisory{}, fmt.Errorf("record %s: withdrawn: %w", r.ID, err)
		}
		a.Withdrawn = &w
	}
	for _, id := range slices.Concat(r.Aliases, r.Upstream) {
		if id != "" && id != r.ID && !slices.Contains(a.Aliases, id) {
			a.Aliases = append(a.Aliases, id)
		}
	}
	for _, ref := range r.References {
		if ref.URL != "" && !slices.Contains(a.References, ref.URL) {
			a.References = append(a.References, ref.URL)
		}
	}

	src := severitySource(r.ID)
	vendor := vendorSource(r.ID, a.Aliases)
	for _, s := range r.Severity {
		a.Severity = addSeverity(a.Severity, nil, typedSeverity(s, src))
	}
	a.Severity = addSeverity(a.Severity, nil, wordSeverity(r.DatabaseSpecific.Severity, vendor))

	for i := range r.Affected {
		if af, ok := r.Affected[i].affected(a.Severity, src, vendor); ok {
			a.Affected = append(a.Affected, af)
		}
	}
	return a, nil
}

// affected converts one affected entry; it reports false for an entry
// without a package (a GIT-only entry naming a repository), which cannot
// be matched against installed packages.
func (x *affected) affected(advisorySev []vulndb.Severity, src, vendor string) (vulndb.Affected, bool) {
	if x.Package.Name == "" {
		return vulndb.Affected{}, false
	}
	ns, scheme := ecosystem(x.Package.Ecosystem)
	af := vulndb.Affected{
		Namespace: ns,
		Package:   vulndb.NormalizeName(ns, x.Package.Name),
		Scheme:    scheme,
		Status:    vulndb.StatusAffected,
	}
	for _, r := range x.Ranges {
		typ := strings.ToUpper(r.Type)
		if typ != "ECOSYSTEM" && typ != "SEMVER" && typ != "GIT" {
			continue
		}
		out := vulndb.Range{Type: typ}
		for _, e := range r.Events {
			// An OSV event sets exactly one field; a malformed one
			// setting several becomes several events, in this order.
			if e.Introduced != "" {
				out.Events = append(out.Events, vulndb.Event{Introduced: e.Introduced})
			}
			if e.Fixed != "" {
				out.Events = append(out.Events, vulndb.Event{Fixed: e.Fixed})
				af.Status = vulndb.StatusFixed
			}
			if e.LastAffected != "" {
				out.Events = append(out.Events, vulndb.Event{LastAffected: e.LastAffected})
			}
			if e.Limit != "" {
				out.Events = append(out.Events, vulndb.Event{Limit: e.Limit})
			}
		}
		if len(out.Events) > 0 {
			af.Ranges = append(af.Ranges, out)
		}
	}
	for _, v := range x.Versions {
		if v != "" {
			af.Versions = append(af.Versions, v)
		}
	}
	for _, s := range x.Severity {
		af.Severity = addSeverity(af.Severity, advisorySev, typedSeverity(s, src))
	}
	af.Severity = addSeverity(af.Severity, advisorySev, wordSeverity(x.EcosystemSpecific.Severity, vendor))
	af.Severity = addSeverity(af.Severity, advisorySev, wordSeverity(x.DatabaseSpecific.Severity, vendor))
	af.Severity = addSeverity(af.Severity, advisorySev, wordSeverity(x.DatabaseSpecific.CVSS, src))
	if ns == "go" {
		for _, imp := range x.EcosystemSpecific.Imports {
			if len(imp.Symbols) == 0 {
				// The whole package is affected.
				if imp.Path != "" {
					af.Symbols = append(af.Symbols, imp.Path)
				}
				continue
			}
			for _, sym := range imp.Symbols {
				af.Symbols = append(af.Symbols, imp.Path+"."+sym)
			}
		}
	}
	return af, true
}

// timeLayouts are the forms of OSV times seen in feeds: RFC 3339 (with or
// without fractions), and the same without a zone or as a bare date.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

// parseTime reads an OSV time; "" and Go's 0001-01-01T00:00:00Z are the
// zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not RFC 3339", s)
}
