package debian

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// TrackerSource is the Advisory.Source of the tracker JSON export's records.
const TrackerSource = "debian-tracker"

// TrackerFormat is the security tracker's JSON export:
//
//	{"<source package>": {"CVE-2021-1234": {"description": …, "scope": …,
//	  "debianbug": 123, "releases": {"bookworm": {"status": "resolved",
//	  "repositories": {"bookworm": "1.2-3"}, "fixed_version": "1.2-4",
//	  "urgency": "low", "nodsa": "…", "nodsa_reason": "…"}}}}}
//
// The export is one file of some 80 MB: Parse streams it, one issue at a
// time. Parse returns one advisory per id (CVE-… or the tracker's TEMP-…
// for issues without a CVE, both kept) with one Affected entry per
// (source package, release):
//
//	resolved, fixed_version "0"   not-affected, no range
//	resolved, fixed_version V     fixed, introduced 0, fixed V
//	open                          affected, introduced 0
//	open with nodsa               will-not-fix, introduced 0
//	open with urgency end-of-life will-not-fix, introduced 0
//	undetermined                  under-investigation, introduced 0
//
// Grype reads this export the same way (vunnel's debian provider marks
// an open entry with "nodsa" NoAdvisory, which grype-db turns into
// WontFixStatus), except that: an open entry whose nodsa_reason is
// "postponed" stays affected here, as Debian plans its fix for a point
// release; end-of-life is will-not-fix here; undetermined entries, which
// vunnel drops, are kept as under-investigation. "unimportant" is an
// urgency, not a status: such entries stay affected, rated "unimportant".
// The urgency becomes the Affected's Severity (VENDOR, source "debian").
type TrackerFormat struct{}

var _ feed.Format = TrackerFormat{}

// Name implements feed.Format.
func (TrackerFormat) Name() string { return TrackerSource }

// Version implements feed.Format.
func (TrackerFormat) Version() int { return 1 }

// trackerHeadRe is the start of the export: an object of packages whose
// first value is an object of issues.
var trackerHeadRe = regexp.MustCompile(`^\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(?:CVE|TEMP)-`)

// Match claims a file whose head is the start of the tracker export.
func (TrackerFormat) Match(_ string, head []byte) bool {
	return trackerHeadRe.Match(bytes.TrimLeft(head, " \t\r\n"))
}

type trackerIssue struct {
	Description string                    `json:"description"`
	DebianBug   json.RawMessage           `json:"debianbug"`
	Releases    map[string]trackerRelease `json:"releases"`
}

type trackerRelease struct {
	Status       string  `json:"status"`
	FixedVersion string  `json:"fixed_version"`
	Urgency      string  `json:"urgency"`
	NoDSA        *string `json:"nodsa"`
	NoDSAReason  string  `json:"nodsa_reason"`
}

// Parse streams one export. A file that is not a JSON object of objects is
// unusable; an issue that does not decode, a release entry with an unknown
// status or a fixed version dpkg rejects, and entries of unknown releases
// are skipped and reported by a *feed.Warnings error returned with the
// advisories.
func (TrackerFormat) Parse(ctx context.Context, path string, r io.Reader) ([]vulndb.Advisory, error) {
	fail := func(err error) ([]vulndb.Advisory, error) {
		return nil, fmt.Errorf("decoding debian tracker json %q: %w", path, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	b := &trackerBuilder{byID: map[string]*vulndb.Advisory{}, unknown: map[string]int{}}
	warn := &feed.Warnings{Path: path}
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pkg, err := stringToken(dec)
		if err != nil {
			return fail(err)
		}
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if tok != json.Delim('{') {
			if err := skipValue(dec, tok); err != nil {
				return fail(err)
			}
			warn.Add("package %q: not an object of issues", pkg)
			continue
		}
		for dec.More() {
			id, err := stringToken(dec)
			if err != nil {
				return fail(err)
			}
			var issue trackerIssue
			if err := dec.Decode(&issue); err != nil {
				var typeErr *json.UnmarshalTypeError
				if !errors.As(err, &typeErr) {
					return fail(err)
				}
				warn.Add("package %q %s: %v", pkg, id, err)
				continue
			}
			b.add(strings.TrimSpace(pkg), strings.TrimSpace(id), &issue, warn)
		}
		if err := expectDelim(dec, '}'); err != nil {
			return fail(err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(errors.New("data after the top-level object"))
	}
	return b.advisories(path, warn), warn.Err()
}

// trackerBuilder gathers the export's issues by id.
type trackerBuilder struct {
	byID map[string]*vulndb.Advisory
	// unknown counts the release entries skipped per unknown codename.
	unknown map[string]int
}

func (b *trackerBuilder) add(pkg, id string, issue *trackerIssue, warn *feed.Warnings) {
	if pkg == "" || id == "" {
		warn.Add("package %q issue %q: empty name", pkg, id)
		return
	}
	a := b.byID[id]
	if a == nil {
		a = &vulndb.Advisory{ID: id, References: []string{trackerURL + id}}
		b.byID[id] = a
	}
	if a.Summary == "" {
		a.Summary = strings.TrimSpace(issue.Description)
	}
	if bug := bugNumber(issue.DebianBug); bug != "" {
		ref := "https://bugs.debian.org/" + bug
		if !contains(a.References, ref) {
			a.References = append(a.References, ref)
		}
	}
	// Walk releases sorted, for stable warnings.
	names := make([]string, 0, len(issue.Releases))
	for rel := range issue.Releases {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		ns, ok := releases[rel]
		if !ok {
			b.unknown[rel]++
			continue
		}
		if af, ok := trackerAffected(ns, pkg, issue.Releases[rel], warn, id); ok {
			a.Affected = append(a.Affected, af)
		}
	}
}

// trackerAffected maps one release entry, as the TrackerFormat comment
// describes.
func trackerAffected(ns, pkg string, rel trackerRelease, warn *feed.Warnings, id string) (vulndb.Affected, bool) {
	af := vulndb.Affected{
		Namespace: ns,
		Package:   vulndb.NormalizeName(ns, pkg),
		Scheme:    version.Dpkg,
		Severity:  severity(rel.Urgency),
	}
	switch status := strings.TrimSpace(rel.Status); status {
	case "resolved":
		fv := strings.TrimSpace(rel.FixedVersion)
		switch {
		case fv == "0":
			af.Status = vulndb.StatusNotAffected
		case fv == "":
			warn.Add("package %q %s %s: resolved without a fixed_version", pkg, id, ns)
			return af, false
		default:
			if err := checkVersion(fv); err != nil {
				warn.Add("package %q %s %s: %v", pkg, id, ns, err)
				return af, false
			}
			af.Status, af.Ranges = vulndb.StatusFixed, fixedRange(fv)
		}
	case "open":
		af.Status, af.Ranges = vulndb.StatusAffected, unfixedRange()
		eol := strings.TrimSpace(rel.Urgency) == "end-of-life"
		if eol || rel.NoDSA != nil && strings.TrimSpace(rel.NoDSAReason) != "postponed" {
			af.Status = vulndb.StatusWillNotFix
		}
	case "undetermined":
		af.Status, af.Ranges = vulndb.StatusUnderInvestigation, unfixedRange()
	default:
		warn.Add("package %q %s %s: unknown status %q", pkg, id, ns, status)
		return af, false
	}
	return af, true
}

// advisories returns the records sorted by id, each one's Affected sorted
// by namespace and package; records left without any Affected entry (all
// their releases unknown or skipped) are dropped.
func (b *trackerBuilder) advisories(origin string, warn *feed.Warnings) []vulndb.Advisory {
	unknown := make([]string, 0, len(b.unknown))
	for rel := range b.unknown {
		unknown = append(unknown, rel)
	}
	sort.Strings(unknown)
	for _, rel := range unknown {
		warn.Add("release %q is not a known Debian release: %d entries skipped", rel, b.unknown[rel])
	}
	ids := make([]string, 0, len(b.byID))
	for id, a := range b.byID {
		if len(a.Affected) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]vulndb.Advisory, 0, len(ids))
	for _, id := range ids {
		a := b.byID[id]
		sort.SliceStable(a.Affected, func(i, j int) bool {
			x, y := a.Affected[i], a.Affected[j]
			if x.Namespace != y.Namespace {
				return x.Namespace < y.Namespace
			}
			return x.Package < y.Package
		})
		a.Source, a.Origin = TrackerSource, origin
		out = append(out, *a)
	}
	return out
}

// bugNumber reads "debianbug", a number in the export, tolerating a string.
func bugNumber(raw json.RawMessage) string {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ""
		}
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("expected %q, found %v", d, tok)
	}
	return nil
}

func stringToken(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected an object key, found %v", tok)
	}
	return s, nil
}

// skipValue consumes the rest of a value whose first token was tok.
func skipValue(dec *json.Decoder, tok json.Token) error {
	depth := 0
	for {
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = dec.Token(); err != nil {
			return err
		}
	}
}
