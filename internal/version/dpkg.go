package version

import (
	"strconv"
	"strings"
)

// DpkgVersion is a parsed Debian package version,
// [epoch:]upstream[-revision], as dpkg's parseversion splits it.
type DpkgVersion struct {
	Epoch    int
	Upstream string
	Revision string // "" when the version has no hyphen
}

// ParseDpkg parses a Debian version the way dpkg 1.21 does
// (lib/dpkg/parsehelp.c parseversion): surrounding blanks are trimmed, the
// epoch runs to the first colon, the revision starts after the last hyphen.
// Like dpkg --compare-versions it rejects what dpkg calls errors (empty
// parts, a bad epoch, embedded blanks) and accepts what dpkg only warns
// about (a version not starting with a digit, unusual characters).
func ParseDpkg(s string) (DpkgVersion, error) {
	fail := func(reason string) (DpkgVersion, error) {
		return DpkgVersion{}, parseErr(Dpkg, s, reason)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fail("contains a NUL byte")
	}
	v := strings.TrimLeft(s, " \t")
	if v == "" {
		return fail("version string is empty")
	}
	if end := strings.IndexAny(v, " \t"); end >= 0 {
		if strings.TrimLeft(v[end:], " \t") != "" {
			return fail("version string has embedded spaces")
		}
		v = v[:end]
	}
	var out DpkgVersion
	if colon := strings.IndexByte(v, ':'); colon >= 0 {
		epoch, reason := dpkgEpoch(v[:colon])
		if reason != "" {
			return fail(reason)
		}
		v = v[colon+1:]
		if v == "" {
			return fail("nothing after colon in version number")
		}
		out.Epoch = epoch
	}
	out.Upstream = v
	if h := strings.LastIndexByte(v, '-'); h >= 0 {
		out.Upstream, out.Revision = v[:h], v[h+1:]
		if out.Revision == "" {
			return fail("revision number is empty")
		}
	}
	if out.Upstream == "" {
		return fail("version number is empty")
	}
	return out, nil
}

// dpkgEpoch reads the epoch as C's strtol does (leading white space and a
// sign allowed) and applies dpkg's checks.
func dpkgEpoch(s string) (int, string) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	n := 0
	for i < len(s) && isDigit(s[i]) {
		if n <= 1<<31 {
			n = n*10 + int(s[i]-'0')
		}
		i++
	}
	switch {
	case i == start:
		return 0, "epoch in version is empty"
	case i != len(s):
		return 0, "epoch in version is not number"
	case neg && n != 0:
		return 0, "epoch in version is negative"
	case n > 1<<31-1:
		return 0, "epoch in version is too big"
	}
	return n, ""
}

// Compare orders a and b as dpkg_version_compare does: epoch, then upstream
// and revision with verrevcmp.
func (a DpkgVersion) Compare(b DpkgVersion) int {
	if a.Epoch != b.Epoch {
		if a.Epoch < b.Epoch {
			return -1
		}
		return 1
	}
	if c := verrevcmp(a.Upstream, b.Upstream); c != 0 {
		return c
	}
	return verrevcmp(a.Revision, b.Revision)
}

// String returns the version in dpkg's canonical spelling.
func (a DpkgVersion) String() string {
	var b strings.Builder
	if a.Epoch != 0 {
		b.WriteString(strconv.Itoa(a.Epoch))
		b.WriteByte(':')
	}
	b.WriteString(a.Upstream)
	if a.Revision != "" {
		b.WriteByte('-')
		b.WriteString(a.Revision)
	}
	return b.String()
}

// dpkgOrder is dpkg's order(): digits and the end of the string weigh 0,
// letters their ASCII value, '~' sorts before everything, other characters
// after all letters. dpkg passes a (signed on amd64) char, so bytes >= 0x80
// weigh their unsigned value.
func dpkgOrder(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	case c >= 0x80:
		return int(c)
	}
	return int(c) + 256
}

// verrevcmp is dpkg's comparison of an upstream version or a revision:
// alternating non-digit runs, compared character by character with
// dpkgOrder, and digit runs, compared as numbers.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := 0, 0
			if i < len(a) {
				ac = dpkgOrder(a[i])
			}
			if j < len(b) {
				bc = dpkgOrder(b[j])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

type dpkgComparator struct{}

func (dpkgComparator) Compare(a, b string) (int, error) {
	va, err := ParseDpkg(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseDpkg(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
