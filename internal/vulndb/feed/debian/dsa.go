package debian

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// DSASource is the Advisory.Source of the DSA and DLA lists' records.
const DSASource = "debian-dsa"

// DSAFormat is the security tracker's advisory lists, data/DSA/list and
// data/DLA/list:
//
//	[29 Mar 2023] DSA-5380-1 xorg-server - security update
//		{CVE-2023-1393}
//		[bullseye] - xorg-server 2:1.20.11-1+deb11u6
//		[buster] - foo <not-affected> (vulnerable code not present)
//		NOTE: …
//
// Parse returns one advisory per DSA or DLA, its CVEs as aliases (each
// applies to every release listed), published on the bracketed date, with
// one Affected entry per release line: a version is a fix (introduced 0,
// fixed V); <not-affected> is not-affected; <unfixed> and <postponed> are
// affected; <end-of-life>, <no-dsa> and <ignored> are will-not-fix;
// <undetermined> is under-investigation; <removed> and <itp> lines say
// nothing of a shipped package and are dropped. An urgency in the trailing
// parentheses ("(bug #332524; medium)") becomes the Affected's Severity.
// NOTE lines are commentary, as in the tracker's own parser, even when they
// quote a release line. Records without CVEs (regression updates,
// announcements) are kept as they are.
type DSAFormat struct{}

var _ feed.Format = DSAFormat{}

// Name implements feed.Format.
func (DSAFormat) Name() string { return DSASource }

// Version implements feed.Format.
func (DSAFormat) Version() int { return 1 }

var dsaHeaderRe = regexp.MustCompile(`^\[(\d{1,2} [A-Za-z]{3} \d{4})\] (D[SL]A-\d+(?:-\d+)?)(?:\s+(.*))?$`)

// Match claims a file named "list" that starts with an advisory header.
func (DSAFormat) Match(p string, head []byte) bool {
	if path.Base(p) != "list" {
		return false
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return dsaHeaderRe.Match(bytes.TrimRight(line, "\r"))
}

// maxLine caps one line of a list; the longest real line is some 3 KB.
const maxLine = 1 << 20

var (
	suiteLineRe = regexp.MustCompile(`^\[([a-z0-9-]+)\]\s+-\s+(\S+)\s*(.*)$`)
	kindRe      = regexp.MustCompile(`^<([a-z-]+)>\s*(.*)$`)
)

// Parse reads one list. Records and lines it cannot read (a header without
// a date or id, a release unknown, a version dpkg rejects, an unknown
// line) are skipped and reported by a *feed.Warnings error returned with the
// advisories.
func (DSAFormat) Parse(ctx context.Context, p string, r io.Reader) ([]vulndb.Advisory, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		out  []vulndb.Advisory
		cur  *vulndb.Advisory
		skip bool // inside a record whose header was skipped
		warn = &feed.Warnings{Path: p}
		n    int
	)
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			flush()
			m := dsaHeaderRe.FindStringSubmatch(line)
			if m == nil {
				warn.Add("line %d: not an advisory header: %q", n, line)
				skip = true
				continue
			}
			skip = false
			cur = &vulndb.Advisory{
				ID:         m[2],
				Summary:    strings.TrimSpace(m[3]),
				References: []string{trackerURL + m[2]},
				Source:     DSASource,
				Origin:     p,
			}
			if t, err := time.Parse("2 Jan 2006", m[1]); err == nil {
				cur.Published = t
			} else {
				warn.Add("line %d: %s: date %q not read", n, m[2], m[1])
			}
			continue
		}
		if skip {
			continue
		}
		if cur == nil {
			warn.Add("line %d: outside any advisory: %q", n, line)
			continue
		}
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "{"):
			inner, ok := strings.CutSuffix(t[1:], "}")
			if !ok {
				warn.Add("line %d: %s: unterminated id list %q", n, cur.ID, t)
				continue
			}
			for _, id := range strings.Fields(inner) {
				if !contains(cur.Aliases, id) {
					cur.Aliases = append(cur.Aliases, id)
				}
			}
		case strings.HasPrefix(t, "["):
			if af, ok := dsaAffected(t, n, cur.ID, warn); ok {
				cur.Affected = append(cur.Affected, af)
			}
		case strings.HasPrefix(t, "NOTE:"):
		default:
			warn.Add("line %d: %s: unknown line %q", n, cur.ID, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading debian advisory list %q: %w", p, err)
	}
	flush()
	return out, warn.Err()
}

// dsaAffected reads one release line, "[suite] - srcpkg version|<kind> [(note)]".
func dsaAffected(t string, n int, id string, warn *feed.Warnings) (vulndb.Affected, bool) {
	m := suiteLineRe.FindStringSubmatch(t)
	if m == nil {
		warn.Add("line %d: %s: bad release line %q", n, id, t)
		return vulndb.Affected{}, false
	}
	suite, pkg, rest := m[1], m[2], m[3]
	ns, ok := releases[suite]
	if !ok {
		warn.Add("line %d: %s: unknown release %q", n, id, suite)
		return vulndb.Affected{}, false
	}
	af := vulndb.Affected{Namespace: ns, Package: vulndb.NormalizeName(ns, pkg), Scheme: version.Dpkg}
	var note string
	if k := kindRe.FindStringSubmatch(rest); k != nil {
		note = k[2]
		switch k[1] {
		case "not-affected":
			af.Status = vulndb.StatusNotAffected
		case "unfixed", "postponed":
			af.Status, af.Ranges = vulndb.StatusAffected, unfixedRange()
		case "end-of-life", "no-dsa", "ignored":
			af.Status, af.Ranges = vulndb.StatusWillNotFix, unfixedRange()
		case "undetermined":
			af.Status, af.Ranges = vulndb.StatusUnderInvestigation, unfixedRange()
		case "removed", "itp":
			return af, false
		default:
			warn.Add("line %d: %s: unknown state <%s>", n, id, k[1])
			return af, false
		}
	} else {
		v, after, _ := strings.Cut(rest, " ")
		if v == "" {
			warn.Add("line %d: %s: %s has no version", n, id, pkg)
			return af, false
		}
		if err := checkVersion(v); err != nil {
			warn.Add("line %d: %s: %v", n, id, err)
			return af, false
		}
		af.Status, af.Ranges = vulndb.StatusFixed, fixedRange(v)
		note = after
	}
	af.Severity = noteSeverity(note)
	return af, true
}

// noteSeverity finds an urgency word in a release line's trailing
// parentheses: "(medium)", "(bug #332524; high)".
func noteSeverity(note string) []vulndb.Severity {
	note = strings.TrimSpace(note)
	inner, ok := strings.CutPrefix(note, "(")
	if !ok {
		return nil
	}
	inner, _ = strings.CutSuffix(inner, ")")
	for _, part := range strings.Split(inner, ";") {
		word := strings.TrimRight(strings.TrimSpace(part), "*")
		if _, ok := severities[word]; ok {
			return severities[word]
		}
	}
	return nil
}
