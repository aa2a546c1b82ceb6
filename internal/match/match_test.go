package match

// Matcher unit tests, invented advisories: every advisory in this file is
// made up to exercise one rule of the matcher (the project allows invented
// advisories here only). Real advisories are matched in internal/scan.

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// outcome is the part of a decision the tests check.
type outcome struct {
	OK     bool
	Fixed  string
	Status vulndb.Status
	Range  string
}

// invented builds an invented advisory with one affected entry.
func invented(af vulndb.Affected) (*vulndb.Advisory, *vulndb.Affected) {
	if af.Namespace == "" {
		af.Namespace = "invented"
	}
	if af.Package == "" {
		af.Package = "invented-pkg"
	}
	a := &vulndb.Advisory{ID: "INVENTED-0001", Source: "invented", Affected: []vulndb.Affected{af}}
	return a, &a.Affected[0]
}

// ecosystem is an OSV ECOSYSTEM range from alternating event kinds given as
// "introduced:1.0", "fixed:1.2", "last_affected:1.3", "limit:2.0".
func ecosystem(events ...string) vulndb.Range {
	r := vulndb.Range{Type: "ECOSYSTEM"}
	for _, e := range events {
		kind, v, _ := strings.Cut(e, ":")
		switch kind {
		case "introduced":
			r.Events = append(r.Events, vulndb.Event{Introduced: v})
		case "fixed":
			r.Events = append(r.Events, vulndb.Event{Fixed: v})
		case "last_affected":
			r.Events = append(r.Events, vulndb.Event{LastAffected: v})
		case "limit":
			r.Events = append(r.Events, vulndb.Event{Limit: v})
		default:
			panic("bad event " + e)
		}
	}
	return r
}

func decide(t *testing.T, v string, af vulndb.Affected) outcome {
	t.Helper()
	a, afp := invented(af)
	m, ok, err := Affects(Query{Namespace: afp.Namespace, Name: afp.Package, Version: v}, a, afp)
	if err != nil {
		t.Fatalf("Affects(%q): %v", v, err)
	}
	if !ok {
		if m.ID != "" {
			t.Errorf("Affects(%q) returned a match with ok=false: %+v", v, m)
		}
		return outcome{}
	}
	if m.ID != a.ID || m.InstalledVersion != v || m.Rule.Reason == "" {
		t.Errorf("Affects(%q): match does not name the advisory, version and reason: %+v", v, m)
	}
	return outcome{OK: true, Fixed: m.FixedVersion, Status: m.Status, Range: m.Rule.Range}
}

func TestAffectsOSVRanges(t *testing.T) {
	fixedOnly := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{ecosystem("introduced:0", "fixed:1.4.0")}}
	window := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{ecosystem("introduced:1.2.0", "fixed:1.4.0")}}
	twoRanges := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{ecosystem("introduced:1.0.0", "fixed:1.2.0"), ecosystem("introduced:2.0.0", "fixed:2.3.1")}}
	twoWindowsOneRange := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{ecosystem("introduced:1.0.0", "fixed:1.2.0", "introduced:2.0.0", "fixed:2.3.1")}}
	lastAffected := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{ecosystem("introduced:1.0.0", "last_affected:1.4.2")}}
	limit := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{ecosystem("introduced:0", "limit:2.0.0")}}
	unsorted := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{ecosystem("fixed:2.3.1", "introduced:2.0.0", "fixed:1.2.0", "introduced:1.0.0")}}
	versionsAndRange := vulndb.Affected{Scheme: version.PEP440, Status: vulndb.StatusFixed,
		Ranges:   []vulndb.Range{ecosystem("introduced:0", "fixed:5.1")},
		Versions: []string{"3.13", "4.2b1"}}
	versionsOnly := vulndb.Affected{Scheme: version.PEP440, Status: vulndb.StatusAffected,
		Versions: []string{"1.0", "1.1"}}
	// A record whose only fix is a commit: the feed marks it fixed, but
	// no version fixes it.
	versionsAndGit := vulndb.Affected{Scheme: version.PEP440, Status: vulndb.StatusFixed,
		Ranges:   []vulndb.Range{{Type: "GIT", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "9f3c2a1b"}}}},
		Versions: []string{"1.0", "1.1"}}
	gitAndEcosystem := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{
			{Type: "GIT", Events: []vulndb.Event{{Introduced: "deadbeef"}, {Fixed: "c0ffee00"}}},
			ecosystem("introduced:0", "fixed:1.4.0"),
		}}
	gitOnly := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		Ranges: []vulndb.Range{{Type: "GIT", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "c0ffee00"}}}}}

	fixed := func(v, rng string) outcome {
		return outcome{OK: true, Fixed: v, Status: vulndb.StatusFixed, Range: rng}
	}
	for _, tc := range []struct {
		name string
		af   vulndb.Affected
		v    string
		want outcome
	}{
		{"introduced 0: below fixed", fixedOnly, "1.3.9", fixed("1.4.0", ">= 0, < 1.4.0")},
		{"introduced 0: lowest version", fixedOnly, "0.0.1", fixed("1.4.0", ">= 0, < 1.4.0")},
		{"introduced 0: prerelease of the fix", fixedOnly, "1.4.0-rc.1", fixed("1.4.0", ">= 0, < 1.4.0")},
		{"introduced 0: at fixed", fixedOnly, "1.4.0", outcome{}},
		{"introduced 0: above fixed", fixedOnly, "1.5.0", outcome{}},
		{"window: below introduced", window, "1.1.9", outcome{}},
		{"window: at introduced", window, "1.2.0", fixed("1.4.0", ">= 1.2.0, < 1.4.0")},
		{"window: inside", window, "1.3.5", fixed("1.4.0", ">= 1.2.0, < 1.4.0")},
		{"window: at fixed", window, "1.4.0", outcome{}},
		{"window: above", window, "2.0.0", outcome{}},
		{"two ranges: first", twoRanges, "1.1.0", fixed("1.2.0", ">= 1.0.0, < 1.2.0")},
		{"two ranges: between", twoRanges, "1.5.0", outcome{}},
		{"two ranges: second", twoRanges, "2.3.0", fixed("2.3.1", ">= 2.0.0, < 2.3.1")},
		{"two ranges: after both", twoRanges, "2.3.1", outcome{}},
		{"two windows in one range: first", twoWindowsOneRange, "1.1.0", fixed("1.2.0", ">= 1.0.0, < 1.2.0, >= 2.0.0, < 2.3.1")},
		{"two windows in one range: between", twoWindowsOneRange, "1.9.0", outcome{}},
		{"two windows in one range: second", twoWindowsOneRange, "2.0.0", fixed("2.3.1", ">= 1.0.0, < 1.2.0, >= 2.0.0, < 2.3.1")},
		{"last_affected: inside", lastAffected, "1.3.0", outcome{true, "", vulndb.StatusAffected, ">= 1.0.0, <= 1.4.2"}},
		{"last_affected: inclusive", lastAffected, "1.4.2", outcome{true, "", vulndb.StatusAffected, ">= 1.0.0, <= 1.4.2"}},
		{"last_affected: above", lastAffected, "1.4.3", outcome{}},
		{"last_affected: below introduced", lastAffected, "0.9.0", outcome{}},
		{"limit: below", limit, "1.9.9", outcome{true, "", vulndb.StatusAffected, ">= 0, limit 2.0.0"}},
		{"limit: at", limit, "2.0.0", outcome{}},
		{"limit: above", limit, "3.0.0", outcome{}},
		{"unsorted events: first window", unsorted, "1.0.0", fixed("1.2.0", "< 2.3.1, >= 2.0.0, < 1.2.0, >= 1.0.0")},
		{"unsorted events: between", unsorted, "1.2.0", outcome{}},
		{"unsorted events: second window", unsorted, "2.2.0", fixed("2.3.1", "< 2.3.1, >= 2.0.0, < 1.2.0, >= 1.0.0")},
		{"unsorted events: after", unsorted, "2.4.0", outcome{}},
		{"versions list: listed", versionsAndRange, "4.2b1", fixed("5.1", "versions list: 4.2b1")},
		{"versions list: equal by the scheme", versionsAndRange, "3.13.0", fixed("5.1", "versions list: 3.13")},
		{"versions list: not listed, in range", versionsAndRange, "4.0", fixed("5.1", ">= 0, < 5.1")},
		{"versions list: not listed, past the fix", versionsAndRange, "5.1", outcome{}},
		{"versions list alone: listed", versionsOnly, "1.1", outcome{true, "", vulndb.StatusAffected, "versions list: 1.1"}},
		{"versions list alone: not listed", versionsOnly, "1.2", outcome{}},
		{"versions list with a GIT fix: no fixed version", versionsAndGit, "1.0", outcome{true, "", vulndb.StatusAffected, "versions list: 1.0"}},
		{"GIT range ignored beside ECOSYSTEM", gitAndEcosystem, "1.0.0", fixed("1.4.0", ">= 0, < 1.4.0")},
		{"GIT range ignored beside ECOSYSTEM: fixed", gitAndEcosystem, "1.4.0", outcome{}},
		{"GIT range alone never matches", gitOnly, "1.0.0", outcome{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, decide(t, tc.v, tc.af)); diff != "" {
				t.Errorf("Affects(%q) (-want +got):\n%s", tc.v, diff)
			}
		})
	}
}

func TestAffectsSchemes(t *testing.T) {
	rng := func(s version.Scheme, events ...string) vulndb.Affected {
		return vulndb.Affected{Scheme: s, Status: vulndb.StatusFixed, Ranges: []vulndb.Range{ecosystem(events...)}}
	}
	apk := rng(version.APK, "introduced:0", "fixed:1.2.3-r2")
	dpkg := rng(version.Dpkg, "introduced:0", "fixed:1:2.0-1")
	// The Go vulnerability database writes SEMVER events without "v".
	gomod := rng(version.Go, "introduced:0", "fixed:0.0.0-20210520170846-37e1c6afe023")
	gomodV := rng(version.Go, "introduced:0", "fixed:v0.3.8")
	stdlib := rng(version.Go, "introduced:1.20.0-0", "fixed:1.20.4")
	semver := rng(version.Semver, "introduced:1.0", "fixed:1.2")
	pep440 := rng(version.PEP440, "introduced:0", "fixed:2.0.1")
	maven := rng(version.Maven, "introduced:2.0-beta9", "fixed:2.15.0")
	gem := rng(version.Gem, "introduced:5.2.0", "fixed:5.2.4.3")
	rpm := rng(version.RPM, "introduced:0", "fixed:1:1.0.2k-25.el7_9")

	fixed := func(v, rng string) outcome {
		return outcome{OK: true, Fixed: v, Status: vulndb.StatusFixed, Range: rng}
	}
	for _, tc := range []struct {
		name string
		af   vulndb.Affected
		v    string
		want outcome
	}{
		{"apk: lower revision", apk, "1.2.3-r1", fixed("1.2.3-r2", ">= 0, < 1.2.3-r2")},
		{"apk: release candidate", apk, "1.2.3_rc1-r9", fixed("1.2.3-r2", ">= 0, < 1.2.3-r2")},
		{"apk: fixed revision", apk, "1.2.3-r2", outcome{}},
		{"apk: later revision", apk, "1.2.3-r10", outcome{}},
		{"apk: later version", apk, "1.2.4-r0", outcome{}},
		{"dpkg: no epoch sorts below epoch 1", dpkg, "2.5-1", fixed("1:2.0-1", ">= 0, < 1:2.0-1")},
		{"dpkg: tilde sorts first", dpkg, "1:2.0~rc1-1", fixed("1:2.0-1", ">= 0, < 1:2.0-1")},
		{"dpkg: at fixed", dpkg, "1:2.0-1", outcome{}},
		{"dpkg: security update", dpkg, "1:2.0-1+deb12u1", outcome{}},
		{"go: pseudo-version with v keeps v on the fix", gomod, "v0.0.0-20190620200207-3b0461eec859",
			fixed("v0.0.0-20210520170846-37e1c6afe023", ">= 0, < 0.0.0-20210520170846-37e1c6afe023")},
		{"go: pseudo-version without v", gomod, "0.0.0-20190620200207-3b0461eec859",
			fixed("0.0.0-20210520170846-37e1c6afe023", ">= 0, < 0.0.0-20210520170846-37e1c6afe023")},
		{"go: pseudo-version after the fix", gomod, "v0.0.0-20220101000000-abcdefabcdef", outcome{}},
		{"go: release after a pseudo-version fix", gomod, "v0.3.7", outcome{}},
		{"go: fix already with v", gomodV, "v0.3.7", fixed("v0.3.8", ">= 0, < v0.3.8")},
		{"go: incompatible", gomodV, "v0.3.8+incompatible", outcome{}},
		{"go stdlib: toolchain version", stdlib, "go1.20.3", fixed("go1.20.4", ">= 1.20.0-0, < 1.20.4")},
		{"go stdlib: toolchain at fix", stdlib, "go1.20.4", outcome{}},
		{"go stdlib: before introduced", stdlib, "go1.19.9", outcome{}},
		{"semver: lenient 1.0 is 1.0.0", semver, "1.0.0", fixed("1.2", ">= 1.0, < 1.2")},
		{"semver: inside", semver, "1.1.9", fixed("1.2", ">= 1.0, < 1.2")},
		{"semver: below", semver, "0.9.9", outcome{}},
		{"semver: lenient 1.2 is 1.2.0", semver, "1.2.0", outcome{}},
		{"semver: prerelease of the fix", semver, "1.2.0-beta.1", fixed("1.2", ">= 1.0, < 1.2")},
		{"pep440: release candidate", pep440, "2.0.1rc1", fixed("2.0.1", ">= 0, < 2.0.1")},
		{"pep440: at fixed", pep440, "2.0.1", outcome{}},
		{"pep440: post release", pep440, "2.0.1.post1", outcome{}},
		{"pep440: epoch", pep440, "1!0.1", outcome{}},
		{"maven: below introduced", maven, "2.0-beta8", outcome{}},
		{"maven: release candidate", maven, "2.15.0-rc1", fixed("2.15.0", ">= 2.0-beta9, < 2.15.0")},
		{"maven: inside", maven, "2.14.1", fixed("2.15.0", ">= 2.0-beta9, < 2.15.0")},
		{"maven: 2.15 equals 2.15.0", maven, "2.15", outcome{}},
		{"gem: below", gem, "5.1.7", outcome{}},
		{"gem: inside", gem, "5.2.4.2", fixed("5.2.4.3", ">= 5.2.0, < 5.2.4.3")},
		{"gem: prerelease of the fix", gem, "5.2.4.3.rc1", fixed("5.2.4.3", ">= 5.2.0, < 5.2.4.3")},
		{"gem: at fixed", gem, "5.2.4.3", outcome{}},
		{"rpm: lower release", rpm, "1:1.0.2k-24.el7_9", fixed("1:1.0.2k-25.el7_9", ">= 0, < 1:1.0.2k-25.el7_9")},
		{"rpm: at fixed", rpm, "1:1.0.2k-25.el7_9", outcome{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, decide(t, tc.v, tc.af)); diff != "" {
				t.Errorf("Affects(%q) (-want +got):\n%s", tc.v, diff)
			}
		})
	}
}

func TestAffectsStatuses(t *testing.T) {
	withdrawn := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	inRange := []vulndb.Range{ecosystem("introduced:0", "fixed:2.0-1")}
	for _, tc := range []struct {
		name      string
		af        vulndb.Affected
		withdrawn bool
		want      outcome
	}{
		{"withdrawn advisory never matches",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusFixed, Ranges: inRange}, true, outcome{}},
		{"withdrawn distro open entry never matches",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusAffected}, true, outcome{}},
		{"not-affected never matches, even in range",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusNotAffected, Ranges: inRange}, false, outcome{}},
		{"not-affected without ranges",
			vulndb.Affected{Scheme: version.APK, Status: vulndb.StatusNotAffected}, false, outcome{}},
		{"open: every version, no fix",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusAffected}, false,
			outcome{true, "", vulndb.StatusAffected, "all versions"}},
		{"will-not-fix: every version, no fix",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusWillNotFix}, false,
			outcome{true, "", vulndb.StatusWillNotFix, "all versions"}},
		{"under-investigation: every version, no fix",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusUnderInvestigation}, false,
			outcome{true, "", vulndb.StatusUnderInvestigation, "all versions"}},
		{"open entry of an unknown scheme still matches",
			vulndb.Affected{Scheme: "invented-scheme", Status: vulndb.StatusAffected}, false,
			outcome{true, "", vulndb.StatusAffected, "all versions"}},
		{"fixed without ranges matches nothing",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusFixed}, false, outcome{}},
		{"will-not-fix with a range keeps its status",
			vulndb.Affected{Scheme: version.Dpkg, Status: vulndb.StatusWillNotFix,
				Ranges: []vulndb.Range{ecosystem("introduced:0", "last_affected:9.9")}}, false,
			outcome{true, "", vulndb.StatusWillNotFix, ">= 0, <= 9.9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, af := invented(tc.af)
			if tc.withdrawn {
				a.Withdrawn = &withdrawn
			}
			m, ok, err := Affects(Query{Namespace: af.Namespace, Name: af.Package, Version: "1.0-1"}, a, af)
			if err != nil {
				t.Fatal(err)
			}
			got := outcome{}
			if ok {
				got = outcome{true, m.FixedVersion, m.Status, m.Rule.Range}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAffectsNativeRanges(t *testing.T) {
	npm := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		NativeRanges: []string{"<=4.17.11"}, Unaffected: []string{">=4.17.12"}}
	npmNoPatch := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusAffected,
		NativeRanges: []string{">=1.0.0 <1.5.0 || >=2.0.0 <2.1.0"}, Unaffected: []string{"<0.0.0"}}
	npmComplexPatch := vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
		NativeRanges: []string{"<3.0.0"}, Unaffected: []string{">=1.2.3 <2.0.0 || >=2.1.0"}}
	// As ruby-advisory-db writes them: every version, minus the patched
	// series and the versions never affected.
	gem := vulndb.Affected{Scheme: version.Gem, Status: vulndb.StatusFixed,
		NativeRanges: []string{">= 0"}, Unaffected: []string{"~> 5.2.4, >= 5.2.4.3", ">= 6.0.3.1", "< 4.0"}}
	gemNoPatch := vulndb.Affected{Scheme: version.Gem, Status: vulndb.StatusAffected,
		NativeRanges: []string{">= 0"}, Unaffected: []string{"< 1.0.0"}}
	gemPessimistic := vulndb.Affected{Scheme: version.Gem, Status: vulndb.StatusFixed,
		NativeRanges: []string{">= 0"}, Unaffected: []string{"~> 4.2.11.1"}}

	const gemRange = ">= 0; not ~> 5.2.4, >= 5.2.4.3 || >= 6.0.3.1 || < 4.0"
	for _, tc := range []struct {
		name string
		af   vulndb.Affected
		v    string
		want outcome
	}{
		{"npm: vulnerable", npm, "4.17.11", outcome{true, "4.17.12", vulndb.StatusFixed, "<=4.17.11; not >=4.17.12"}},
		{"npm: patched", npm, "4.17.12", outcome{}},
		{"npm: above both", npm, "5.0.0", outcome{}},
		{"npm no patch: first set", npmNoPatch, "1.4.9", outcome{true, "", vulndb.StatusAffected, ">=1.0.0 <1.5.0 || >=2.0.0 <2.1.0; not <0.0.0"}},
		{"npm no patch: second set", npmNoPatch, "2.0.5", outcome{true, "", vulndb.StatusAffected, ">=1.0.0 <1.5.0 || >=2.0.0 <2.1.0; not <0.0.0"}},
		{"npm no patch: outside", npmNoPatch, "1.5.0", outcome{}},
		{"npm complex patch: the hint is the whole expression", npmComplexPatch, "2.0.1",
			outcome{true, ">=1.2.3 <2.0.0 || >=2.1.0", vulndb.StatusFixed, "<3.0.0; not >=1.2.3 <2.0.0 || >=2.1.0"}},
		{"npm complex patch: patched", npmComplexPatch, "1.3.0", outcome{}},
		{"gem: older series", gem, "5.1.7", outcome{true, "~> 5.2.4, >= 5.2.4.3, 6.0.3.1", vulndb.StatusFixed, gemRange}},
		{"gem: below patch in series", gem, "5.2.4.2", outcome{true, "~> 5.2.4, >= 5.2.4.3, 6.0.3.1", vulndb.StatusFixed, gemRange}},
		{"gem: patched in series", gem, "5.2.4.3", outcome{}},
		{"gem: patched later in series", gem, "5.2.8", outcome{}},
		{"gem: next series unpatched", gem, "6.0.0", outcome{true, "~> 5.2.4, >= 5.2.4.3, 6.0.3.1", vulndb.StatusFixed, gemRange}},
		{"gem: patched next series", gem, "6.0.3.1", outcome{}},
		{"gem: never affected", gem, "3.2.22", outcome{}},
		{"gem no patch: affected", gemNoPatch, "1.2.0", outcome{true, "", vulndb.StatusAffected, ">= 0; not < 1.0.0"}},
		{"gem no patch: never affected", gemNoPatch, "0.9", outcome{}},
		{"gem pessimistic: hint is the version", gemPessimistic, "4.2.11", outcome{true, "4.2.11.1", vulndb.StatusFixed, ">= 0; not ~> 4.2.11.1"}},
		{"gem pessimistic: next series", gemPessimistic, "5.0.0", outcome{true, "4.2.11.1", vulndb.StatusFixed, ">= 0; not ~> 4.2.11.1"}},
		{"gem pessimistic: patched", gemPessimistic, "4.2.11.3", outcome{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, decide(t, tc.v, tc.af)); diff != "" {
				t.Errorf("Affects(%q) (-want +got):\n%s", tc.v, diff)
			}
		})
	}
}

func TestAffectsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		af   vulndb.Affected
		v    string
		want string
	}{
		{"unknown scheme with ranges", vulndb.Affected{Scheme: "invented-scheme", Status: vulndb.StatusFixed,
			Ranges: []vulndb.Range{ecosystem("introduced:0", "fixed:1")}}, "1", `version scheme "invented-scheme" is not supported`},
		{"installed version not semver", vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
			Ranges: []vulndb.Range{ecosystem("introduced:1.0.0", "fixed:2.0.0")}}, "not-a-version", "not-a-version"},
		{"event version not semver", vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusFixed,
			Ranges: []vulndb.Range{ecosystem("introduced:0", "fixed:two")}}, "1.0.0", `"two"`},
		{"bad native range", vulndb.Affected{Scheme: version.Semver, Status: vulndb.StatusAffected,
			NativeRanges: []string{">=x.y.z <<1"}}, "1.0.0", "range"},
		{"native ranges of another scheme", vulndb.Affected{Scheme: version.PEP440, Status: vulndb.StatusAffected,
			NativeRanges: []string{">=1.0"}}, "1.0", "not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, af := invented(tc.af)
			_, ok, err := Affects(Query{Version: tc.v}, a, af)
			if err == nil || ok {
				t.Fatalf("Affects = ok %v, err %v; want an error", ok, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), a.ID) {
				t.Errorf("error %q does not name the advisory and %q", err, tc.want)
			}
		})
	}
}

// TestAffectsMatchFields checks what a match carries besides the decision.
func TestAffectsMatchFields(t *testing.T) {
	a := &vulndb.Advisory{
		ID: "INVENTED-0002", Aliases: []string{"CVE-0000-0002"}, Source: "invented", Origin: "invented/0002.json",
		Summary: "invented summary", References: []string{"https://invented.example/0002"},
		Severity: []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: "high"}, {Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}},
		Affected: []vulndb.Affected{{Namespace: "npm", Package: "invented-pkg", Scheme: version.Semver, Status: vulndb.StatusFixed,
			Severity: []vulndb.Severity{{Type: vulndb.SeverityCVSSv2, Score: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}},
			Ranges:   []vulndb.Range{ecosystem("introduced:0", "fixed:1.0.1")}}},
	}
	m, ok, err := Affects(Query{Namespace: "npm", Name: "invented-pkg", Version: "1.0.0"}, a, &a.Affected[0])
	if err != nil || !ok {
		t.Fatalf("Affects = %v, %v", ok, err)
	}
	want := Match{
		ID: "INVENTED-0002", Aliases: []string{"CVE-0000-0002"}, Source: "invented", Namespace: "npm",
		InstalledVersion: "1.0.0", FixedVersion: "1.0.1", Status: vulndb.StatusFixed,
		CVSS: []vulndb.Severity{a.Severity[1], a.Affected[0].Severity[0]}, References: a.References, Title: "invented summary",
		Rule: Rule{Namespace: "npm", Package: "invented-pkg", Scheme: version.Semver, Range: ">= 0, < 1.0.1",
			Origin: "invented/0002.json", Reason: "invented-pkg 1.0.0 is in the affected range (semver comparison)"},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("match (-want +got):\n%s", diff)
	}
}

func TestQueries(t *testing.T) {
	debian := &inventory.Distro{ID: "debian", VersionID: "12"}
	alpine := &inventory.Distro{ID: "alpine", VersionID: "3.20.3"}
	centos := &inventory.Distro{ID: "centos", VersionID: "7.9.2009"}
	for _, tc := range []struct {
		name   string
		p      inventory.Package
		distro *inventory.Distro
		want   []Query
	}{
		{"deb: source package and source version",
			inventory.Package{Name: "libssl3", Version: "3.0.11-1~deb12u2+b1", SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2", Ecosystem: inventory.EcosystemDeb},
			debian, []Query{{"debian:12", "openssl", "3.0.11-1~deb12u2"}}},
		{"deb: no source fields",
			inventory.Package{Name: "bash", Version: "5.2.15-2+b2", Ecosystem: inventory.EcosystemDeb},
			debian, []Query{{"debian:12", "bash", "5.2.15-2+b2"}}},
		{"apk: origin and the binary version",
			inventory.Package{Name: "libcrypto3", Version: "3.3.2-r0", SourceName: "openssl", SourceVersion: "3.3.1-r9", Ecosystem: inventory.EcosystemAPK},
			alpine, []Query{{"alpine:3.20", "openssl", "3.3.2-r0"}}},
		{"rpm: source package and source version",
			inventory.Package{Name: "openssl-libs", Version: "1:1.0.2k-25.el7_9", SourceName: "openssl", SourceVersion: "1:1.0.2k-25.el7_9", Ecosystem: inventory.EcosystemRPM},
			centos, []Query{{"centos:7", "openssl", "1:1.0.2k-25.el7_9"}}},
		{"deb without a distro: no query",
			inventory.Package{Name: "bash", Version: "5.2.15-2+b2", Ecosystem: inventory.EcosystemDeb}, nil, nil},
		{"apk without a distro: no query",
			inventory.Package{Name: "musl", Version: "1.2.5-r0", Ecosystem: inventory.EcosystemAPK}, nil, nil},
		{"rpm with an empty distro: no query",
			inventory.Package{Name: "bash", Version: "4.2.46-35.el7_9", Ecosystem: inventory.EcosystemRPM}, &inventory.Distro{}, nil},
		{"go module",
			inventory.Package{Name: "golang.org/x/net", Version: "v0.0.0-20190620200207-3b0461eec859", Ecosystem: inventory.EcosystemGo},
			nil, []Query{{"go", "golang.org/x/net", "v0.0.0-20190620200207-3b0461eec859"}}},
		{"npm keeps the scope",
			inventory.Package{Name: "@babel/traverse", Version: "7.22.5", Ecosystem: inventory.EcosystemNPM},
			alpine, []Query{{"npm", "@babel/traverse", "7.22.5"}}},
		{"pypi PEP 503: case",
			inventory.Package{Name: "PyYAML", Version: "5.3.1", Ecosystem: inventory.EcosystemPyPI},
			nil, []Query{{"pypi", "pyyaml", "5.3.1"}}},
		{"pypi PEP 503: runs of separators",
			inventory.Package{Name: "Zope.Interface__Extra-.x", Version: "1.0", Ecosystem: inventory.EcosystemPyPI},
			nil, []Query{{"pypi", "zope-interface-extra-x", "1.0"}}},
		{"cargo",
			inventory.Package{Name: "tokio", Version: "1.28.0", Ecosystem: inventory.EcosystemCargo},
			nil, []Query{{"crates.io", "tokio", "1.28.0"}}},
		{"gem",
			inventory.Package{Name: "Ascii85", Version: "1.0.0", Ecosystem: inventory.EcosystemGem},
			nil, []Query{{"rubygems", "Ascii85", "1.0.0"}}},
		{"composer is lower-cased",
			inventory.Package{Name: "Symfony/HTTP-Kernel", Version: "5.4.0", Ecosystem: inventory.EcosystemComposer},
			nil, []Query{{"packagist", "symfony/http-kernel", "5.4.0"}}},
		{"nuget is lower-cased",
			inventory.Package{Name: "Newtonsoft.Json", Version: "12.0.1", Ecosystem: inventory.EcosystemNuGet},
			nil, []Query{{"nuget", "newtonsoft.json", "12.0.1"}}},
		{"maven: groupId:artifactId",
			inventory.Package{Name: "log4j-core", Version: "2.14.1", Ecosystem: inventory.EcosystemMaven,
				Metadata: map[string]string{"groupId": "org.apache.logging.log4j", "artifactId": "log4j-core"}},
			nil, []Query{{"maven", "org.apache.logging.log4j:log4j-core", "2.14.1"}}},
		{"maven without groupId: no query",
			inventory.Package{Name: "log4j-core", Version: "2.14.1", Ecosystem: inventory.EcosystemMaven,
				Metadata: map[string]string{"artifactId": "log4j-core"}},
			nil, nil},
		{"maven without metadata: no query",
			inventory.Package{Name: "log4j-core", Version: "2.14.1", Ecosystem: inventory.EcosystemMaven}, nil, nil},
		{"unknown ecosystem: no query",
			inventory.Package{Name: "x", Version: "1", Ecosystem: "invented"}, debian, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Queries(tc.p, tc.distro)); diff != "" {
				t.Errorf("Queries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDistroNamespace(t *testing.T) {
	for _, tc := range []struct {
		d    *inventory.Distro
		want string
	}{
		{&inventory.Distro{ID: "alpine", VersionID: "3.20.3"}, "alpine:3.20"},
		{&inventory.Distro{ID: "alpine", VersionID: "3.16"}, "alpine:3.16"},
		{&inventory.Distro{ID: "alpine", VersionID: "3.21.0_alpha20240807"}, "alpine:edge"},
		{&inventory.Distro{ID: "alpine"}, "alpine:edge"},
		{&inventory.Distro{ID: "debian", VersionID: "12"}, "debian:12"},
		{&inventory.Distro{ID: "debian"}, "debian:unstable"},
		{&inventory.Distro{ID: "ubuntu", VersionID: "22.04"}, "ubuntu:22.04"},
		{&inventory.Distro{ID: "centos", VersionID: "7.9"}, "centos:7"},
		{&inventory.Distro{ID: "rhel", VersionID: "8.10"}, "rhel:8"},
		{&inventory.Distro{ID: "rocky", VersionID: "9"}, "rocky:9"},
		{&inventory.Distro{VersionID: "12"}, ""},
		{nil, ""},
	} {
		if got := DistroNamespace(tc.d); got != tc.want {
			t.Errorf("DistroNamespace(%+v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestRate(t *testing.T) {
	const (
		v3Medium = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"                    // 5.3
		v3High   = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"                    // 7.5
		v4Crit   = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" // 9.3
		v2High   = "AV:N/AC:L/Au:N/C:P/I:P/A:P"                                      // 7.5
		v2Low    = "AV:L/AC:H/Au:N/C:P/I:N/A:N"                                      // 1.2
	)
	vendor := func(word, src string) vulndb.Severity {
		return vulndb.Severity{Type: vulndb.SeverityVendor, Score: word, Source: src}
	}
	sev := func(typ vulndb.SeverityType, vec, src string) vulndb.Severity {
		return vulndb.Severity{Type: typ, Score: vec, Source: src}
	}
	for _, tc := range []struct {
		name     string
		pkg, adv []vulndb.Severity
		want     Severity
	}{
		{"per-package vendor first",
			[]vulndb.Severity{vendor("low", "debian")}, []vulndb.Severity{vendor("HIGH", "ghsa"), sev(vulndb.SeverityCVSSv3, v3High, "nvd")},
			Severity{Level: Low, Source: "debian"}},
		{"debian unimportant is LOW",
			[]vulndb.Severity{vendor("unimportant", "debian")}, []vulndb.Severity{sev(vulndb.SeverityCVSSv3, v3High, "nvd")},
			Severity{Level: Low, Source: "debian"}},
		{"debian not yet assigned is no rating",
			[]vulndb.Severity{vendor("not yet assigned", "debian")}, []vulndb.Severity{sev(vulndb.SeverityCVSSv3, v3High, "nvd")},
			Severity{Level: High, Source: "cvss-v3.1 (nvd)", Score: 7.5, Vector: v3High}},
		{"advisory vendor word before CVSS",
			nil, []vulndb.Severity{sev(vulndb.SeverityCVSSv3, v3High, "nvd"), vendor("moderate", "ghsa")},
			Severity{Level: Medium, Source: "ghsa"}},
		{"important is HIGH", nil, []vulndb.Severity{vendor("Important", "redhat")}, Severity{Level: High, Source: "redhat"}},
		{"critical", nil, []vulndb.Severity{vendor("CRITICAL", "ghsa")}, Severity{Level: Critical, Source: "ghsa"}},
		{"negligible", nil, []vulndb.Severity{vendor("negligible", "ubuntu")}, Severity{Level: Negligible, Source: "ubuntu"}},
		{"CVSS v3 over v4 and v2",
			nil, []vulndb.Severity{sev(vulndb.SeverityCVSSv2, v2High, "nvd"), sev(vulndb.SeverityCVSSv4, v4Crit, "ghsa"), sev(vulndb.SeverityCVSSv3, v3Medium, "nvd")},
			Severity{Level: Medium, Source: "cvss-v3.1 (nvd)", Score: 5.3, Vector: v3Medium}},
		{"CVSS v4 over v2",
			nil, []vulndb.Severity{sev(vulndb.SeverityCVSSv2, v2High, "nvd"), sev(vulndb.SeverityCVSSv4, v4Crit, "ghsa")},
			Severity{Level: Critical, Source: "cvss-v4.0 (ghsa)", Score: 9.3, Vector: v4Crit}},
		{"CVSS v2 alone, no source",
			nil, []vulndb.Severity{sev(vulndb.SeverityCVSSv2, v2Low, "")},
			Severity{Level: Low, Source: "cvss-v2.0", Score: 1.2, Vector: v2Low}},
		{"per-package CVSS before the advisory's",
			[]vulndb.Severity{sev(vulndb.SeverityCVSSv3, v3Medium, "debian")}, []vulndb.Severity{sev(vulndb.SeverityCVSSv3, v3High, "nvd")},
			Severity{Level: Medium, Source: "cvss-v3.1 (debian)", Score: 5.3, Vector: v3Medium}},
		{"unparsable v3 falls back to v2",
			nil, []vulndb.Severity{sev(vulndb.SeverityCVSSv3, "CVSS:3.1/AV:Q", "nvd"), sev(vulndb.SeverityCVSSv2, v2High, "nvd")},
			Severity{Level: High, Source: "cvss-v2.0 (nvd)", Score: 7.5, Vector: v2High}},
		{"nothing is UNKNOWN", nil, nil, Severity{Level: Unknown}},
		{"only an unknown word is UNKNOWN", nil, []vulndb.Severity{vendor("whatever", "invented")}, Severity{Level: Unknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, af := invented(vulndb.Affected{Scheme: version.Dpkg, Severity: tc.pkg})
			a.Severity = tc.adv
			if diff := cmp.Diff(tc.want, Rate(a, af)); diff != "" {
				t.Errorf("Rate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRank(t *testing.T) {
	for i, lvl := range Levels {
		if got, want := Rank(lvl), len(Levels)-1-i; got != want {
			t.Errorf("Rank(%s) = %d, want %d", lvl, got, want)
		}
	}
	if Rank("bogus") != 0 {
		t.Errorf("Rank(bogus) = %d, want 0", Rank("bogus"))
	}
}

func TestThirdPartyRPM(t *testing.T) {
	centos := &inventory.Distro{ID: "centos", VersionID: "7"}
	for _, tc := range []struct {
		vendor string
		want   bool
	}{{"CentOS", false}, {"", false}, {"Docker", true}, {"Fedora Project", true}} {
		p := inventory.Package{Name: "x", Version: "1-1", Ecosystem: inventory.EcosystemRPM, Metadata: map[string]string{"vendor": tc.vendor}}
		if got := ThirdParty(p, centos); got != tc.want {
			t.Errorf("vendor %q on centos: ThirdParty = %v, want %v", tc.vendor, got, tc.want)
		}
		if q := Queries(p, centos); (len(q) == 0) != tc.want {
			t.Errorf("vendor %q on centos: queries %v", tc.vendor, q)
		}
	}
}
