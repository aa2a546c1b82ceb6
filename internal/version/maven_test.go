package version

import "testing"

// The vectors below are from Maven's ComparableVersionTest.java
// (apache/maven, maven-artifact/src/test/java/org/apache/maven/artifact/
// versioning/ComparableVersionTest.java, the 3.9/4.x version with the
// MNG-7644 and non-ASCII cases).

// mavenQualifierOrder and mavenNumberOrder are VERSIONS_QUALIFIER and
// VERSIONS_NUMBER: each list is in increasing order.
var mavenQualifierOrder = []string{
	"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
	"1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot",
	"1-1", "1-2", "1-123",
}

var mavenNumberOrder = []string{
	"2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
	"2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
}

// mavenEqual is versionsEqual and versionsHaveSameOrderButAreNotEqual.
var mavenEqual = [][2]string{
	{"1", "1"}, {"1", "1.0"}, {"1", "1.0.0"}, {"1.0", "1.0.0"}, {"1", "1-0"}, {"1", "1.0-0"}, {"1.0", "1.0-0"},
	{"1a", "1-a"}, {"1a", "1.0-a"}, {"1a", "1.0.0-a"}, {"1.0a", "1-a"}, {"1.0.0a", "1-a"},
	{"1x", "1-x"}, {"1x", "1.0-x"}, {"1x", "1.0.0-x"}, {"1.0x", "1-x"}, {"1.0.0x", "1-x"},
	{"1cr", "1rc"}, {"1a1", "1-alpha-1"}, {"1b2", "1-beta-2"}, {"1m3", "1-milestone-3"},
	{"1X", "1x"}, {"1A", "1a"}, {"1B", "1b"}, {"1M", "1m"}, {"1Cr", "1Rc"}, {"1cR", "1rC"},
	{"1m3", "1Milestone3"}, {"1m3", "1MileStone3"}, {"1m3", "1MILESTONE3"},
	{"1ga", "1"}, {"1release", "1"}, {"1final", "1"}, {"1Ga", "1"}, {"1GA", "1"}, {"1RELEASE", "1"},
	{"1RELeaSE", "1"}, {"1Final", "1"}, {"1FinaL", "1"}, {"1FINAL", "1"},
	{"1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
	{"1.0.0-alpha1", "1.0.0-ALPHA1"}, {"1.a", "1.A"}, {"1.é", "1.É"},
}

// mavenLess is versionComparing, leadingZeroes, the MNG issue cases and
// the character-class cases: each first version is lower.
var mavenLess = [][2]string{
	{"1", "2"}, {"1.5", "2"}, {"1", "2.5"}, {"1.0", "1.1"}, {"1.1", "1.2"}, {"1.0.0", "1.1"}, {"1.0.1", "1.1"},
	{"1.1", "1.2.0"}, {"1.0-alpha-1", "1.0"}, {"1.0-alpha-1", "1.0-alpha-2"}, {"1.0-alpha-1", "1.0-beta-1"},
	{"1.0-beta-1", "1.0-SNAPSHOT"}, {"1.0-SNAPSHOT", "1.0"}, {"1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"},
	{"1.0", "1.0-1"}, {"1.0-1", "1.0-2"}, {"1.0.0", "1.0-1"}, {"2.0-1", "2.0.1"}, {"2.0.1-klm", "2.0.1-lmn"},
	{"2.0.1", "2.0.1-xyz"}, {"2.0.1", "2.0.1-123"}, {"2.0.1-xyz", "2.0.1-123"},
	{"0.7", "2"}, {"0.2", "1.0.7"},
	// MNG-5568
	{"6.1.0rc3", "6.1.0"}, {"6.1.0rc3", "6.1H.5-beta"}, {"6.1.0", "6.1H.5-beta"},
	// MNG-6572
	{"20190126.230843", "1234567890.12345"}, {"1234567890.12345", "123456789012345.1H.5-beta"},
	{"20190126.230843", "123456789012345.1H.5-beta"}, {"123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"},
	{"1234567890.12345", "12345678901234567890.1H.5-beta"}, {"20190126.230843", "12345678901234567890.1H.5-beta"},
	// MNG-6964
	{"1-0.alpha", "1"}, {"1-0.beta", "1"}, {"1-0.alpha", "1-0.beta"},
	// MNG-7714
	{"1.0.final-redhat", "1.0-sp1-redhat"}, {"1.0.final-redhat", "1.0-sp-1-redhat"}, {"1.0.final-redhat", "1.0-sp.1-redhat"},
	// digits sort above letters and non-ASCII characters, which are not digits
	{"é", "1"}, {"\U0001d7e4", "1"}, {"J", "7"}, {"c", "7"}, {"\u0668", "1"}, {"\u0668", "9"},
	{"aardvark", "zebra"}, {"zebra", "ζέβρα"},
}

func TestCompareMaven(t *testing.T) {
	for _, order := range [][]string{mavenQualifierOrder, mavenNumberOrder} {
		for i, a := range order {
			for _, b := range order[i+1:] {
				checkCompare(t, Maven, a, b, -1)
			}
		}
	}
	for _, p := range mavenEqual {
		checkCompare(t, Maven, p[0], p[1], 0)
	}
	for _, p := range mavenLess {
		checkCompare(t, Maven, p[0], p[1], -1)
	}
	// versionEqualWithLeadingZeroes, versionZeroEqualWithLeadingZeroes and
	// MNG-7644.
	for n := 1; n <= 19; n++ {
		for m := 1; m <= 19; m++ {
			checkCompare(t, Maven, zeros(n-1)+"1", zeros(m-1)+"1", 0)
			checkCompare(t, Maven, zeros(n), zeros(m), 0)
		}
	}
	for _, x := range []string{"abc", "alpha", "a", "beta", "b", "def", "milestone", "m", "RC"} {
		checkCompare(t, Maven, "1.0.0."+x+"1", "1.0.0-"+x+"2", -1)
		checkCompare(t, Maven, "2-"+x, "2.0."+x, 0)
		checkCompare(t, Maven, "2-"+x, "2.0.0."+x, 0)
		checkCompare(t, Maven, "2.0."+x, "2.0.0."+x, 0)
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}
