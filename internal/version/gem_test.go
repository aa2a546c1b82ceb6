package version

import "testing"

// The vectors are from RubyGems' test/rubygems/test_gem_version.rb
// (ruby/rubygems): test_spaceship, test_semver, test_equals2,
// test_initialize, test_hyphen_and_dot_prerelease_are_the_same_version,
// the sort_key tests and test_frozen_version.
var gemVectors = []orderCase{
	{"1.0", "1.0.0", 0},
	{"1.0", "1.0.a", 1},
	{"1.8.2", "0.0.0", 1},
	{"1.8.2", "1.8.2.a", 1},
	{"1.8.2.b", "1.8.2.a", 1},
	{"1.8.2.a", "1.8.2", -1},
	{"1.8.2.a10", "1.8.2.a9", 1},
	{"0.beta.1", "0.0.beta.1", 0},
	{"0.0.beta", "0.0.beta.1", -1},
	{"0.0.beta", "0.beta.1", -1},
	{"5.a", "5.0.0.rc2", -1},
	{"5.x", "5.0.0.rc2", 1},
	{"1.9.3", "1.9.3", 0},
	{"1.9.3", "1.9.2.99", 1},
	{"1.9.3", "1.9.3.1", -1},
	{"1.0.0-alpha", "1.0.0-alpha.1", -1},
	{"1.0.0-alpha.1", "1.0.0-beta.2", -1},
	{"1.0.0-beta.2", "1.0.0-beta.11", -1},
	{"1.0.0-beta.11", "1.0.0-rc.1", -1},
	{"1.0.0-rc1", "1.0.0", -1},
	{"1.0.0-1", "1", -1},
	{"1.2", "1.2", 0},
	{"1.2", "1.3", -1},
	{"1.2.b1", "1.2.b.1", 0},
	{"1.0", " 1.0 ", 0},
	{"1.0", "1.0\n", 0},
	{"1.0", "\n1.0\n", 0},
	{"1.0.0.beta.1", "1.0.0-beta.1", 0},
	{"1.0.0.rc.1", "1.0.0-rc.1", 0},
	{"1.2.3.beta", "1.2.3-beta", 0},
	{"1.0.0.1", "1.0.0-1", 1},
	{"1.0.0.beta.1", "1.0.0.pre.beta.1", 0},
	{"1.0.0", "0.0.1.20220404083012", 1},
	{"0.7.0", "0.6.63000", 1},
	{"18.0.1", "18.0.2", -1},
	{"1.freeze.test", "1", -1},
	{"1.2.pre.1", "1.2.0.pre.1.0", 0},
	{"1.0.0.a.1.0", "1.a.1", 0},
}

func TestCompareGem(t *testing.T) {
	for _, tc := range gemVectors {
		checkCompare(t, Gem, tc.a, tc.b, tc.want)
	}
	// test_initialize_invalid, plus the empty version (RubyGems reads it
	// as "0", a scanner as unknown).
	for _, v := range []string{"junk", "1.0\n2.0", "1..2", "1.2 3.4", "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.", "", "   ", "1.0-", "-1"} {
		if _, err := ParseGem(v); err == nil {
			t.Errorf("ParseGem(%q) succeeded, want an error", v)
		}
	}
}

// TestGemCanonicalSegments is test_canonical_segments.
func TestGemCanonicalSegments(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []gemSegment
	}{
		{"1.0.0", []gemSegment{{num: "1"}}},
		{"1.0.0.a.1.0", []gemSegment{{num: "1"}, {str: "a", isStr: true}, {num: "1"}}},
		{"1.2.3-1", []gemSegment{{num: "1"}, {num: "2"}, {num: "3"}, {str: "pre", isStr: true}, {num: "1"}}},
	} {
		v, err := ParseGem(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.segs) != len(tc.want) {
			t.Errorf("ParseGem(%q) segments %v, want %v", tc.in, v.segs, tc.want)
			continue
		}
		for i := range v.segs {
			if v.segs[i] != tc.want[i] {
				t.Errorf("ParseGem(%q) segments %v, want %v", tc.in, v.segs, tc.want)
				break
			}
		}
	}
}
