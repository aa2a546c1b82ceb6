// Package nswg reads the Node.js Security Working Group's advisories
// (github.com/nodejs/security-wg, vuln/): one JSON file per advisory, in
// the format that predates GitHub's advisory database.
//
//   - vuln/npm/<n>.json: a third-party npm module ("module_name") with npm
//     ranges "vulnerable_versions" and "patched_versions". The advisory is
//     NSWG-ECO-<n>, the id the WG's README gives it, in namespace "npm".
//   - vuln/core/<n>.json: Node.js itself, with ranges "vulnerable" and
//     "patched" of Node.js versions. The advisory is NSWG-COR-<n> for
//     package "node" in namespace "nodejs-core" (no cataloger reports the
//     runtime yet; the matcher skips what it has no packages for).
//   - vuln/deps/<n>.json are not claimed: they state that Node.js is NOT
//     affected by a CVE of a bundled library, naming no version.
//   - vuln/npm/index.json and vuln/core/index.json are not claimed: they
//     repeat every advisory of their folder.
//
// The ranges are kept as published in Affected.NativeRanges (affected) and
// Affected.Unaffected (patched), since npm ranges do not map to OSV events
// in general; Parse checks that they parse as node-semver ranges.
//
// It must not import catalog, findings or server.
package nswg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// Source is the Advisory.Source of every record this feed returns.
const Source = "nodejs-security-wg"

// Namespaces and the core package.
const (
	NamespaceNPM  = "npm"
	NamespaceCore = "nodejs-core"
	CorePackage   = "node"
)

// maxFileSize caps what one advisory file may cost; real ones are under
// 10 KB.
const maxFileSize = 1 << 20

// noPatch holds the patched_versions the WG writes when there is no fix.
var noPatch = []string{"<0.0.0", "<=0.0.0"}

// Format is the Node.js Security WG advisory format.
type Format struct{}

var _ feed.Format = Format{}

// Name implements feed.Format.
func (Format) Name() string { return Source }

// Version implements feed.Format.
func (Format) Version() int { return 1 }

// Match claims *.json files other than index.json whose head has the
// fields of an npm advisory ("module_name" and a version range) or of a
// core one ("vulnerable" and "patched").
func (Format) Match(p string, head []byte) bool {
	base := path.Base(p)
	if !strings.EqualFold(path.Ext(base), ".json") || strings.EqualFold(base, "index.json") {
		return false
	}
	has := func(field string) bool { return bytes.Contains(head, []byte(`"`+field+`"`)) }
	return has("module_name") && (has("vulnerable_versions") || has("patched_versions") || has("cves")) ||
		has("vulnerable") && has("patched")
}

// record holds the fields of both kinds of advisory.
type record struct {
	// npm advisories
	ID                 json.Number `json:"id"`
	ModuleName         string      `json:"module_name"`
	VulnerableVersions string      `json:"vulnerable_versions"`
	PatchedVersions    string      `json:"patched_versions"`
	CVEs               []string    `json:"cves"`
	Title              string      `json:"title"`
	Recommendation     string      `json:"recommendation"`
	References         []string    `json:"references"`
	CVSSVector         string      `json:"cvss_vector"`
	CreatedAt          string      `json:"created_at"`
	UpdatedAt          string      `json:"updated_at"`

	// core advisories
	CVE         []string `json:"cve"`
	Vulnerable  string   `json:"vulnerable"`
	Patched     string   `json:"patched"`
	Ref         string   `json:"ref"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	CVSS        string   `json:"cvss"`

	// both
	Overview    string `json:"overview"`
	PublishDate string `json:"publish_date"`
}

// Parse reads one advisory file.
func (Format) Parse(ctx context.Context, p string, r io.Reader) ([]vulndb.Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading nodejs-security-wg advisory %q: %w", p, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("reading nodejs-security-wg advisory %q: larger than %d bytes", p, maxFileSize)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("decoding nodejs-security-wg advisory %q: %w", p, err)
	}
	var a vulndb.Advisory
	switch {
	case rec.ModuleName != "":
		a, err = rec.npm(p)
	case rec.Vulnerable != "":
		a, err = rec.core(p)
	default:
		err = errors.New("neither an npm advisory (module_name) nor a core one (vulnerable)")
	}
	if err != nil {
		return nil, fmt.Errorf("nodejs-security-wg advisory %q: %w", p, err)
	}
	a.Source = Source
	a.Origin = p
	return []vulndb.Advisory{a}, nil
}

// npm converts an advisory of vuln/npm/.
func (rec *record) npm(p string) (vulndb.Advisory, error) {
	n := rec.ID.String()
	if n == "" {
		n = stem(p)
	}
	if _, err := strconv.ParseUint(n, 10, 32); err != nil {
		return vulndb.Advisory{}, fmt.Errorf("id %q is not a number", n)
	}
	af, err := affected(NamespaceNPM, rec.ModuleName, rec.VulnerableVersions, rec.PatchedVersions)
	if err != nil {
		return vulndb.Advisory{}, err
	}
	a := vulndb.Advisory{
		ID:         "NSWG-ECO-" + n,
		Aliases:    ids(rec.CVEs),
		Summary:    rec.Title,
		Details:    details(rec.Overview, rec.Recommendation),
		References: ids(rec.References),
		Affected:   []vulndb.Affected{af},
	}
	a.Severity = severity(a.Severity, rec.CVSSVector)
	if err := dates(&a, or(rec.PublishDate, rec.CreatedAt), rec.UpdatedAt); err != nil {
		return vulndb.Advisory{}, err
	}
	return a, nil
}

// core converts an advisory of vuln/core/, whose id is its file name.
func (rec *record) core(p string) (vulndb.Advisory, error) {
	n := stem(p)
	if _, err := strconv.ParseUint(n, 10, 32); err != nil {
		return vulndb.Advisory{}, fmt.Errorf("core advisory file name %q is not a number", n)
	}
	af, err := affected(NamespaceCore, CorePackage, rec.Vulnerable, rec.Patched)
	if err != nil {
		return vulndb.Advisory{}, err
	}
	a := vulndb.Advisory{
		ID:       "NSWG-COR-" + n,
		Aliases:  ids(rec.CVE),
		Summary:  rec.Description,
		Details:  rec.Overview,
		Affected: []vulndb.Affected{af},
	}
	if rec.Ref != "" {
		a.References = []string{rec.Ref}
	}
	cvss := rec.CVSS
	if strings.HasPrefix(cvss, "3.") {
		// Two core advisories write the vector without its "CVSS:".
		cvss = "CVSS:" + cvss
	}
	a.Severity = severity(a.Severity, cvss)
	if s := strings.ToLower(strings.TrimSpace(rec.Severity)); s != "" && s != "unknown" {
		a.Severity = append(a.Severity, vulndb.Severity{Type: vulndb.SeverityVendor, Score: s, Source: Source})
	}
	if err := dates(&a, rec.PublishDate, ""); err != nil {
		return vulndb.Advisory{}, err
	}
	return a, nil
}

// affected builds the package entry from the WG's two ranges, checking
// that they are node-semver ranges.
func affected(ns, name, vulnerable, patched string) (vulndb.Affected, error) {
	vulnerable, patched = strings.TrimSpace(vulnerable), strings.TrimSpace(patched)
	if vulnerable == "" {
		return vulndb.Affected{}, errors.New("no vulnerable versions")
	}
	if _, err := version.ParseSemverRange(vulnerable); err != nil {
		return vulndb.Affected{}, fmt.Errorf("vulnerable versions: %w", err)
	}
	af := vulndb.Affected{
		Namespace:    ns,
		Package:      vulndb.NormalizeName(ns, name),
		Scheme:       version.Semver,
		NativeRanges: []string{vulnerable},
		Status:       vulndb.StatusAffected,
	}
	if patched != "" && !slices.Contains(noPatch, patched) {
		if _, err := version.ParseSemverRange(patched); err != nil {
			return vulndb.Affected{}, fmt.Errorf("patched versions: %w", err)
		}
		af.Unaffected = []string{patched}
		af.Status = vulndb.StatusFixed
	}
	return af, nil
}

// severity appends the rating of a CVSS vector, typed by its prefix.
func severity(list []vulndb.Severity, vector string) []vulndb.Severity {
	vector = strings.TrimSpace(vector)
	var t vulndb.SeverityType
	switch {
	case strings.HasPrefix(vector, "CVSS:3."):
		t = vulndb.SeverityCVSSv3
	case strings.HasPrefix(vector, "CVSS:4."):
		t = vulndb.SeverityCVSSv4
	case strings.HasPrefix(vector, "AV:"):
		t = vulndb.SeverityCVSSv2
	default:
		return list
	}
	return append(list, vulndb.Severity{Type: t, Score: vector, Source: Source})
}

// dates sets Published and Modified from the WG's dates ("2016-04-28").
func dates(a *vulndb.Advisory, published, modified string) error {
	var err error
	if a.Published, err = parseDate(published); err != nil {
		return fmt.Errorf("publish date: %w", err)
	}
	if a.Modified, err = parseDate(modified); err != nil {
		return fmt.Errorf("updated_at: %w", err)
	}
	return nil
}

func parseDate(s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.DateOnly, time.RFC3339Nano} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is neither YYYY-MM-DD nor RFC 3339", s)
}

// details joins the overview and the recommendation.
func details(overview, recommendation string) string {
	overview, recommendation = strings.TrimSpace(overview), strings.TrimSpace(recommendation)
	if recommendation == "" {
		return overview
	}
	if overview == "" {
		return "Recommendation: " + recommendation
	}
	return overview + "\n\nRecommendation: " + recommendation
}

// ids returns the non-empty strings of list, trimmed, without duplicates.
func ids(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// stem is the file name without its extension.
func stem(p string) string {
	base := path.Base(p)
	return strings.TrimSuffix(base, path.Ext(base))
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
