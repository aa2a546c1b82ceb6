package version

import "testing"

// benchPairs are typical pairs met when matching advisories.
var benchPairs = []struct {
	scheme Scheme
	a, b   string
}{
	{Dpkg, "1:2.36.1-8+deb11u1", "1:2.36.1-8+deb11u2"},
	{APK, "1.36.1-r29", "1.36.1_p2-r30"},
	{RPM, "1:1.1.1k-7.el8_6", "1:1.1.1k-12.el8_9"},
	{Semver, "4.17.21", "4.17.20-beta.1"},
	{Go, "v0.0.0-20190620200207-3b0461eec859", "v0.17.0"},
	{PEP440, "2.31.0", "2.31.0rc1"},
	{Maven, "2.14.1", "2.15.0-rc1"},
	{Gem, "7.0.4.3", "7.0.4"},
}

// BenchmarkCompare compares parsed versions, the hot path of matching.
func BenchmarkCompare(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(string(p.scheme), func(b *testing.B) {
			cmp := parsedComparator(b, p.scheme, p.a, p.b)
			b.ReportAllocs()
			for b.Loop() {
				cmp()
			}
		})
	}
}

// BenchmarkComparator parses both strings on every call.
func BenchmarkComparator(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(string(p.scheme), func(b *testing.B) {
			c, _ := ForScheme(p.scheme)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Compare(p.a, p.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSemverRangeContains(b *testing.B) {
	r, err := ParseSemverRange(">=1.2.7 <1.3.0 || >=2.0.0-beta.1 <2.0.0 || ^3.1.4")
	if err != nil {
		b.Fatal(err)
	}
	v, _ := ParseSemver("3.5.9")
	b.ReportAllocs()
	for b.Loop() {
		if !r.ContainsVersion(v) {
			b.Fatal("not contained")
		}
	}
}

func BenchmarkParseSemverRange(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSemverRange(">=1.2.7 <1.3.0 || >=2.0.0-beta.1 <2.0.0 || ^3.1.4"); err != nil {
			b.Fatal(err)
		}
	}
}

// parsedComparator parses a and b once and returns a closure comparing the
// parsed values.
func parsedComparator(b *testing.B, s Scheme, x, y string) func() int {
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	switch s {
	case Dpkg:
		p, err := ParseDpkg(x)
		must(err)
		q, err := ParseDpkg(y)
		must(err)
		return func() int { return p.Compare(q) }
	case APK:
		p, err := ParseAPK(x)
		must(err)
		q, err := ParseAPK(y)
		must(err)
		return func() int { return p.Compare(q) }
	case RPM:
		p, err := ParseRPM(x)
		must(err)
		q, err := ParseRPM(y)
		must(err)
		return func() int { return p.Compare(q) }
	case Semver:
		p, err := ParseSemver(x)
		must(err)
		q, err := ParseSemver(y)
		must(err)
		return func() int { return p.Compare(q) }
	case Go:
		p, err := ParseGo(x)
		must(err)
		q, err := ParseGo(y)
		must(err)
		return func() int { return p.Compare(q) }
	case PEP440:
		p, err := ParsePEP440(x)
		must(err)
		q, err := ParsePEP440(y)
		must(err)
		return func() int { return p.Compare(q) }
	case Maven:
		p, err := ParseMaven(x)
		must(err)
		q, err := ParseMaven(y)
		must(err)
		return func() int { return p.Compare(q) }
	case Gem:
		p, err := ParseGem(x)
		must(err)
		q, err := ParseGem(y)
		must(err)
		return func() int { return p.Compare(q) }
	}
	b.Fatalf("no parsed form for %s", s)
	return nil
}
