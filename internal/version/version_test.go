package version

import (
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestForSchemeListsEveryScheme(t *testing.T) {
	want := []Scheme{Dpkg, APK, RPM, Semver, Go, PEP440, Maven, Gem}
	if diff := cmp.Diff(want, Schemes()); diff != "" {
		t.Errorf("Schemes() (-want +got):\n%s", diff)
	}
	for _, s := range want {
		c, err := ForScheme(s)
		if err != nil || c == nil {
			t.Errorf("ForScheme(%q) = %v, %v", s, c, err)
		}
		if len(corpus(t, s)) < 20 {
			t.Errorf("scheme %q has %d test versions, want upstream vectors", s, len(corpus(t, s)))
		}
	}
	if _, err := ForScheme("npm"); err == nil {
		t.Error(`ForScheme("npm") succeeded, want an error`)
	}
}

func TestParseErrorNamesSchemeAndVersion(t *testing.T) {
	for _, s := range Schemes() {
		c, _ := ForScheme(s)
		_, err := c.Compare("", "1.0")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Scheme != s || pe.Version != "" {
			t.Errorf("%s Compare(\"\", \"1.0\") error = %v, want a *ParseError naming the scheme and the version", s, err)
			continue
		}
		if want := `parsing ` + string(s) + ` version "": `; len(err.Error()) <= len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s error text %q, want it to start with %q", s, err, want)
		}
	}
}

// TestImports keeps the package pure: the standard library and
// golang.org/x/mod/semver only.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(strings.Split(path, "/")[0], ".") && path != "golang.org/x/mod/semver" {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}

// corpus returns every version the scheme's upstream test vectors use.
func corpus(t testing.TB, s Scheme) []string {
	var out []string
	addCases := func(cs []orderCase) {
		for _, c := range cs {
			out = append(out, c.a, c.b)
		}
	}
	addPairs := func(ps [][2]string) {
		for _, p := range ps {
			out = append(out, p[0], p[1])
		}
	}
	switch s {
	case Dpkg:
		addCases(dpkgVectors)
	case APK:
		addCases(readOpVectors(t, "testdata/apk-version.data"))
	case RPM:
		addCases(rpmVectors(t))
		out = append(out, "1:1.0-1", "1.0-1.el8_1", "2.17-326.el7_9", "1.0-1~beta", "10:1.0-1")
	case Semver:
		addPairs(semverGreater)
		addPairs(semverEqual)
		for _, p := range semverRangeInclude {
			out = append(out, p[1])
		}
	case Go:
		for _, g := range goModuleOrder {
			out = append(out, g...)
		}
		addCases(goToolchainOrder)
		out = append(out, "1.21.0-rc.2", "1.21.0-0", "go1.9beta1")
	case PEP440:
		out = append(out, pep440Order...)
		addPairs(pep440Normalized)
	case Maven:
		out = append(out, mavenQualifierOrder...)
		out = append(out, mavenNumberOrder...)
		addPairs(mavenEqual)
		addPairs(mavenLess)
	case Gem:
		addCases(gemVectors)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTotalOrder sorts each scheme's vector versions and checks that the
// result is consistent: every earlier version compares <= every later one
// and the comparison is antisymmetric. For Maven only the ordinary
// versions take part (see mavenOrdinary).
func TestTotalOrder(t *testing.T) {
	for _, s := range Schemes() {
		c, _ := ForScheme(s)
		var vs []string
		for _, v := range corpus(t, s) {
			if _, err := c.Compare(v, v); err == nil {
				vs = append(vs, v)
			}
		}
		if s == Maven {
			vs = slices.DeleteFunc(vs, func(v string) bool { return !mavenOrdinary.MatchString(v) })
		}
		slices.SortStableFunc(vs, func(a, b string) int { n, _ := c.Compare(a, b); return n })
		for i, a := range vs {
			for j, b := range vs {
				ab, _ := c.Compare(a, b)
				ba, _ := c.Compare(b, a)
				if ab != -ba || i < j && ab > 0 {
					t.Errorf("%s: sorted %q before %q but Compare = %d, reverse %d", s, a, b, ab, ba)
				}
			}
		}
	}
}

// mavenOrdinary matches the Maven versions on which ComparableVersion is
// transitive in practice: numbers, then at most one qualifier with an
// optional number. On odd ones it is not, and ParseMaven keeps Maven's
// answers: "1-0.alpha" < "1" < "1-a" < "1-0.alpha".
var mavenOrdinary = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*([.-]?[a-zA-Z]+([.-]?[0-9]+)?)?$`)

// FuzzCompare checks every scheme's comparator for antisymmetry,
// reflexivity, transitivity on triples, consistent errors and the absence
// of panics. The seeds are the upstream test vectors.
func FuzzCompare(f *testing.F) {
	for i, s := range Schemes() {
		vs := corpus(f, s)
		for k := range vs {
			f.Add(uint8(i), vs[k], vs[(k*7+1)%len(vs)], vs[(k*13+2)%len(vs)])
		}
	}
	schemes := Schemes()
	f.Fuzz(func(t *testing.T, si uint8, a, b, c string) {
		s := schemes[int(si)%len(schemes)]
		cmpr, _ := ForScheme(s)
		ab, errAB := cmpr.Compare(a, b)
		ba, errBA := cmpr.Compare(b, a)
		if (errAB == nil) != (errBA == nil) {
			t.Fatalf("%s: Compare(%q, %q) error %v but reverse error %v", s, a, b, errAB, errBA)
		}
		if errAB != nil {
			var pe *ParseError
			if !errors.As(errAB, &pe) || pe.Scheme != s || pe.Version != a && pe.Version != b {
				t.Fatalf("%s: Compare(%q, %q) error %v does not name the scheme and the version", s, a, b, errAB)
			}
			return
		}
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("%s: Compare(%q, %q) = %d, reverse %d", s, a, b, ab, ba)
		}
		if aa, _ := cmpr.Compare(a, a); aa != 0 {
			t.Fatalf("%s: Compare(%q, itself) = %d", s, a, aa)
		}
		if s == Maven && !(mavenOrdinary.MatchString(a) && mavenOrdinary.MatchString(b) && mavenOrdinary.MatchString(c)) {
			return // see mavenOrdinary
		}
		bc, errBC := cmpr.Compare(b, c)
		ac, errAC := cmpr.Compare(a, c)
		if errBC != nil || errAC != nil {
			return
		}
		if ab <= 0 && bc <= 0 && (ac > 0 || (ab < 0 || bc < 0) && ac == 0) ||
			ab >= 0 && bc >= 0 && (ac < 0 || (ab > 0 || bc > 0) && ac == 0) {
			t.Fatalf("%s: not transitive: %q vs %q = %d, %q vs %q = %d, %q vs %q = %d", s, a, b, ab, b, c, bc, a, c, ac)
		}
	})
}

// FuzzSemverRange checks that range parsing never panics, that a parsed
// range's normalized form parses to itself, and that both forms contain the
// same versions.
func FuzzSemverRange(f *testing.F) {
	for _, c := range semverRangeInclude {
		f.Add(c[0], c[1])
	}
	for _, c := range semverRangeExclude {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, r, v string) {
		rng, err := ParseSemverRange(r)
		if err != nil {
			return
		}
		norm := rng.String()
		again, err := ParseSemverRange(norm)
		if err != nil {
			t.Fatalf("range %q normalizes to %q, which does not parse: %v", r, norm, err)
		}
		if again.String() != norm {
			t.Fatalf("range %q normalizes to %q, then to %q", r, norm, again.String())
		}
		if rng.Contains(v) != again.Contains(v) {
			t.Fatalf("range %q and its normal form %q disagree on %q", r, norm, v)
		}
	})
}
