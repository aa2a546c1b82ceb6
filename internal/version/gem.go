package version

import "strings"

// GemVersion is a parsed RubyGems version: its canonical segments, numbers
// and letter runs.
type GemVersion struct {
	raw  string
	segs []gemSegment
}

type gemSegment struct {
	num   string // digits without leading zeros ("" is zero), when !isStr
	str   string
	isStr bool
}

// ParseGem parses s as RubyGems' Gem::Version does (lib/rubygems/version.rb,
// current upstream): it must match VERSION_PATTERN (digits, then
// dot-separated alphanumerics, then optional hyphenated parts) after
// stripping ASCII white space; hyphens are normalized ("1.0.0-beta.1" is
// "1.0.0.beta.1", "1.0.0-1" is "1.0.0.pre.1"), then the canonical segments
// drop trailing zeros and zeros before the first letter. RubyGems reads an
// empty string as "0"; ParseGem rejects it.
func ParseGem(s string) (GemVersion, error) {
	t := strings.Trim(s, " \t\r\n\f\v")
	if t == "" {
		return GemVersion{}, parseErr(Gem, s, "version string is empty")
	}
	if strings.Trim(s, " \t\r\n\f\v\x00") != t || !gemPatternOK(t) {
		return GemVersion{}, parseErr(Gem, s, "malformed version number string")
	}
	c := gemCanonical(gemNormalizeHyphens(t))
	return GemVersion{raw: s, segs: gemSegments(c)}, nil
}

// gemPatternOK matches [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
func gemPatternOK(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if i == len(s) {
		return true
	}
	if s[i] != '-' {
		return false
	}
	for _, part := range strings.Split(s[i+1:], ".") {
		if part == "" {
			return false
		}
		for k := 0; k < len(part); k++ {
			if !isAlnum(part[k]) && part[k] != '-' {
				return false
			}
		}
	}
	return true
}

// gemNormalizeHyphens is Gem::Version.normalize_hyphens: a hyphen before
// an identifier with a letter becomes a dot, one before a numeric
// identifier becomes ".pre.". Like Ruby's String#split, trailing empty
// parts are dropped.
func gemNormalizeHyphens(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	parts := strings.Split(s, "-")
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	for i := 1; i < len(parts); i++ {
		first, _, _ := strings.Cut(parts[i], ".")
		hasLetter := false
		for k := 0; k < len(first); k++ {
			if isAlpha(first[k]) {
				hasLetter = true
			}
		}
		if !hasLetter {
			parts[i] = "pre." + parts[i]
		}
	}
	return strings.Join(parts, ".")
}

// gemCanonical applies canonical_segments' two substitutions:
// /(?<=[a-zA-Z.])[.0]+\z/ -> "" and, for prereleases,
// /(?<=\.|\A)[0.]+(?=[a-zA-Z])/ -> "" (first match).
func gemCanonical(v string) string {
	q := len(v)
	for q > 0 && (v[q-1] == '.' || v[q-1] == '0') {
		q--
	}
	if q < len(v) {
		switch {
		case q > 0 && isAlpha(v[q-1]):
			v = v[:q]
		default:
			if k := strings.IndexByte(v[q:len(v)-1], '.'); k >= 0 {
				v = v[:q+k+1]
			}
		}
	}
	prerelease := false
	for i := 0; i < len(v); i++ {
		if isAlpha(v[i]) {
			prerelease = true
			break
		}
	}
	if !prerelease {
		return v
	}
	for p := 0; p < len(v); p++ {
		if p > 0 && v[p-1] != '.' || v[p] != '0' && v[p] != '.' {
			continue
		}
		e := p
		for e < len(v) && (v[e] == '0' || v[e] == '.') {
			e++
		}
		if e < len(v) && isAlpha(v[e]) {
			return v[:p] + v[e:]
		}
	}
	return v
}

// gemSegments scans /\d+|[a-z]+/i and drops a "pre" followed by another
// letter segment (skip_redundant_pre_segments).
func gemSegments(v string) []gemSegment {
	var segs []gemSegment
	for i := 0; i < len(v); {
		j := i
		switch {
		case isDigit(v[i]):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{num: strings.TrimLeft(v[i:j], "0")})
		case isAlpha(v[i]):
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{str: v[i:j], isStr: true})
		default:
			j++
		}
		i = j
	}
	out := segs[:0]
	for i, sg := range segs {
		if sg.isStr && sg.str == "pre" && i+1 < len(segs) && segs[i+1].isStr {
			continue
		}
		out = append(out, sg)
	}
	return out
}

// Compare orders a and b as Gem::Version#<=> does: segment by segment, a
// missing segment counting as 0, letters before numbers, letters compared
// as byte strings.
func (a GemVersion) Compare(b GemVersion) int {
	n := len(a.segs)
	if len(b.segs) > n {
		n = len(b.segs)
	}
	zero := gemSegment{}
	for i := 0; i < n; i++ {
		x, y := &zero, &zero
		if i < len(a.segs) {
			x = &a.segs[i]
		}
		if i < len(b.segs) {
			y = &b.segs[i]
		}
		switch {
		case x.isStr && y.isStr:
			if c := cmpString(x.str, y.str); c != 0 {
				return c
			}
		case x.isStr:
			return -1
		case y.isStr:
			return 1
		default:
			if c := cmpDecimal(x.num, y.num); c != 0 {
				return c
			}
		}
	}
	return 0
}

// String returns the version as parsed.
func (a GemVersion) String() string { return a.raw }

type gemComparator struct{}

func (gemComparator) Compare(a, b string) (int, error) {
	va, err := ParseGem(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseGem(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
