package version

import (
	goversion "go/version"
	"strings"

	"golang.org/x/mod/semver"
)

// GoVersion is a parsed Go version: a module version ("v1.2.3",
// pseudo-versions such as "v0.0.0-20190620200207-3b0461eec859",
// "v2.0.0+incompatible"; the "v" may be left out) or a Go toolchain version
// ("go1.21rc2", "go1.21.0").
type GoVersion struct {
	raw       string
	toolchain bool
	sv        string // the version as semver with a "v", for golang.org/x/mod/semver
}

// ParseGo parses s. A string starting with "go" is a toolchain version,
// checked by the standard library's go/version; anything else is a module
// version, checked by golang.org/x/mod/semver after adding a missing "v".
// A bare "1.21.0" is therefore read as a module version, which orders the
// same as toolchain "go1.21.0"; "1.21rc2" is not semver and is read as
// "go1.21rc2".
func ParseGo(s string) (GoVersion, error) {
	if strings.HasPrefix(s, "go") {
		return parseGoToolchain(s)
	}
	sv := s
	if !strings.HasPrefix(sv, "v") {
		sv = "v" + sv
	}
	if semver.IsValid(sv) {
		return GoVersion{raw: s, sv: sv}, nil
	}
	if !strings.HasPrefix(s, "v") {
		if v, err := parseGoToolchain("go" + s); err == nil {
			v.raw = s
			return v, nil
		}
	}
	return GoVersion{}, parseErr(Go, s, "neither a semantic version nor a Go toolchain version")
}

// parseGoToolchain maps a toolchain version onto semver so that it orders
// against module versions the way the Go vulnerability database writes
// toolchain releases: go1.21rc2 is 1.21.0-rc.2 and the language version
// go1.21 (before go1.21rc1) is 1.21.0-0. The mapping keeps go/version's own
// order: go1.21 < go1.21rc1 < go1.21.0 < go1.21.1.
func parseGoToolchain(s string) (GoVersion, error) {
	if !goversion.IsValid(s) {
		return GoVersion{}, parseErr(Go, s, "not a valid Go toolchain version")
	}
	v, _, _ := strings.Cut(s[2:], "-") // go/version ignores a -custom suffix
	major, rest, _ := strings.Cut(v, ".")
	minor := "0"
	if rest != "" {
		minor = rest
		rest = ""
		for i := 0; i < len(minor); i++ {
			if !isDigit(minor[i]) {
				minor, rest = minor[:i], minor[i:]
				break
			}
		}
	}
	var sv string
	switch {
	case strings.HasPrefix(rest, "."): // go1.21.3
		sv = "v" + major + "." + minor + rest
	case rest != "": // go1.21rc2, go1.9beta1
		i := 0
		for i < len(rest) && !isDigit(rest[i]) {
			i++
		}
		sv = "v" + major + "." + minor + ".0-" + rest[:i]
		if i < len(rest) {
			sv += "." + rest[i:]
		}
	case strings.Count(v, ".") == 0 || cmpDecimal(minor, "21") < 0: // go1, go1.20 mean x.y.0
		sv = "v" + major + "." + minor + ".0"
	default: // go1.21, the language version
		sv = "v" + major + "." + minor + ".0-0"
	}
	return GoVersion{raw: s, toolchain: true, sv: sv}, nil
}

// Compare orders a and b by semver precedence, ignoring build metadata
// such as +incompatible. Two toolchain versions compare with go/version.
func (a GoVersion) Compare(b GoVersion) int {
	if a.toolchain && b.toolchain && strings.HasPrefix(a.raw, "go") && strings.HasPrefix(b.raw, "go") {
		return goversion.Compare(a.raw, b.raw)
	}
	return semver.Compare(a.sv, b.sv)
}

// String returns the version as parsed.
func (a GoVersion) String() string { return a.raw }

// Semver returns the version as the semver string it is ordered by.
func (a GoVersion) Semver() string { return a.sv }

type goComparator struct{}

func (goComparator) Compare(a, b string) (int, error) {
	va, err := ParseGo(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseGo(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
