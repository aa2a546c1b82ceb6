// Package rubysec reads the Ruby Advisory Database
// (github.com/rubysec/ruby-advisory-db): one YAML file per advisory, under
// gems/<gem>/ for gems and rubies/<engine>/ for Ruby implementations
// (ruby, jruby, mruby, mrubyc, rbx).
//
// An advisory's id is its CVE ("CVE-" + cve), else its GHSA, else its
// OSVDB id, else the file name; bundler-audit names advisories by file
// name, which ruby-advisory-db makes the CVE, GHSA or OSVDB id in that
// order, except for a few GHSA-named files that later got a CVE. The other
// ids are aliases. The same id may appear under several gems (a Rails CVE
// filed under actionpack and activesupport): a builder merges them by
// (Source, ID).
//
// Gems map to namespace "rubygems"; interpreters to "ruby-engine" with the
// engine as the package (no cataloger reports interpreters yet; the
// matcher skips what it has no packages for). Both use the gem scheme, as
// bundler-audit compares Ruby versions with Gem::Version.
//
// RubySec's semantics are bundler-audit's: a version is vulnerable unless
// it satisfies one of patched_versions or unaffected_versions, each a
// RubyGems requirement ("~> 5.2.4, >= 5.2.4.3"). Those do not map to OSV
// events in general, so an advisory's Affected has NativeRanges [">= 0"]
// and the requirements as Unaffected; Parse checks that they parse.
// RubySec gives CVSS base scores without vectors: the advisory's severity
// is bundler-audit's criticality word derived from them. The "platform"
// field (jruby-only advisories) is not kept.
//
// It must not import catalog, findings or server.
package rubysec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// Source is the Advisory.Source of every record this feed returns.
const Source = "rubysec"

// Namespaces.
const (
	NamespaceGems   = "rubygems"
	NamespaceEngine = "ruby-engine"
)

// everyVersion is the RubyGems requirement every version satisfies.
const everyVersion = ">= 0"

// maxFileSize caps what one advisory may cost; real ones are under 20 KB.
const maxFileSize = 1 << 20

// Format is the ruby-advisory-db YAML format.
type Format struct{}

var _ feed.Format = Format{}

// Name implements feed.Format.
func (Format) Name() string { return Source }

// Version implements feed.Format.
func (Format) Version() int { return 1 }

var (
	subjectRe = regexp.MustCompile(`(?m)^(gem|engine):[ \t]*\S`)
	fieldRe   = regexp.MustCompile(`(?m)^(cve|ghsa|osvdb|url|title|date|description|patched_versions|unaffected_versions):`)
)

// Match claims *.yml and *.yaml files whose head has a top-level "gem" or
// "engine" and another advisory field.
func (Format) Match(p string, head []byte) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yml", ".yaml":
		return subjectRe.Match(head) && fieldRe.Match(head)
	}
	return false
}

type record struct {
	Gem                string   `yaml:"gem"`
	Engine             string   `yaml:"engine"`
	CVE                string   `yaml:"cve"`
	GHSA               string   `yaml:"ghsa"`
	OSVDB              string   `yaml:"osvdb"`
	URL                string   `yaml:"url"`
	Title              string   `yaml:"title"`
	Date               string   `yaml:"date"`
	Description        string   `yaml:"description"`
	CVSSv2             *float64 `yaml:"cvss_v2"`
	CVSSv3             *float64 `yaml:"cvss_v3"`
	CVSSv4             *float64 `yaml:"cvss_v4"`
	PatchedVersions    []string `yaml:"patched_versions"`
	UnaffectedVersions []string `yaml:"unaffected_versions"`
	Related            struct {
		URL []string `yaml:"url"`
	} `yaml:"related"`
}

// Parse reads one advisory file.
func (Format) Parse(ctx context.Context, p string, r io.Reader) ([]vulndb.Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading rubysec advisory %q: %w", p, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("reading rubysec advisory %q: larger than %d bytes", p, maxFileSize)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec record
	if err := yaml.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("decoding rubysec advisory %q: %w", p, err)
	}
	a, err := rec.advisory(p)
	if err != nil {
		return nil, fmt.Errorf("rubysec advisory %q: %w", p, err)
	}
	return []vulndb.Advisory{a}, nil
}

func (rec *record) advisory(p string) (vulndb.Advisory, error) {
	af := vulndb.Affected{
		Scheme:       version.Gem,
		NativeRanges: []string{everyVersion},
		Status:       vulndb.StatusAffected,
	}
	switch {
	case rec.Gem != "":
		af.Namespace, af.Package = NamespaceGems, strings.TrimSpace(rec.Gem)
	case rec.Engine != "":
		af.Namespace, af.Package = NamespaceEngine, strings.TrimSpace(rec.Engine)
	default:
		return vulndb.Advisory{}, errors.New("names neither a gem nor an engine")
	}
	for _, list := range [][]string{rec.PatchedVersions, rec.UnaffectedVersions} {
		for _, req := range list {
			req = strings.TrimSpace(req)
			if err := checkRequirement(req); err != nil {
				return vulndb.Advisory{}, err
			}
			af.Unaffected = append(af.Unaffected, req)
		}
	}
	if len(rec.PatchedVersions) > 0 {
		af.Status = vulndb.StatusFixed
	}

	var ids []string
	if rec.CVE != "" {
		ids = append(ids, prefixed("CVE-", rec.CVE))
	}
	if rec.GHSA != "" {
		ids = append(ids, prefixed("GHSA-", rec.GHSA))
	}
	if rec.OSVDB != "" {
		ids = append(ids, prefixed("OSVDB-", rec.OSVDB))
	}
	if len(ids) == 0 {
		base := path.Base(p)
		stem := strings.TrimSuffix(base, path.Ext(base))
		if stem == "" || stem == "." || stem == "/" {
			return vulndb.Advisory{}, errors.New("no cve, ghsa or osvdb id and no file name")
		}
		ids = append(ids, stem)
	}

	a := vulndb.Advisory{
		ID:       ids[0],
		Summary:  strings.TrimSpace(rec.Title),
		Details:  strings.TrimSpace(rec.Description),
		Severity: criticality(rec.CVSSv2, rec.CVSSv3, rec.CVSSv4),
		Affected: []vulndb.Affected{af},
		Source:   Source,
		Origin:   p,
	}
	if len(ids) > 1 {
		a.Aliases = ids[1:]
	}
	for _, u := range slices.Concat([]string{rec.URL}, rec.Related.URL) {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(a.References, u) {
			a.References = append(a.References, u)
		}
	}
	if rec.Date != "" {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(rec.Date))
		if err != nil {
			return vulndb.Advisory{}, fmt.Errorf("date %q is not YYYY-MM-DD", rec.Date)
		}
		a.Published = t
	}
	return a, nil
}

// prefixed returns id with prefix, which ruby-advisory-db leaves out
// ("cve: 2008-7248").
func prefixed(prefix, id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= len(prefix) && strings.EqualFold(id[:len(prefix)], prefix) {
		return prefix + id[len(prefix):]
	}
	return prefix + id
}

// criticality is bundler-audit's Advisory#criticality: from the CVSS v3
// score (none, low, medium, high, critical), else the v2 score (low,
// medium, high); RubySec advisories with a v4 score alone (newer than
// bundler-audit's rule) are rated on v4's scale, which is v3's.
func criticality(v2, v3, v4 *float64) []vulndb.Severity {
	var word string
	switch {
	case v3 != nil:
		word = cvss3Word(*v3)
	case v2 != nil:
		switch s := *v2; {
		case s < 4:
			word = "low"
		case s < 7:
			word = "medium"
		default:
			word = "high"
		}
	case v4 != nil:
		word = cvss3Word(*v4)
	default:
		return nil
	}
	return []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: word, Source: Source}}
}

func cvss3Word(s float64) string {
	switch {
	case s <= 0:
		return "none"
	case s < 4:
		return "low"
	case s < 7:
		return "medium"
	case s < 9:
		return "high"
	}
	return "critical"
}

// checkRequirement reports whether req is a RubyGems requirement the
// matcher can evaluate (version.ParseGemRequirement).
func checkRequirement(req string) error {
	if _, err := version.ParseGemRequirement(req); err != nil {
		return fmt.Errorf("version requirement %q: %w", req, err)
	}
	return nil
}
