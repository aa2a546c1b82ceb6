package version

import "fmt"

// schemes lists every scheme with its comparator, in one place.
var schemes = []struct {
	scheme Scheme
	cmp    Comparator
}{
	{Dpkg, dpkgComparator{}},
	{APK, apkComparator{}},
	{RPM, rpmComparator{}},
	{Semver, semverComparator{}},
	{Go, goComparator{}},
	{PEP440, pep440Comparator{}},
	{Maven, mavenComparator{}},
	{Gem, gemComparator{}},
}

// Schemes returns every scheme ForScheme knows, in a fixed order.
func Schemes() []Scheme {
	out := make([]Scheme, len(schemes))
	for i, s := range schemes {
		out[i] = s.scheme
	}
	return out
}

// ForScheme returns the Comparator for s.
func ForScheme(s Scheme) (Comparator, error) {
	for _, e := range schemes {
		if e.scheme == s {
			return e.cmp, nil
		}
	}
	return nil, fmt.Errorf("version scheme %q is not supported", s)
}
