package version

import "strings"

// RPMVersion is a parsed [epoch:]version[-release].
type RPMVersion struct {
	Epoch   string // decimal digits, "" when absent (which counts as 0)
	Version string
	Release string // "" when absent
}

// ParseRPM splits s as rpm's parseEVR does: the epoch is a run of digits
// ended by a colon, the release follows the last hyphen. An empty string,
// an empty version and white space are rejected.
func ParseRPM(s string) (RPMVersion, error) {
	if s == "" {
		return RPMVersion{}, parseErr(RPM, s, "version string is empty")
	}
	if strings.ContainsAny(s, " \t\n\r\v\f\x00") {
		return RPMVersion{}, parseErr(RPM, s, "contains white space")
	}
	var v RPMVersion
	rest := s
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	if i < len(rest) && rest[i] == ':' {
		v.Epoch, rest = rest[:i], rest[i+1:]
	}
	v.Version = rest
	if h := strings.LastIndexByte(rest, '-'); h >= 0 {
		v.Version, v.Release = rest[:h], rest[h+1:]
	}
	if v.Version == "" {
		return RPMVersion{}, parseErr(RPM, s, "version part is empty")
	}
	return v, nil
}

// Compare orders epoch (absent = 0), version and release with rpmvercmp.
// An absent release sorts before any release; rpm's own dependency check
// (rpmverCmp) instead skips the release when either side lacks one, which
// is not a total order ("1.0-1" = "1.0" = "1.0-2"), so matching code that
// wants that rule must apply it before calling Compare.
func (a RPMVersion) Compare(b RPMVersion) int {
	if c := cmpDecimal(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	if c := RPMVerCmp(a.Version, b.Version); c != 0 {
		return c
	}
	return RPMVerCmp(a.Release, b.Release)
}

// String returns the version as epoch:version-release.
func (a RPMVersion) String() string {
	s := a.Version
	if a.Epoch != "" {
		s = a.Epoch + ":" + s
	}
	if a.Release != "" {
		s += "-" + a.Release
	}
	return s
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// RPMVerCmp is rpm's rpmvercmp (rpmio/rpmvercmp.c) on one version or
// release string: runs of digits compare as numbers, runs of letters as
// strings, a digit run beats a letter run, other characters only separate
// runs, '~' sorts before everything (even the end) and '^' after the end
// but before anything else.
func RPMVerCmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := byte(0), byte(0)
		if i < len(a) {
			ca = a[i]
		}
		if j < len(b) {
			cb = b[j]
		}
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case i == len(a):
				return -1
			case j == len(b):
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}
		si, sj := i, j
		isNum := isDigit(a[i])
		if isNum {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if j == sj {
			// Different kinds of segment: numbers are newer than letters.
			if isNum {
				return 1
			}
			return -1
		}
		var c int
		if isNum {
			c = cmpDecimal(a[si:i], b[sj:j])
		} else {
			c = cmpString(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i == len(a) && j == len(b):
		return 0
	case i == len(a):
		return -1
	}
	return 1
}

type rpmComparator struct{}

func (rpmComparator) Compare(a, b string) (int, error) {
	va, err := ParseRPM(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseRPM(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
