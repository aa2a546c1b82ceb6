package debian

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

var update = flag.Bool("update", false, "rewrite golden files")

// parse runs Match and Parse on one file as a builder would: it fails the
// test on an unusable file and returns the skipped-entry messages.
func parse(t *testing.T, f feed.Format, path, name string) ([]vulndb.Advisory, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(name, data[:min(len(data), feed.HeadLen)]) {
		t.Errorf("%s.Match(%q) = false", f.Name(), name)
	}
	advs, err := f.Parse(context.Background(), path, bytes.NewReader(data))
	var w *feed.Warnings
	switch {
	case errors.As(err, &w):
		return advs, w.Skipped
	case err != nil:
		t.Fatalf("Parse(%q): %v", path, err)
	}
	return advs, nil
}

func golden(t *testing.T, path string, got any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func fixedIn(ns, pkg, v string, sev ...string) vulndb.Affected {
	a := vulndb.Affected{Namespace: ns, Package: pkg, Scheme: version.Dpkg, Status: vulndb.StatusFixed, Ranges: fixedRange(v)}
	for _, s := range sev {
		a.Severity = append(a.Severity, vulndb.Severity{Type: vulndb.SeverityVendor, Score: s, Source: "debian"})
	}
	return a
}

func withStatus(ns, pkg string, st vulndb.Status, sev ...string) vulndb.Affected {
	a := vulndb.Affected{Namespace: ns, Package: pkg, Scheme: version.Dpkg, Status: st}
	if st != vulndb.StatusNotAffected {
		a.Ranges = unfixedRange()
	}
	for _, s := range sev {
		a.Severity = append(a.Severity, vulndb.Severity{Type: vulndb.SeverityVendor, Score: s, Source: "debian"})
	}
	return a
}

// TestDSARealData parses both real lists (tracker data up to 2023-04).
// The counts match grep: 5,406 and 3,534 headers, 6,988 and 3,535 release
// lines outside NOTE lines, 18,128 and 11,002 CVE ids in braces.
func TestDSARealData(t *testing.T) {
	type summary struct {
		Advisories, Affected, Aliases, Rated int
		Statuses                             map[vulndb.Status]int
		Warnings                             []string
	}
	tests := []struct {
		rel  string
		want summary
	}{
		{"distro/debian-security-tracker/data/DSA/list", summary{
			Advisories: 5406, Affected: 6987, Aliases: 18128, Rated: 108,
			Statuses: map[vulndb.Status]int{"fixed": 6925, "not-affected": 55, "affected": 3, "will-not-fix": 4},
			Warnings: []string{
				`line 17244: DSA-423: parsing dpkg version "kernel-image-2.4.17-ia64": upstream version does not start with a digit`,
			},
		}},
		{"distro/debian-security-tracker/data/DLA/list", summary{
			Advisories: 3534, Affected: 3535, Aliases: 11002,
			Statuses: map[vulndb.Status]int{"fixed": 3534, "will-not-fix": 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			advs, warns := parse(t, DSAFormat{}, shareddata.Path(t, tt.rel), "data/DSA/list")
			got := summary{Advisories: len(advs), Statuses: map[vulndb.Status]int{}, Warnings: warns}
			ids := map[string]bool{}
			for _, a := range advs {
				if ids[a.ID] {
					t.Errorf("duplicate %s", a.ID)
				}
				ids[a.ID] = true
				if a.Source != DSASource || a.Published.IsZero() || a.Published.Year() < 2000 {
					t.Errorf("%s: source %q published %v", a.ID, a.Source, a.Published)
				}
				got.Affected += len(a.Affected)
				got.Aliases += len(a.Aliases)
				for _, af := range a.Affected {
					got.Statuses[af.Status]++
					if af.Severity != nil {
						got.Rated++
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDSAKnownEntries checks records read by hand in the real lists.
func TestDSAKnownEntries(t *testing.T) {
	dsa, _ := parse(t, DSAFormat{}, shareddata.Path(t, "distro/debian-security-tracker/data/DSA/list"), "data/DSA/list")
	dla, _ := parse(t, DSAFormat{}, shareddata.Path(t, "distro/debian-security-tracker/data/DLA/list"), "data/DLA/list")
	find := func(advs []vulndb.Advisory, id string) vulndb.Advisory {
		for _, a := range advs {
			if a.ID == id {
				return a
			}
		}
		t.Fatalf("no %s", id)
		return vulndb.Advisory{}
	}
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		got  vulndb.Advisory
		want vulndb.Advisory
	}{
		{find(dsa, "DSA-5380-1"), vulndb.Advisory{
			ID: "DSA-5380-1", Aliases: []string{"CVE-2023-1393"}, Summary: "xorg-server - security update",
			Published: date(2023, 3, 29),
			Affected:  []vulndb.Affected{fixedIn("debian:11", "xorg-server", "2:1.20.11-1+deb11u6")},
		}},
		// The CVEs of a DSA apply to every release it lists.
		{find(dsa, "DSA-1843-1"), vulndb.Advisory{
			ID: "DSA-1843-1", Aliases: []string{"CVE-2009-2621", "CVE-2009-2622"}, Summary: "squid3 - denial of service",
			Published: date(2009, 7, 28),
			Affected: []vulndb.Affected{
				withStatus("debian:4", "squid", vulndb.StatusNotAffected),
				fixedIn("debian:5", "squid3", "3.0.STABLE8-3+lenny1"),
			},
		}},
		{find(dsa, "DSA-735-2"), vulndb.Advisory{
			ID: "DSA-735-2", Aliases: []string{"CVE-2005-1993"}, Summary: "sudo - pathname validation race",
			Published: date(2005, 7, 8),
			Affected: []vulndb.Affected{
				fixedIn("debian:3.0", "sudo", "1.6.6-1.3woody1", "medium"),
				fixedIn("debian:3.1", "sudo", "1.6.8p7-1.1sarge1", "medium"),
			},
		}},
		// A release line quoted in a NOTE is commentary.
		{find(dsa, "DSA-415"), vulndb.Advisory{
			ID: "DSA-415", Aliases: []string{"CVE-2003-0795", "CVE-2003-0858"}, Summary: "zebra - denial of service",
			Published: date(2004, 1, 6),
		}},
		{find(dsa, "DSA-4205-1"), vulndb.Advisory{
			ID: "DSA-4205-1", Summary: "jessie end-of-life", Published: date(2018, 4, 18),
		}},
		{find(dla, "DLA-372-1"), vulndb.Advisory{
			ID: "DLA-372-1", Summary: "virtualbox-ose - end of support", Published: date(2015, 12, 18),
			Affected: []vulndb.Affected{withStatus("debian:6", "virtualbox-ose", vulndb.StatusWillNotFix)},
		}},
	}
	for _, tt := range tests {
		tt.want.Source = DSASource
		tt.want.References = []string{trackerURL + tt.want.ID}
		tt.want.Origin = tt.got.Origin
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.want.ID, diff)
		}
	}
}

// TestDSAGolden parses excerpts of the real lists, lines copied verbatim.
func TestDSAGolden(t *testing.T) {
	for _, name := range []string{"testdata/DSA/list", "testdata/DLA/list"} {
		t.Run(name, func(t *testing.T) {
			advs, warns := parse(t, DSAFormat{}, name, name)
			golden(t, name+".golden.json", struct {
				Advisories []vulndb.Advisory
				Warnings   []string
			}{advs, warns})
		})
	}
}

// TestDSACases covers lines the real lists hold rarely or not at all, in
// the tracker's list format (not real data).
func TestDSACases(t *testing.T) {
	doc := "[12 Apr 2023] DSA-5387-1 openssh - security update\n" +
		"\t{CVE-2023-1234 CVE-2023-5678 CVE-2023-1234}\n" +
		"\t[bullseye] - openssh 1:8.4p1-5+deb11u2 (bug #1033166; high)\n" +
		"\t[buster] - openssh <not-affected> (vulnerable code not present)\n" +
		"\t[bookworm] - openssh <no-dsa> (Minor issue)\n" +
		"\t[trixie] - openssh <postponed>\n" +
		"\t[sid] - openssh <undetermined>\n" +
		"\t[stretch] - openssh <removed>\n" +
		"\t[hamm] - openssh 1:1.0-1\n" +
		"\t[jessie] - openssh <mystery>\n" +
		"\t[jessie] - openssh\n" +
		"\tsomething else\n" +
		"\tNOTE: [bullseye] - openssh 1:8.4p1-5+deb11u3\r\n" +
		"\n" +
		"[99 Xyz 2023] DSA-5388-1 curl\n" +
		"DSA-5389-1 no date\n" +
		"\t[bullseye] - curl 7.74.0-1.3+deb11u8\n" +
		"[1 May 2023] DLA-3400-1 curl\n" +
		"\t{CVE-2023-27533\n"
	got, err := DSAFormat{}.Parse(context.Background(), "DSA/list", strings.NewReader(doc))
	var w *feed.Warnings
	if !errors.As(err, &w) {
		t.Fatalf("Parse error = %v, want *feed.Warnings", err)
	}
	ref := func(id string) []string { return []string{trackerURL + id} }
	want := []vulndb.Advisory{
		{
			ID: "DSA-5387-1", Aliases: []string{"CVE-2023-1234", "CVE-2023-5678"}, Summary: "openssh - security update",
			Published: time.Date(2023, 4, 12, 0, 0, 0, 0, time.UTC), References: ref("DSA-5387-1"),
			Affected: []vulndb.Affected{
				fixedIn("debian:11", "openssh", "1:8.4p1-5+deb11u2", "high"),
				withStatus("debian:10", "openssh", vulndb.StatusNotAffected),
				withStatus("debian:12", "openssh", vulndb.StatusWillNotFix),
				withStatus("debian:13", "openssh", vulndb.StatusAffected),
				withStatus("debian:unstable", "openssh", vulndb.StatusUnderInvestigation),
			},
		},
		{ID: "DSA-5388-1", Summary: "curl", References: ref("DSA-5388-1")},
		{ID: "DLA-3400-1", Summary: "curl", Published: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), References: ref("DLA-3400-1")},
	}
	for i := range want {
		want[i].Source, want[i].Origin = DSASource, "DSA/list"
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("advisories (-want +got):\n%s", diff)
	}
	wantWarn := []string{
		`line 9: DSA-5387-1: unknown release "hamm"`,
		"line 10: DSA-5387-1: unknown state <mystery>",
		"line 11: DSA-5387-1: openssh has no version",
		`line 12: DSA-5387-1: unknown line "something else"`,
		`line 15: DSA-5388-1: date "99 Xyz 2023" not read`,
		`line 16: not an advisory header: "DSA-5389-1 no date"`,
		`line 19: DLA-3400-1: unterminated id list "{CVE-2023-27533"`,
	}
	if diff := cmp.Diff(wantWarn, w.Skipped); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestTrackerExcerpt parses testdata/tracker/json, an excerpt in the
// documented format of the tracker's JSON export, not real data (the real
// export could not be obtained here: see ../shared/data/README.md).
func TestTrackerExcerpt(t *testing.T) {
	advs, warns := parse(t, TrackerFormat{}, "testdata/tracker/json", "tracker/data/json")
	golden(t, "testdata/tracker/json.golden.json", struct {
		Advisories []vulndb.Advisory
		Warnings   []string
	}{advs, warns})

	byID := map[string]vulndb.Advisory{}
	for _, a := range advs {
		byID[a.ID] = a
	}
	tests := []struct {
		id   string
		want []vulndb.Affected
	}{
		// resolved with a version is fixed, resolved "0" not-affected;
		// open with urgency end-of-life is will-not-fix; one CVE in two
		// source packages is one advisory.
		{"CVE-2023-0286", []vulndb.Affected{
			withStatus("debian:10", "openssl", vulndb.StatusWillNotFix),
			fixedIn("debian:11", "openssl", "1.1.1n-0+deb11u4"),
			fixedIn("debian:12", "openssl", "3.0.8-1"),
			withStatus("debian:12", "openssl1.0", vulndb.StatusNotAffected, "unimportant"),
		}},
		// no-dsa postponed stays affected, a point release will fix it.
		{"CVE-2023-2650", []vulndb.Affected{
			withStatus("debian:11", "openssl", vulndb.StatusAffected, "medium"),
			fixedIn("debian:12", "openssl", "3.0.9-1", "medium"),
		}},
		// no-dsa ignored is will-not-fix; undetermined is
		// under-investigation; the unknown "experimental" is skipped.
		{"CVE-2019-1010022", []vulndb.Affected{
			withStatus("debian:12", "glibc", vulndb.StatusWillNotFix, "unimportant"),
			withStatus("debian:13", "glibc", vulndb.StatusUnderInvestigation),
		}},
		// unimportant is an urgency: still affected; TEMP ids are kept.
		{"TEMP-0841856-B18BAF", []vulndb.Affected{
			withStatus("debian:12", "bash", vulndb.StatusAffected, "unimportant"),
			withStatus("debian:unstable", "bash", vulndb.StatusAffected, "unimportant"),
		}},
	}
	if len(advs) != len(tests) {
		t.Errorf("%d advisories, want %d", len(advs), len(tests))
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, byID[tt.id].Affected); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.id, diff)
		}
	}
	a := byID["CVE-2023-0286"]
	if a.Summary != "X.400 address type confusion in X.509 GeneralName" ||
		!cmp.Equal(a.References, []string{trackerURL + "CVE-2023-0286", "https://bugs.debian.org/1031234"}) {
		t.Errorf("CVE-2023-0286: summary %q references %q", a.Summary, a.References)
	}
	if diff := cmp.Diff([]string{`release "experimental" is not a known Debian release: 1 entries skipped`}, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestTrackerCases covers malformed parts of an export, in the documented
// format (not real data).
func TestTrackerCases(t *testing.T) {
	doc := `{"a": {"CVE-2020-0001": "not an object",
	              "CVE-2020-0002": {"releases": {"bookworm": {"status": "resolved"},
	                                              "bullseye": {"status": "resolved", "fixed_version": "bad version"},
	                                              "buster": {"status": "fixed", "fixed_version": "1.0-1"},
	                                              "trixie": {"status": "resolved", "fixed_version": " 1.0-2 ", "urgency": "high*"}}}},
	         "b": ["not", {"an": "object"}],
	         "c": {}}`
	got, err := TrackerFormat{}.Parse(context.Background(), "json", strings.NewReader(doc))
	var w *feed.Warnings
	if !errors.As(err, &w) {
		t.Fatalf("Parse error = %v, want *feed.Warnings", err)
	}
	want := []vulndb.Advisory{{
		ID: "CVE-2020-0002", References: []string{trackerURL + "CVE-2020-0002"},
		Affected: []vulndb.Affected{fixedIn("debian:13", "a", "1.0-2", "high")},
		Source:   TrackerSource, Origin: "json",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("advisories (-want +got):\n%s", diff)
	}
	wantWarn := []string{
		`package "a" CVE-2020-0001: json: cannot unmarshal string into Go value of type debian.trackerIssue`,
		`package "a" CVE-2020-0002 debian:12: resolved without a fixed_version`,
		`package "a" CVE-2020-0002 debian:11: parsing dpkg version "bad version": version string has embedded spaces`,
		`package "a" CVE-2020-0002 debian:10: unknown status "fixed"`,
		`package "b": not an object of issues`,
	}
	if diff := cmp.Diff(wantWarn, w.Skipped); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	for _, bad := range []string{``, `[]`, `{"a": {"CVE-1": {}}`, `{"a": {"CVE-1": {"releases": [}}}`, `{"a": {}} {}`, `{"a": {5: {}}}`} {
		got, err := TrackerFormat{}.Parse(context.Background(), "json", strings.NewReader(bad))
		if err == nil || errors.As(err, &w) || got != nil {
			t.Errorf("Parse(%q) = %v, %v; want an error and nothing", bad, got, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (TrackerFormat{}).Parse(ctx, "json", strings.NewReader(`{"a": {}}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("tracker Parse with a cancelled context: %v", err)
	}
	if _, err := (DSAFormat{}).Parse(ctx, "list", strings.NewReader("[1 May 2023] DLA-1-1 x\n")); !errors.Is(err, context.Canceled) {
		t.Errorf("DSA Parse with a cancelled context: %v", err)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		f          feed.Format
		path, head string
		want       bool
	}{
		{TrackerFormat{}, "tracker/data/json", `{"0ad": {"CVE-2020-0001": {"description"`, true},
		{TrackerFormat{}, "debian.json", " \n{ \"a\\\"b\" :{\"TEMP-0000000-1\":", true},
		{TrackerFormat{}, "GO-2022-0001.json", `{"id": "GO-2022-0001", "affected": []}`, false},
		{TrackerFormat{}, "v3.16/main.json", `{"apkurl": "{{urlprefix}}", "distroversion": "v3.16"`, false},
		{DSAFormat{}, "data/DSA/list", "[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}", true},
		{DSAFormat{}, "data/DLA/list", "[01 Apr 2023] DLA-3380-1 firmware-nonfree - security update\r\n", true},
		{DSAFormat{}, "data/CVE/list", "CVE-2023-1234 (foo)\n", false},
		{DSAFormat{}, "data/DSA/list.txt", "[29 Mar 2023] DSA-5380-1 xorg-server\n", false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.path, []byte(tt.head)); got != tt.want {
			t.Errorf("%s.Match(%q, %q) = %v, want %v", tt.f.Name(), tt.path, tt.head, got, tt.want)
		}
	}
}

func fuzzFormat(f *testing.F, format feed.Format, seeds ...string) {
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		advs, err := format.Parse(context.Background(), "x", bytes.NewReader(data))
		var w *feed.Warnings
		if err != nil && !errors.As(err, &w) {
			if advs != nil {
				t.Fatalf("advisories returned with an error: %v", err)
			}
			return
		}
		for _, a := range advs {
			if a.ID == "" || a.Source != format.Name() {
				t.Fatalf("incomplete advisory %+v", a)
			}
		}
	})
}

func FuzzParseTracker(f *testing.F) { fuzzFormat(f, TrackerFormat{}, "testdata/tracker/json") }

func FuzzParseDSA(f *testing.F) {
	fuzzFormat(f, DSAFormat{}, "testdata/DSA/list", "testdata/DLA/list")
}

// syntheticExport writes an export of n packages with 10 issues each in
// the documented format, for measuring Parse on a file the size of the
// real one (n = 8,000 gives some 50 MB).
func syntheticExport(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for p := range n {
		if p > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `"pkg%d": {`, p)
		for i := range 10 {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, `"CVE-2023-%d": {"description": "A long enough description of issue %d in package %d", "scope": "remote", "debianbug": %d, "releases": {`+
				`"bullseye": {"status": "resolved", "repositories": {"bullseye": "1.2-3"}, "fixed_version": "1.2-3+deb11u1", "urgency": "medium"}, `+
				`"bookworm": {"status": "open", "repositories": {"bookworm": "1.2-4"}, "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": ""}, `+
				`"trixie": {"status": "resolved", "repositories": {"trixie": "1.2-5"}, "fixed_version": "1.2-5", "urgency": "not yet assigned"}, `+
				`"sid": {"status": "resolved", "repositories": {"sid": "1.2-5"}, "fixed_version": "1.2-5", "urgency": "not yet assigned"}}}`,
				10000+(p*10+i)%90000, i, p, 1000000+p)
		}
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.Bytes()
}

func BenchmarkTrackerParse(b *testing.B) {
	data := syntheticExport(8000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := (TrackerFormat{}).Parse(context.Background(), "json", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
