package version

import (
	"fmt"
	"regexp"
	"strings"
)

// SemverRange is a parsed npm version range: a union ("||") of comparator
// sets, each an intersection of comparators such as ">=1.2.3" or "<2.0.0-0".
type SemverRange struct {
	raw  string
	sets [][]semverComparatorAtom
}

type semverComparatorAtom struct {
	op  string // "", "<", "<=", ">", ">="; "" with any=false means equal
	any bool   // the empty comparator, which every version satisfies
	v   SemverVersion
}

// ParseSemverRange parses an npm range the way node-semver's Range class
// does in its default mode (not loose, prereleases not included): the same
// rewriting of hyphen ranges, x-ranges, tildes, carets and stars into
// comparators, so the same ranges are accepted and rejected.
func ParseSemverRange(s string) (SemverRange, error) {
	raw := jsWhitespace.ReplaceAllString(jsTrim(s), " ")
	r := SemverRange{raw: raw}
	for _, part := range strings.Split(raw, "||") {
		set, err := parseSemverComparatorSet(jsTrim(part))
		if err != nil {
			return SemverRange{}, fmt.Errorf("parsing npm range %q: %w", s, err)
		}
		if len(set) > 0 {
			r.sets = append(r.sets, set)
		}
	}
	if len(r.sets) == 0 {
		return SemverRange{}, fmt.Errorf("parsing npm range %q: no comparators", s)
	}
	if len(r.sets) > 1 {
		// Drop sets that match nothing (keeping one if all do); a set that
		// matches anything then stands for the whole range.
		kept := r.sets[:0:0]
		for _, set := range r.sets {
			if !set[0].isNullSet() {
				kept = append(kept, set)
			}
		}
		if len(kept) == 0 {
			kept = r.sets[:1]
		}
		r.sets = kept
		if len(r.sets) > 1 {
			for _, set := range r.sets {
				if len(set) == 1 && set[0].any {
					r.sets = [][]semverComparatorAtom{set}
					break
				}
			}
		}
	}
	return r, nil
}

// String returns the range in node-semver's normalized form (Range.range):
// comparators separated by spaces, sets by "||".
func (r SemverRange) String() string {
	var b strings.Builder
	for i, set := range r.sets {
		if i > 0 {
			b.WriteString("||")
		}
		for k, c := range set {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c.String())
		}
	}
	return b.String()
}

// Contains reports whether version v (parsed strictly) satisfies the range,
// as node-semver's satisfies(v, range) does. An invalid version satisfies
// nothing.
func (r SemverRange) Contains(v string) bool {
	sv, reason := parseSemver(v)
	if reason != "" {
		return false
	}
	return r.ContainsVersion(sv)
}

// ContainsVersion is Contains for a parsed version. A version with a
// prerelease only matches a comparator set that has a comparator with a
// prerelease on the same MAJOR.MINOR.PATCH: ">=1.2.3-beta" matches
// "1.2.3-rc.1" but not "1.2.4-rc.1".
func (r SemverRange) ContainsVersion(v SemverVersion) bool {
	for _, set := range r.sets {
		if testSemverSet(set, v) {
			return true
		}
	}
	return false
}

func testSemverSet(set []semverComparatorAtom, v SemverVersion) bool {
	for i := range set {
		if !set[i].test(v) {
			return false
		}
	}
	if v.Prerelease == "" {
		return true
	}
	for i := range set {
		c := &set[i]
		if c.any || c.v.Prerelease == "" {
			continue
		}
		if c.v.Major == v.Major && c.v.Minor == v.Minor && c.v.Patch == v.Patch {
			return true
		}
	}
	return false
}

func (c *semverComparatorAtom) test(v SemverVersion) bool {
	if c.any {
		return true
	}
	n := v.Compare(c.v)
	switch c.op {
	case "":
		return n == 0
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	}
	return n >= 0 // ">="
}

func (c semverComparatorAtom) String() string {
	if c.any {
		return ""
	}
	return c.op + c.v.String()
}

func (c semverComparatorAtom) isNullSet() bool { return c.String() == "<0.0.0-0" }

// The regular expressions of node-semver's internal/re.js (strict forms),
// with JavaScript's \s spelled out.
var (
	jsWS           = `[\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`
	jsWhitespace   = regexp.MustCompile(jsWS + `+`)
	reNumericIdent = `0|[1-9]\d*`
	reNonNumeric   = `\d*[a-zA-Z-][a-zA-Z0-9-]*`
	rePreIdent     = `(?:` + reNonNumeric + `|` + reNumericIdent + `)`
	rePrerelease   = `(?:-(` + rePreIdent + `(?:\.` + rePreIdent + `)*))`
	reBuildIdent   = `[a-zA-Z0-9-]+`
	reBuild        = `(?:\+(` + reBuildIdent + `(?:\.` + reBuildIdent + `)*))`
	reMainVersion  = `(` + reNumericIdent + `)\.(` + reNumericIdent + `)\.(` + reNumericIdent + `)`
	reFullPlain    = `v?` + reMainVersion + rePrerelease + `?` + reBuild + `?`
	reLoosePlain   = `[v=` + jsWS[1:len(jsWS)-1] + `]*` + `(\d+)\.(\d+)\.(\d+)` +
		`(?:-?((?:` + reNonNumeric + `|\d+)(?:\.(?:` + reNonNumeric + `|\d+))*))?` + reBuild + `?`
	reGTLT        = `((?:<|>)?=?)`
	reXRangeIdent = reNumericIdent + `|x|X|\*`
	reXRangePlain = `[v=` + jsWS[1:len(jsWS)-1] + `]*(` + reXRangeIdent + `)(?:\.(` + reXRangeIdent + `)(?:\.(` +
		reXRangeIdent + `)(?:` + rePrerelease + `)?` + reBuild + `?)?)?`

	semverBuildRE          = regexp.MustCompile(reBuild)
	semverHyphenRE         = regexp.MustCompile(`^` + jsWS + `*(` + reXRangePlain + `)` + jsWS + `+-` + jsWS + `+(` + reXRangePlain + `)` + jsWS + `*$`)
	semverComparatorTrimRE = regexp.MustCompile(`(` + jsWS + `*)` + reGTLT + jsWS + `*(` + reLoosePlain + `|` + reXRangePlain + `)`)
	semverTildeTrimRE      = regexp.MustCompile(`(` + jsWS + `*)(?:~>?)` + jsWS + `+`)
	semverCaretTrimRE      = regexp.MustCompile(`(` + jsWS + `*)(?:\^)` + jsWS + `+`)
	semverTildeRE          = regexp.MustCompile(`^(?:~>?)` + reXRangePlain + `$`)
	semverCaretRE          = regexp.MustCompile(`^(?:\^)` + reXRangePlain + `$`)
	semverXRangeRE         = regexp.MustCompile(`^` + reGTLT + jsWS + `*` + reXRangePlain + `$`)
	semverStarRE           = regexp.MustCompile(`(<|>)?=?` + jsWS + `*\*`)
	semverGTE0RE           = regexp.MustCompile(`^` + jsWS + `*>=` + jsWS + `*0\.0\.0` + jsWS + `*$`)
	semverComparatorRE     = regexp.MustCompile(`^` + reGTLT + jsWS + `*(` + reFullPlain + `)$|^$`)
)

// replaceFunc is JavaScript's String.prototype.replace with a function:
// the first match only, or every match when all is set. Groups that did
// not take part in the match are "".
func replaceFunc(re *regexp.Regexp, s string, all bool, f func(g []string) string) string {
	n := 1
	if all {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		g := make([]string, len(m)/2)
		for i := range g {
			if m[2*i] >= 0 {
				g[i] = s[m[2*i]:m[2*i+1]]
			}
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(f(g))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func splitJSWhitespace(s string) []string { return jsWhitespace.Split(s, -1) }

func isX(id string) bool { return id == "" || id == "x" || id == "X" || id == "*" }

// incDecimal adds one to a decimal string (which JavaScript would do on a
// Number; the results differ only beyond 2^53, which are invalid anyway).
func incDecimal(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// parseSemverComparatorSet is node-semver's Range.parseRange.
func parseSemverComparatorSet(r string) ([]semverComparatorAtom, error) {
	r = semverBuildRE.ReplaceAllString(r, "")
	r = replaceFunc(semverHyphenRE, r, false, semverHyphenReplace)
	r = replaceFunc(semverComparatorTrimRE, r, true, func(g []string) string { return g[1] + g[2] + g[3] })
	r = replaceFunc(semverTildeTrimRE, r, true, func(g []string) string { return g[1] + "~" })
	r = replaceFunc(semverCaretTrimRE, r, true, func(g []string) string { return g[1] + "^" })

	var comps []string
	for _, c := range strings.Split(r, " ") {
		comps = append(comps, semverParseComparator(c))
	}
	var list []string
	for _, c := range splitJSWhitespace(strings.Join(comps, " ")) {
		list = append(list, semverGTE0RE.ReplaceAllString(jsTrim(c), ""))
	}

	var atoms []semverComparatorAtom
	for _, c := range list {
		a, err := newSemverComparatorAtom(c)
		if err != nil {
			return nil, err
		}
		atoms = append(atoms, a)
	}
	var out []semverComparatorAtom
	seen := map[string]int{}
	for _, a := range atoms {
		if a.isNullSet() {
			return []semverComparatorAtom{a}, nil
		}
		key := a.String()
		if i, ok := seen[key]; ok {
			out[i] = a
			continue
		}
		seen[key] = len(out)
		out = append(out, a)
	}
	if _, ok := seen[""]; ok && len(out) > 1 {
		i := seen[""]
		out = append(out[:i], out[i+1:]...)
	}
	return out, nil
}

func semverHyphenReplace(g []string) string {
	from, fM, fm, fp := g[1], g[2], g[3], g[4]
	to, tM, tm, tp, tpr := g[7], g[8], g[9], g[10], g[11]
	switch {
	case isX(fM):
		from = ""
	case isX(fm):
		from = ">=" + fM + ".0.0"
	case isX(fp):
		from = ">=" + fM + "." + fm + ".0"
	default:
		from = ">=" + from
	}
	switch {
	case isX(tM):
		to = ""
	case isX(tm):
		to = "<" + incDecimal(tM) + ".0.0-0"
	case isX(tp):
		to = "<" + tM + "." + incDecimal(tm) + ".0-0"
	case tpr != "":
		to = "<=" + tM + "." + tm + "." + tp + "-" + tpr
	default:
		to = "<=" + to
	}
	return jsTrim(from + " " + to)
}

// semverParseComparator is node-semver's parseComparator: one
// space-separated token rewritten into plain comparators.
func semverParseComparator(c string) string {
	c = replaceFunc(semverBuildRE, c, false, func([]string) string { return "" })
	c = mapTokens(c, semverReplaceCaret)
	c = mapTokens(c, semverReplaceTilde)
	var xs []string
	for _, t := range splitJSWhitespace(c) {
		xs = append(xs, semverReplaceXRange(t))
	}
	c = strings.Join(xs, " ")
	return replaceFunc(semverStarRE, jsTrim(c), false, func([]string) string { return "" })
}

// mapTokens is comp.trim().split(/\s+/).map(f).join(' ').
func mapTokens(c string, f func(string) string) string {
	parts := splitJSWhitespace(jsTrim(c))
	for i, p := range parts {
		parts[i] = f(p)
	}
	return strings.Join(parts, " ")
}

func semverReplaceTilde(c string) string {
	return replaceFunc(semverTildeRE, c, false, func(g []string) string {
		M, m, p, pr := g[1], g[2], g[3], g[4]
		switch {
		case isX(M):
			return ""
		case isX(m):
			return ">=" + M + ".0.0 <" + incDecimal(M) + ".0.0-0"
		case isX(p):
			return ">=" + M + "." + m + ".0 <" + M + "." + incDecimal(m) + ".0-0"
		case pr != "":
			return ">=" + M + "." + m + "." + p + "-" + pr + " <" + M + "." + incDecimal(m) + ".0-0"
		}
		return ">=" + M + "." + m + "." + p + " <" + M + "." + incDecimal(m) + ".0-0"
	})
}

func semverReplaceCaret(c string) string {
	return replaceFunc(semverCaretRE, c, false, func(g []string) string {
		M, m, p, pr := g[1], g[2], g[3], g[4]
		if pr != "" {
			pr = "-" + pr
		}
		switch {
		case isX(M):
			return ""
		case isX(m):
			return ">=" + M + ".0.0 <" + incDecimal(M) + ".0.0-0"
		case isX(p):
			if M == "0" {
				return ">=" + M + "." + m + ".0 <" + M + "." + incDecimal(m) + ".0-0"
			}
			return ">=" + M + "." + m + ".0 <" + incDecimal(M) + ".0.0-0"
		case M == "0" && m == "0":
			return ">=" + M + "." + m + "." + p + pr + " <" + M + "." + m + "." + incDecimal(p) + "-0"
		case M == "0":
			return ">=" + M + "." + m + "." + p + pr + " <" + M + "." + incDecimal(m) + ".0-0"
		}
		return ">=" + M + "." + m + "." + p + pr + " <" + incDecimal(M) + ".0.0-0"
	})
}

func semverReplaceXRange(c string) string {
	c = jsTrim(c)
	return replaceFunc(semverXRangeRE, c, false, func(g []string) string {
		ret, gtlt, M, m, p := g[0], g[1], g[2], g[3], g[4]
		if isX(M) && !isX(m) || isX(m) && p != "" && !isX(p) {
			return c
		}
		xM := isX(M)
		xm := xM || isX(m)
		xp := xm || isX(p)
		if gtlt == "=" && xp {
			gtlt = ""
		}
		pr := ""
		switch {
		case xM:
			if gtlt == ">" || gtlt == "<" {
				return "<0.0.0-0"
			}
			return "*"
		case gtlt != "" && xp:
			if xm {
				m = "0"
			}
			p = "0"
			switch gtlt {
			case ">":
				gtlt = ">="
				if xm {
					M, m, p = incDecimal(M), "0", "0"
				} else {
					m, p = incDecimal(m), "0"
				}
			case "<=":
				gtlt = "<"
				if xm {
					M = incDecimal(M)
				} else {
					m = incDecimal(m)
				}
			}
			if gtlt == "<" {
				pr = "-0"
			}
			return gtlt + M + "." + m + "." + p + pr
		case xm:
			return ">=" + M + ".0.0 <" + incDecimal(M) + ".0.0-0"
		case xp:
			return ">=" + M + "." + m + ".0 <" + M + "." + incDecimal(m) + ".0-0"
		}
		return ret
	})
}

// newSemverComparatorAtom is node-semver's Comparator constructor.
func newSemverComparatorAtom(c string) (semverComparatorAtom, error) {
	c = strings.Join(splitJSWhitespace(jsTrim(c)), " ")
	m := semverComparatorRE.FindStringSubmatch(c)
	if m == nil {
		return semverComparatorAtom{}, fmt.Errorf("invalid comparator %q", c)
	}
	op := m[1]
	if op == "=" {
		op = ""
	}
	if m[2] == "" {
		return semverComparatorAtom{any: true}, nil
	}
	v, reason := parseSemver(m[2])
	if reason != "" {
		return semverComparatorAtom{}, fmt.Errorf("invalid comparator %q: %s", c, reason)
	}
	return semverComparatorAtom{op: op, v: v}, nil
}
