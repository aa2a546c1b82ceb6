package version

import (
	"strings"
	"unicode"
)

// PEP440Version is a parsed Python package version, as the packaging
// library's Version class reads it.
type PEP440Version struct {
	epoch   string // decimal digits, "" for 0
	release string // the release segment as written, e.g. "1.02.0"
	preL    string // "a", "b", "rc" or "" for none
	preN    string
	hasPost bool
	postN   string
	hasDev  bool
	devN    string
	hasLoc  bool
	local   string // the local segment as written (compared case-insensitively)
}

// ParsePEP440 parses s with packaging's VERSION_PATTERN (pypa/packaging
// src/packaging/version.py): [v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local],
// with the spellings and separators the pattern tolerates (alpha, c, pre,
// preview, rev, r, "-N" post releases, "_"/"-"/"." separators, any case)
// and surrounding white space. Only ASCII letters and digits count.
func ParsePEP440(s string) (PEP440Version, error) {
	var v PEP440Version
	t := strings.TrimFunc(s, pySpace)
	fail := func(reason string) (PEP440Version, error) {
		return PEP440Version{}, parseErr(PEP440, s, reason)
	}
	i := 0
	if i < len(t) && lower(t[i]) == 'v' {
		i++
	}
	d := digitsAt(t, i)
	if d == i {
		return fail("no release number")
	}
	if d < len(t) && t[d] == '!' {
		v.epoch = t[i:d]
		i = d + 1
		if d = digitsAt(t, i); d == i {
			return fail("no release number after the epoch")
		}
	}
	start := i
	i = d
	for i+1 < len(t) && t[i] == '.' && isDigit(t[i+1]) {
		i = digitsAt(t, i+1)
	}
	v.release = t[start:i]

	// Pre-release: [._-]? (alpha|a|beta|b|preview|pre|c|rc) [._-]? N?
	j := skipSep(t, i)
	if l, n := matchWord(t, j, "alpha", "a", "beta", "b", "preview", "pre", "c", "rc"); n > 0 {
		switch l[0] {
		case 'a':
			v.preL = "a"
		case 'b':
			v.preL = "b"
		default: // preview, pre, c, rc
			v.preL = "rc"
		}
		j = skipSep(t, j+n)
		d = digitsAt(t, j)
		v.preN = t[j:d]
		i = d
	}

	// Post-release: -N, or [._-]? (post|rev|r) [._-]? N?
	if i+1 < len(t) && t[i] == '-' && isDigit(t[i+1]) {
		d = digitsAt(t, i+1)
		v.hasPost, v.postN = true, t[i+1:d]
		i = d
	} else {
		j = skipSep(t, i)
		if _, n := matchWord(t, j, "post", "rev", "r"); n > 0 {
			j = skipSep(t, j+n)
			d = digitsAt(t, j)
			v.hasPost, v.postN = true, t[j:d]
			i = d
		}
	}

	// Development release: [._-]? dev [._-]? N?
	j = skipSep(t, i)
	if _, n := matchWord(t, j, "dev"); n > 0 {
		j = skipSep(t, j+n)
		d = digitsAt(t, j)
		v.hasDev, v.devN = true, t[j:d]
		i = d
	}

	// Local version: + [a-z0-9]+ ([._-][a-z0-9]+)*
	if i < len(t) && t[i] == '+' {
		i++
		start := i
		for {
			k := i
			for k < len(t) && isAlnum(t[k]) {
				k++
			}
			if k == i {
				return fail("invalid local version")
			}
			i = k
			if i+1 < len(t) && strings.IndexByte("._-", t[i]) >= 0 && isAlnum(t[i+1]) {
				i++
				continue
			}
			break
		}
		v.hasLoc, v.local = true, t[start:i]
	}
	if i != len(t) {
		return fail("does not follow PEP 440")
	}
	return v, nil
}

// pySpace is Python's str.isspace, which \s and str.strip use.
func pySpace(r rune) bool {
	return r >= 0x1c && r <= 0x1f || unicode.IsSpace(r)
}

func digitsAt(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func skipSep(s string, i int) int {
	if i < len(s) && (s[i] == '.' || s[i] == '_' || s[i] == '-') {
		return i + 1
	}
	return i
}

// matchWord returns the first of words that s has at i, ignoring ASCII
// case, and its length.
func matchWord(s string, i int, words ...string) (string, int) {
	for _, w := range words {
		if i+len(w) <= len(s) && asciiEqualFold(s[i:i+len(w)], w) {
			return w, len(w)
		}
	}
	return "", 0
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// Compare orders a and b by packaging's _cmpkey: epoch, release without
// trailing zeros, pre-release (a dev-only release before any pre-release),
// post-release, dev release, local segment.
func (a PEP440Version) Compare(b PEP440Version) int {
	if c := cmpDecimal(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	if c := cmpPre(a, b); c != 0 {
		return c
	}
	if c := cmpOptional(a.hasPost, a.postN, b.hasPost, b.postN, -1); c != 0 {
		return c
	}
	if c := cmpOptional(a.hasDev, a.devN, b.hasDev, b.devN, 1); c != 0 {
		return c
	}
	return compareLocal(a.hasLoc, a.local, b.hasLoc, b.local)
}

// compareRelease compares dot-separated numbers, missing ones as zero.
func compareRelease(a, b string) int {
	for a != "" || b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := cmpDecimal(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// preRank places the pre-release slot: -1 for a dev-only release (sorts
// first), 0 for a real pre-release, 1 for none (sorts last).
func (a PEP440Version) preRank() int {
	switch {
	case a.preL == "" && !a.hasPost && a.hasDev:
		return -1
	case a.preL == "":
		return 1
	}
	return 0
}

func cmpPre(a, b PEP440Version) int {
	ra, rb := a.preRank(), b.preRank()
	if ra != rb {
		return sign(ra - rb)
	}
	if ra != 0 {
		return 0
	}
	if c := cmpString(a.preL, b.preL); c != 0 {
		return c
	}
	return cmpDecimal(a.preN, b.preN)
}

// cmpOptional compares an optional number whose absence sorts at missing
// (-1 first, +1 last).
func cmpOptional(hasA bool, a string, hasB bool, b string, missing int) int {
	switch {
	case hasA && hasB:
		return cmpDecimal(a, b)
	case hasA == hasB:
		return 0
	case !hasA:
		return missing
	}
	return -missing
}

// compareLocal compares local segments: none first, then part by part,
// numbers above words, words case-insensitively, a shorter list first.
func compareLocal(hasA bool, a string, hasB bool, b string) int {
	if !hasA || !hasB {
		return cmpOptional(hasA, "", hasB, "", -1)
	}
	for {
		x, ra, moreA := cutLocal(a)
		y, rb, moreB := cutLocal(b)
		xn, yn := allDigits(x), allDigits(y)
		var c int
		switch {
		case xn && yn:
			c = cmpDecimal(x, y)
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = compareFoldASCII(x, y)
		}
		if c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = ra, rb
	}
}

func cutLocal(s string) (part, rest string, more bool) {
	if i := strings.IndexAny(s, "._-"); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func compareFoldASCII(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := lower(a[i]), lower(b[i]); x != y {
			return sign(int(x) - int(y))
		}
	}
	return sign(len(a) - len(b))
}

type pep440Comparator struct{}

func (pep440Comparator) Compare(a, b string) (int, error) {
	va, err := ParsePEP440(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParsePEP440(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
