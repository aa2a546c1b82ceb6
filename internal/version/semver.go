package version

import (
	"strconv"
	"strings"
)

// SemverVersion is a parsed npm semver version, as node-semver's SemVer
// class reads it in its default (strict) mode.
type SemverVersion struct {
	Major, Minor, Patch uint64
	Prerelease          string // dot-separated identifiers without the '-', "" if none
	Build               string // without the '+', "" if none; ignored by Compare
}

// semverMaxLength and semverMaxSafe are node-semver's MAX_LENGTH and
// MAX_SAFE_INTEGER (Number.MAX_SAFE_INTEGER).
const (
	semverMaxLength = 256
	semverMaxSafe   = 1<<53 - 1
)

// ParseSemver parses s as node-semver's `new SemVer(s)` does: at most 256
// bytes, surrounding white space and one leading "v" allowed, then
// MAJOR.MINOR.PATCH with no leading zeros, an optional -prerelease and an
// optional +build.
func ParseSemver(s string) (SemverVersion, error) {
	v, reason := parseSemver(s)
	if reason != "" {
		return SemverVersion{}, parseErr(Semver, s, reason)
	}
	return v, nil
}

func parseSemver(s string) (SemverVersion, string) {
	if len(s) > semverMaxLength {
		return SemverVersion{}, "longer than 256 bytes"
	}
	t := jsTrim(s)
	if strings.HasPrefix(t, "v") {
		t = t[1:]
	}
	var v SemverVersion
	var ok bool
	for i, p := range []*uint64{&v.Major, &v.Minor, &v.Patch} {
		var num string
		num, t, ok = cutNumericIdent(t)
		if !ok {
			return SemverVersion{}, "not MAJOR.MINOR.PATCH"
		}
		if i < 2 {
			if t == "" || t[0] != '.' {
				return SemverVersion{}, "not MAJOR.MINOR.PATCH"
			}
			t = t[1:]
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil || n > semverMaxSafe {
			return SemverVersion{}, "component larger than 2^53-1"
		}
		*p = n
	}
	if strings.HasPrefix(t, "-") {
		end := strings.IndexByte(t, '+')
		if end < 0 {
			end = len(t)
		}
		v.Prerelease, t = t[1:end], t[end:]
		if !validIdents(v.Prerelease, true) {
			return SemverVersion{}, "invalid prerelease"
		}
	}
	if strings.HasPrefix(t, "+") {
		v.Build, t = t[1:], ""
		if !validIdents(v.Build, false) {
			return SemverVersion{}, "invalid build metadata"
		}
	}
	if t != "" {
		return SemverVersion{}, "unexpected text after the version"
	}
	return v, ""
}

// cutNumericIdent cuts "0" or a digit run without a leading zero.
func cutNumericIdent(s string) (num, rest string, ok bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || s[0] == '0' && i > 1 {
		return "", s, false
	}
	return s[:i], s[i:], true
}

// validIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// prerelease identifiers must not have leading zeros.
func validIdents(s string, pre bool) bool {
	for {
		id, rest, more := strings.Cut(s, ".")
		if id == "" {
			return false
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !isAlnum(c) && c != '-' {
				return false
			}
			if !isDigit(c) {
				numeric = false
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// Compare orders a and b by semver precedence (build metadata ignored),
// as node-semver's compare does.
func (a SemverVersion) Compare(b SemverVersion) int {
	if c := a.compareMain(b); c != 0 {
		return c
	}
	return comparePrerelease(a.Prerelease, b.Prerelease)
}

func (a SemverVersion) compareMain(b SemverVersion) int {
	switch {
	case a.Major != b.Major:
		return cmpUint(a.Major, b.Major)
	case a.Minor != b.Minor:
		return cmpUint(a.Minor, b.Minor)
	}
	return cmpUint(a.Patch, b.Patch)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// comparePrerelease orders prerelease strings: none sorts after any, then
// identifier by identifier, numbers below words, a shorter list first.
// Numeric identifiers compare exactly (node-semver compares ones of 2^53
// and above as rounded floating-point numbers).
func comparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	for {
		ia, ra, moreA := strings.Cut(a, ".")
		ib, rb, moreB := strings.Cut(b, ".")
		if c := compareIdent(ia, ib); c != 0 {
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

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func compareIdent(a, b string) int {
	an, bn := allDigits(a), allDigits(b)
	switch {
	case an && bn:
		return cmpDecimal(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return cmpString(a, b)
}

// String formats the version as node-semver's version property does
// (without build metadata).
func (a SemverVersion) String() string {
	s := strconv.FormatUint(a.Major, 10) + "." + strconv.FormatUint(a.Minor, 10) + "." + strconv.FormatUint(a.Patch, 10)
	if a.Prerelease != "" {
		s += "-" + a.Prerelease
	}
	return s
}

// jsSpace reports whether r is white space for JavaScript's String.trim
// and \s.
func jsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

func jsTrim(s string) string { return strings.TrimFunc(s, jsSpace) }

type semverComparator struct{}

func (semverComparator) Compare(a, b string) (int, error) {
	va, err := ParseSemver(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseSemver(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
