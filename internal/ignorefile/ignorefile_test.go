package ignorefile

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/report"
)

func TestApply(t *testing.T) {
	f, err := Parse(".vigilignore", strings.NewReader(`ignore:
  - id: CVE-2019-1549
    package: openssl
    reason: not reachable
  - id: GHSA-xxxx-yyyy-zzzz
    reason: alias match
  - id: CVE-2020-0001
    expires: 2026-01-31
    reason: expired
  - id: CVE-2021-0002
    expires: 2026-12-31
    reason: still valid
`))
	if err != nil {
		t.Fatal(err)
	}
	vs := []report.Vulnerability{
		{ID: "CVE-2019-1549", Package: report.Package{Name: "openssl"}},
		{ID: "CVE-2019-1549", Package: report.Package{Name: "libssl"}},
		{ID: "CVE-2022-1111", Aliases: []string{"GHSA-xxxx-yyyy-zzzz"}, Package: report.Package{Name: "lodash"}},
		{ID: "CVE-2020-0001", Package: report.Package{Name: "zlib"}},
		{ID: "CVE-2021-0002", Package: report.Package{Name: "musl"}},
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	kept, ignored, warnings := f.Apply(vs, now)
	var keptIDs []string
	for _, v := range kept {
		keptIDs = append(keptIDs, v.ID+"/"+v.Package.Name)
	}
	if diff := cmp.Diff([]string{"CVE-2019-1549/libssl", "CVE-2020-0001/zlib"}, keptIDs); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if len(ignored) != 3 {
		t.Errorf("ignored = %+v, want 3", ignored)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "CVE-2020-0001 expired on 2026-01-31") {
		t.Errorf("warnings = %q", warnings)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ignore:\n  - id: CVE-1\n", "needs a reason"},
		{"ignore:\n  - reason: x\n", "needs an id"},
		{"ignore:\n  - id: CVE-1\n    reason: x\n    expires: tomorrow\n", `expires "tomorrow"`},
		{"ignore:\n  - id: CVE-1\n    reason: x\n    colour: red\n", "colour"},
		{"ignore: [", "did not find expected"},
	} {
		_, err := Parse("f", strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want %q", tc.in, err, tc.want)
		}
	}
}
