package sbom

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/inventory"
)

func TestCommentRoundTrip(t *testing.T) {
	ps := properties{
		{"vigil:package:type", "deb"},
		{"vigil:metadata:a=b", "c=d"},
		{"vigil:metadata:multi\nline", "x\ny\r\nz"},
		{"vigil:metadata:slash", `C:\path\n`},
		{"vigil:metadata:empty", ""},
		{"vigil:error", "=leading equals"},
	}
	s := formatComment(ps)
	if diff := cmp.Diff(ps, parseComment(s)); diff != "" {
		t.Errorf("parseComment(formatComment()) mismatch (-want +got):\n%s\ncomment:\n%s", diff, s)
	}
}

func TestParseCommentIgnoresText(t *testing.T) {
	got := parseComment("Found by hand.\r\nvigil:package:arch=amd64\r\nvigil:no-equals\nnot vigil:x=y\n")
	want := properties{{"vigil:package:arch", "amd64"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseComment mismatch (-want +got):\n%s", diff)
	}
}

func TestImageFactsErrors(t *testing.T) {
	for _, name := range []string{"vigil:layer:x:diffId", "vigil:layer:-1:diffId", "vigil:layer:0"} {
		var f imageFacts
		f.apply(name, "v")
		if f.err == nil {
			t.Errorf("apply(%q) accepted a malformed layer property", name)
		}
	}
	var f imageFacts
	f.apply("vigil:layer:0:size", "big")
	if f.err == nil {
		t.Error("apply(vigil:layer:0:size, big) accepted a non-number")
	}
}

func TestSourceFromUpstream(t *testing.T) {
	tests := []struct {
		eco                   inventory.Ecosystem
		upstream, name, ver   string
		wantName, wantVersion string
	}{
		{inventory.EcosystemDeb, "", "base-files", "12.4", "base-files", "12.4"},
		{inventory.EcosystemDeb, "glibc", "libc6", "2.36-9", "glibc", "2.36-9"},
		{inventory.EcosystemDeb, "util-linux@2.38.1-5", "bsdutils", "1:2.38.1-5", "util-linux", "2.38.1-5"},
		{inventory.EcosystemAPK, "busybox", "ssl_client", "1.36.1-r29", "busybox", "1.36.1-r29"},
		{inventory.EcosystemRPM, "glibc-2.28-151.el8.src.rpm", "glibc-common", "2.28-151.el8", "glibc", "2.28-151.el8"},
		{inventory.EcosystemRPM, "python3-pip-wheel-9.0.3-20.el8.src.rpm", "python3-pip", "9.0.3-20.el8", "python3-pip-wheel", "9.0.3-20.el8"},
		{inventory.EcosystemRPM, "weird", "x", "1", "weird", "1"},
	}
	for _, tt := range tests {
		n, v := sourceFromUpstream(tt.eco, tt.upstream, tt.name, tt.ver)
		if n != tt.wantName || v != tt.wantVersion {
			t.Errorf("sourceFromUpstream(%s, %q) = %q, %q; want %q, %q", tt.eco, tt.upstream, n, v, tt.wantName, tt.wantVersion)
		}
	}
}

func TestSplitDistroQualifier(t *testing.T) {
	for in, want := range map[string][2]string{
		"alpine-3.20.3":      {"alpine", "3.20.3"},
		"debian-12":          {"debian", "12"},
		"opensuse-leap-15.5": {"opensuse-leap", "15.5"},
		"sles-15-SP5":        {"sles", "15-SP5"},
		"wolfi":              {"wolfi", ""},
	} {
		id, v := splitDistroQualifier(in)
		if id != want[0] || v != want[1] {
			t.Errorf("splitDistroQualifier(%q) = %q, %q; want %q, %q", in, id, v, want[0], want[1])
		}
	}
}

func TestInferFromPURL(t *testing.T) {
	tests := []struct {
		purl string
		want inventory.Package
	}{
		{"pkg:golang/golang.org/x/net@v0.1.0", inventory.Package{Ecosystem: inventory.EcosystemGo}},
		{"pkg:pypi/requests@2.0", inventory.Package{Ecosystem: inventory.EcosystemPyPI}},
		{"pkg:maven/org.apache/commons@1.0", inventory.Package{Ecosystem: inventory.EcosystemMaven}},
		{"pkg:cargo/serde@1.0", inventory.Package{Ecosystem: inventory.EcosystemCargo}},
		{"pkg:composer/monolog/monolog@1.0", inventory.Package{Ecosystem: inventory.EcosystemComposer}},
		{"pkg:nuget/Newtonsoft.Json@13.0.1", inventory.Package{Ecosystem: inventory.EcosystemNuGet}},
		{"pkg:gem/rails@7.0", inventory.Package{Ecosystem: inventory.EcosystemGem}},
		{"pkg:npm/%40babel/core@7.0", inventory.Package{Ecosystem: inventory.EcosystemNPM}},
		{"pkg:github/actions/checkout@v4", inventory.Package{Ecosystem: "github"}},
		{"pkg:deb/debian/libc6@2.36?arch=amd64&upstream=glibc&distro=debian-12",
			inventory.Package{Name: "libc6", Version: "2.36", Ecosystem: inventory.EcosystemDeb, Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36"}},
		{"not a purl", inventory.Package{}},
	}
	for _, tt := range tests {
		p := inventory.Package{Name: tt.want.Name, Version: tt.want.Version, PURL: tt.purl}
		inferFromPURL(&p)
		tt.want.PURL = tt.purl
		if diff := cmp.Diff(tt.want, p); diff != "" {
			t.Errorf("inferFromPURL(%q) mismatch (-want +got):\n%s", tt.purl, diff)
		}
	}
}
