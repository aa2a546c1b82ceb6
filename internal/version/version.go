// Package version orders package versions the way each ecosystem's own
// tools do: dpkg, apk, rpm, npm semver (with node-semver ranges), Go
// modules and toolchains, PEP 440, Maven's ComparableVersion and RubyGems.
//
// It is the pure core of advisory matching: it only parses and compares
// strings, does no I/O and must not import any other Vigil package (only
// the standard library and golang.org/x/mod/semver). Every scheme has a
// Parse function returning a value whose Compare method does not allocate,
// for matching millions of pairs; the Comparator returned by ForScheme
// parses both sides on every call and is the convenient form.
// ParseSemverRange reads npm ranges ("^1.2.3 || >=2.0.0-rc.1 <2.1").
package version

import (
	"fmt"
)

// Comparator compares two versions of one scheme. Compare returns -1, 0 or
// +1 as a sorts before, equal to or after b, and a *ParseError when either
// side is not a valid version of the scheme. Equal (0) means "the same
// version" to the scheme's tools, which may differ from string equality
// ("1.0" and "1.0.0" are equal for several schemes).
type Comparator interface {
	Compare(a, b string) (int, error)
}

// Scheme names a versioning scheme.
type Scheme string

// The schemes this package implements. ForScheme maps each to its
// Comparator.
const (
	Dpkg   Scheme = "dpkg"   // Debian: epoch:upstream-revision, '~' sorts first
	APK    Scheme = "apk"    // Alpine apk-tools: 1.2.3_rc1-r0
	RPM    Scheme = "rpm"    // rpmvercmp over epoch:version-release
	Semver Scheme = "semver" // npm's node-semver
	Go     Scheme = "go"     // Go modules (pseudo-versions, +incompatible) and toolchains (go1.21rc2)
	PEP440 Scheme = "pep440" // Python packaging's Version
	Maven  Scheme = "maven"  // Maven's ComparableVersion
	Gem    Scheme = "gem"    // RubyGems' Gem::Version
)

// ParseError reports a version string that is not valid in a scheme.
type ParseError struct {
	Scheme  Scheme
	Version string
	Reason  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("parsing %s version %q: %s", e.Scheme, e.Version, e.Reason)
}

func parseErr(s Scheme, v, reason string) error {
	return &ParseError{Scheme: s, Version: v, Reason: reason}
}

// sign folds any integer to -1, 0 or +1.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// cmpDecimal compares two strings of ASCII digits as unbounded integers,
// ignoring leading zeros. Either may be empty, which counts as zero.
func cmpDecimal(a, b string) int {
	for len(a) > 0 && a[0] == '0' {
		a = a[1:]
	}
	for len(b) > 0 && b[0] == '0' {
		b = b[1:]
	}
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
