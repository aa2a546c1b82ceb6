package sbom

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
)

// TestSPDXIDsMatchSchema: spdxids.go is generated from the schema the
// CycloneDX output is validated with (go generate rewrites it).
func TestSPDXIDsMatchSchema(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "schema", "spdx.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Comment string   `json:"$comment"`
		Enum    []string `json:"enum"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(schema.Enum))
	if diff := cmp.Diff(want, spdxLicenseIDs[:]); diff != "" {
		t.Errorf("spdxLicenseIDs differ from spdx.schema.json (run go generate) (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(schema.Comment, "-"+spdxLicenseListVersion) {
		t.Errorf("spdxLicenseListVersion = %q, schema $comment = %q", spdxLicenseListVersion, schema.Comment)
	}
}

func TestLicenseID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"MIT", "MIT", true},
		{"mit", "MIT", true},
		{" Apache-2.0 ", "Apache-2.0", true},
		{"GPL-2.0+", "GPL-2.0+", true}, // deprecated, still on the list
		{"Classpath-exception-2.0", "Classpath-exception-2.0", true},
		{"MIT/X11", "", false},
		{"GPL-2+", "", false},
		{"MIT AND BSD-2-Clause", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := licenseID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("licenseID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsCompoundExpression(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"MIT AND BSD-2-Clause AND GPL-2.0-or-later", true},
		{"MPL-2.0 AND (MIT OR GPL-2.0-only)", true},
		{"(MIT)", false}, // no operator
		{"MIT", false},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", true},
		{"GPL-2.0+ OR LicenseRef-foo", true},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2 AND MIT", true},
		{"mit and bsd", false},            // operators are upper case
		{"MIT or Apache", false},          // free text
		{"MIT AND", false},                // dangling operator
		{"(MIT AND BSD-2-Clause", false},  // unbalanced
		{"MIT AND BSD-2-Clause)", false},  // unbalanced
		{"MIT AND GPL-2+", false},         // GPL-2+ is not an id
		{"MIT WITH", false},               // no exception
		{"LicenseRef- AND MIT", false},    // empty idstring
		{"MIT AND LicenseRef-a_b", false}, // "_" is not in an idstring
		{strings.Repeat("(", 100) + "MIT AND ISC" + strings.Repeat(")", 100), false}, // too deep
	}
	for _, tt := range tests {
		if got := isCompoundExpression(tt.in); got != tt.want {
			t.Errorf("isCompoundExpression(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCDXLicenses(t *testing.T) {
	id := func(s string) cdx.LicenseChoice { return cdx.LicenseChoice{License: &cdx.License{ID: s}} }
	name := func(s string) cdx.LicenseChoice { return cdx.LicenseChoice{License: &cdx.License{Name: s}} }
	tests := []struct {
		in   []string
		want *cdx.Licenses
	}{
		{nil, nil},
		{[]string{"", " "}, nil},
		{[]string{"mit"}, &cdx.Licenses{id("MIT")}},
		{[]string{"MIT/X11"}, &cdx.Licenses{name("MIT/X11")}},
		{[]string{"MPL-2.0 AND MIT"}, &cdx.Licenses{{Expression: "MPL-2.0 AND MIT"}}},
		// An expression may only stand alone: with others it is a name.
		{[]string{"ISC", "MPL-2.0 AND MIT"}, &cdx.Licenses{id("ISC"), name("MPL-2.0 AND MIT")}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, cdxLicenses(tt.in)); diff != "" {
			t.Errorf("cdxLicenses(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSPDXLicenses(t *testing.T) {
	tests := []struct {
		in       []string
		want     string
		wantRefs []string
		back     []string // what decoding gives; nil means in
	}{
		{in: nil, want: "NOASSERTION"},
		{in: []string{"mit"}, want: "MIT", back: []string{"MIT"}},
		{in: []string{"MIT", "ISC"}, want: "MIT AND ISC"},
		{in: []string{"MPL-2.0 AND MIT"}, want: "(MPL-2.0 AND MIT)"},
		{in: []string{"MIT OR Apache-2.0", "ISC"}, want: "(MIT OR Apache-2.0) AND ISC"},
		{in: []string{"MIT/X11", "GPL-2+", "GPL 2+"}, want: "LicenseRef-MIT-X11 AND LicenseRef-GPL-2- AND LicenseRef-GPL-2--b2e09bcc",
			wantRefs: []string{"LicenseRef-MIT-X11=MIT/X11", "LicenseRef-GPL-2-=GPL-2+", "LicenseRef-GPL-2--b2e09bcc=GPL 2+"}},
	}
	for _, tt := range tests {
		refs := newLicenseRefs()
		got := refs.expression(tt.in)
		if got != tt.want {
			t.Errorf("expression(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var gotRefs []string
		names := map[string]string{}
		for _, l := range refs.list {
			gotRefs = append(gotRefs, l.LicenseIdentifier+"="+l.LicenseName)
			names[l.LicenseIdentifier] = l.LicenseName
		}
		if diff := cmp.Diff(tt.wantRefs, gotRefs); diff != "" {
			t.Errorf("expression(%q) refs mismatch (-want +got):\n%s", tt.in, diff)
		}
		back := tt.back
		if back == nil {
			back = tt.in
		}
		if diff := cmp.Diff(back, spdxLicenseStrings(got, names)); diff != "" {
			t.Errorf("decoding %q mismatch (-want +got):\n%s", got, diff)
		}
	}
}

// TestSplitTopLevelAND covers expressions other tools write.
func TestSplitTopLevelAND(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"NOASSERTION", []string{"NOASSERTION"}},
		{"MPL-2.0 AND MIT", []string{"MPL-2.0", "MIT"}},
		{"(MIT OR ISC) AND (BSD-2-Clause)", []string{"MIT OR ISC", "BSD-2-Clause"}},
		{"((MIT AND ISC))", []string{"MIT AND ISC"}},
		{"(MIT) OR (ISC)", []string{"(MIT) OR (ISC)"}},
		{"MIT OR ISC", []string{"MIT OR ISC"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, splitTopLevelAND(tt.in)); diff != "" {
			t.Errorf("splitTopLevelAND(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
