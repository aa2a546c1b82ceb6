package cvss

import (
	"errors"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scoreCase is a vector and the score its source gives.
type scoreCase struct {
	vector string
	score  float64
}

// checkScores parses each vector and compares its version, score and the
// score of its normalized form.
func checkScores(t *testing.T, version string, cases []scoreCase) {
	t.Helper()
	for _, c := range cases {
		v, err := Parse(c.vector)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.vector, err)
			continue
		}
		if v.Version() != version {
			t.Errorf("Parse(%q).Version() = %q, want %q", c.vector, v.Version(), version)
		}
		if v.BaseScore() != c.score {
			t.Errorf("Parse(%q).BaseScore() = %v, want %v", c.vector, v.BaseScore(), c.score)
		}
		if got := v.Severity(); got != RatingOf(version, c.score) {
			t.Errorf("Parse(%q).Severity() = %v, want %v", c.vector, got, RatingOf(version, c.score))
		}
		n, err := Parse(v.String())
		if err != nil {
			t.Errorf("Parse(%q) (normalized from %q): %v", v.String(), c.vector, err)
			continue
		}
		if n.BaseScore() != c.score || n.String() != v.String() {
			t.Errorf("normalized %q scores %v as %q, want %v", v.String(), n.BaseScore(), n.String(), c.score)
		}
	}
}

func TestParseNormalizes(t *testing.T) {
	tests := []struct {
		in, want, version string
	}{
		// Metrics out of order, not-defined values dropped.
		{"CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H/E:X/MAV:X", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V31},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N/RC:C/E:P", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N/E:P/RC:C", V30},
		// NVD's v2 form in parentheses, surrounding space, ND dropped.
		{" (AV:N/AC:L/Au:N/C:P/I:P/A:P) ", "AV:N/AC:L/Au:N/C:P/I:P/A:P", V2},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:OF", "AV:N/AC:L/Au:N/C:P/I:P/A:P/RL:OF", V2},
		{"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "AV:N/AC:L/Au:N/C:P/I:P/A:P", V2},
		// v4: supplemental before base, E:X dropped.
		{"CVSS:4.0/U:Red/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:H", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/U:Red", V40},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := [2]string{v.String(), v.Version()}; got != [2]string{tt.want, tt.version} {
			t.Errorf("Parse(%q) = %q version %q, want %q version %q", tt.in, got[0], got[1], tt.want, tt.version)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const b4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N"
	tests := []struct {
		in     string
		metric string // ParseError.Metric
	}{
		{"", ""},
		{"CVSS:3.1/", ""},
		{"CVSS:3.1", ""},
		{"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ""},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", ""},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A", ""},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q", "A"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", "AV"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "S"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", "XX"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Au:N", "Au"},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/E:H", "E"},
		{"AV:N/AC:L/Au:N/C:P/I:P", "A"},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", "E"},
		{"AV:N/AC:L/AU:N/C:P/I:P/A:P", "AU"},
		{"(AV:N/AC:L/Au:N/C:P/I:P/A:P", "(AV"},
		// The invalid v4.0 vectors of pandatix/go-cvss 40/cvss40_test.go.
		{"CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "AV"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X", "E"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "ui"},
		{"AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", "AT"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N", "VA"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/SC:N/SA:N", "VI,VA,SI"},
		{b4 + "/MSC:S", "MSC"},
		{b4 + "/U:red", "U"},
		{b4 + "/S:U", "S"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, %v; want a *ParseError", tt.in, v, err)
			continue
		}
		if pe.Vector != tt.in || pe.Metric != tt.metric {
			t.Errorf("Parse(%q): error %q names vector %q metric %q, want metric %q", tt.in, err, pe.Vector, pe.Metric, tt.metric)
		}
		if (v != Vector{}) {
			t.Errorf("Parse(%q) returned %v with its error", tt.in, v)
		}
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	want := `parsing CVSS vector "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": metric AV: invalid value "X" (want one of N, A, L, P)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestRatingOf(t *testing.T) {
	type in struct {
		version string
		score   float64
	}
	tests := map[in]Rating{
		{V2, 0}:     Low, // NVD rates a v2 0.0 low
		{V2, 3.9}:   Low,
		{V2, 4.0}:   Medium,
		{V2, 6.9}:   Medium,
		{V2, 7.0}:   High,
		{V2, 10}:    High,
		{V30, 0}:    None,
		{V31, 0.1}:  Low,
		{V31, 3.9}:  Low,
		{V31, 4.0}:  Medium,
		{V31, 6.9}:  Medium,
		{V31, 7.0}:  High,
		{V31, 8.9}:  High,
		{V31, 9.0}:  Critical,
		{V40, 10}:   Critical,
		{V40, 0}:    None,
		{V40, 5.4}:  Medium,
		{V40, 10.1}: Unknown,
		{V40, -1}:   Unknown,
		{"3.2", 5}:  Unknown,
		{"", 5}:     Unknown,
	}
	for in, want := range tests {
		if got := RatingOf(in.version, in.score); got != want {
			t.Errorf("RatingOf(%q, %v) = %v, want %v", in.version, in.score, got, want)
		}
	}
	if got := RatingOf(V31, math.NaN()); got != Unknown {
		t.Errorf("RatingOf(NaN) = %v, want UNKNOWN", got)
	}
}

func TestSeverity(t *testing.T) {
	got := map[string]Rating{}
	for _, s := range []string{
		"AV:N/AC:L/Au:N/C:N/I:N/A:N",
		"AV:N/AC:L/Au:N/C:C/I:C/A:C",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N",
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	} {
		v, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		got[s] = v.Severity()
	}
	want := map[string]Rating{
		"AV:N/AC:L/Au:N/C:N/I:N/A:N":                                          Low,
		"AV:N/AC:L/Au:N/C:C/I:C/A:C":                                          High,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N":                        None,
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H":                        Critical,
		"CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N":                        Low,
		"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U": Medium,
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N":     Critical,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Severity (-want +got):\n%s", diff)
	}
}

// allVectors calls emit with every combination of the values of defs, in
// the order of defs and of their values.
func allVectors(defs []metricDef, prefix string, emit func(string)) {
	parts := make([]string, len(defs))
	var rec func(i int)
	rec = func(i int) {
		if i == len(defs) {
			s := prefix
			for j, p := range parts {
				if j > 0 {
					s += "/"
				}
				s += p
			}
			emit(s)
			return
		}
		for _, v := range defs[i].values {
			parts[i] = defs[i].name + ":" + v
			rec(i + 1)
		}
	}
	rec(0)
}

// TestImports keeps the package pure: the standard library only.
func TestImports(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: the package must only use the standard library", name, path)
			}
		}
	}
}
