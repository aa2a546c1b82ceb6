package version

import "testing"

// semverGreater is node-semver's test/fixtures/comparisons.js
// (npm/node-semver): each first version is greater than the second.
// Entries that need loose mode are left out; a leading "v" is strict.
var semverGreater = [][2]string{
	{"0.0.0", "0.0.0-foo"},
	{"0.0.1", "0.0.0"},
	{"1.0.0", "0.9.9"},
	{"0.10.0", "0.9.0"},
	{"0.99.0", "0.10.0"},
	{"2.0.0", "1.2.3"},
	{"v0.0.0", "0.0.0-foo"},
	{"v0.0.1", "0.0.0"},
	{"v1.0.0", "0.9.9"},
	{"v0.10.0", "0.9.0"},
	{"v0.99.0", "0.10.0"},
	{"v2.0.0", "1.2.3"},
	{"0.0.0", "v0.0.0-foo"},
	{"0.0.1", "v0.0.0"},
	{"1.0.0", "v0.9.9"},
	{"0.10.0", "v0.9.0"},
	{"0.99.0", "v0.10.0"},
	{"2.0.0", "v1.2.3"},
	{"1.2.3", "1.2.3-asdf"},
	{"1.2.3", "1.2.3-4"},
	{"1.2.3", "1.2.3-4-foo"},
	{"1.2.3-5-foo", "1.2.3-5"},
	{"1.2.3-5", "1.2.3-4"},
	{"1.2.3-5-foo", "1.2.3-5-Foo"},
	{"3.0.0", "2.7.2+asdf"},
	{"1.2.3-a.10", "1.2.3-a.5"},
	{"1.2.3-a.b", "1.2.3-a.5"},
	{"1.2.3-a.b", "1.2.3-a"},
	{"1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"},
	{"1.2.3-r2", "1.2.3-r100"},
	{"1.2.3-r100", "1.2.3-R2"},
}

// semverEqual is the strict part of node-semver's test/fixtures/equality.js.
var semverEqual = [][2]string{
	{"1.2.3", "v1.2.3"},
	{"1.2.3-beta+build", "1.2.3-beta+otherbuild"},
	{"1.2.3+build", "1.2.3+otherbuild"},
	{"  v1.2.3+build", "1.2.3+otherbuild"},
	{"1.2.3-0", "v1.2.3-0"},
}

// semverInvalid are versions node-semver rejects in strict mode: from
// test/fixtures/invalid-versions.js and the loose-only entries of
// equality.js and comparisons.js.
var semverInvalid = []string{
	"", "1.2.3.4", "NOT VALID", "1.2", "=1.2.3", "v 1.2.3", "= 1.2.3",
	"1.2.3foo", "01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-", "1.2.3+",
	"1.2.3-a..b", "1.2.3-a_b", "9007199254740992.0.0", "V1.2.3",
	"1.2.3-" + string(make([]byte, 260)),
}

func TestCompareSemver(t *testing.T) {
	for _, p := range semverGreater {
		checkCompare(t, Semver, p[0], p[1], 1)
	}
	for _, p := range semverEqual {
		checkCompare(t, Semver, p[0], p[1], 0)
	}
}

func TestParseSemverInvalid(t *testing.T) {
	for _, v := range semverInvalid {
		if _, err := ParseSemver(v); err == nil {
			t.Errorf("ParseSemver(%q) succeeded, want an error", v)
		}
	}
	if _, err := ParseSemver("9007199254740991.0.0-x.9007199254740993"); err != nil {
		t.Errorf("MAX_SAFE_INTEGER major: %v", err)
	}
}
