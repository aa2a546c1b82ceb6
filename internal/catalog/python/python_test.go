package python

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
)

func TestGolden(t *testing.T) {
	got := catalogtest.Run(t, Cataloger{}, "testdata/installed")
	if len(got) != 7 {
		t.Errorf("got %d files with packages, want 7", len(got))
	}
	catalogtest.Golden(t, "testdata/installed.golden.json", got)
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA", true},
		{"usr/local/lib/python3.11/site-packages/click-8.4.0.dist-info/METADATA", true},
		{"opt/venv/lib/python3.12/site-packages/x-1.0.DIST-INFO/METADATA", true},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", true},
		{"opt/app/x-1.0-py3.7.egg/EGG-INFO/PKG-INFO", true},
		{"usr/lib/python2.7/wsgiref.egg-info", true},
		{"x.dist-info/METADATA", true},
		{"usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/RECORD", false},
		{"usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/metadata", false},
		{"usr/lib/python3/dist-packages/x.egg-info/requires.txt", false},
		{"usr/lib/python3/dist-packages/x/METADATA", false},
		{"METADATA", false},
		{"opt/app/requirements.txt", false},
		{"opt/app/poetry.lock", false},
	} {
		if got := (Cataloger{}).Required(tc.path, 0o644, 100); got != tc.want {
			t.Errorf("Required(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	if (Cataloger{}).Required("usr/lib/python2.7/wsgiref.egg-info", os.ModeDir, 0) {
		t.Error("Required accepted an egg-info directory")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"PyYAML":             "pyyaml",
		"zope.interface":     "zope-interface",
		"typing_extensions":  "typing-extensions",
		"Foo--Bar__baz":      "foo-bar-baz",
		"lazr.restfulclient": "lazr-restfulclient",
		"Markup_Safe.Thing":  "markup-safe-thing",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseMetadata covers syft's reading of the headers; each case was
// checked against syft v1.57.0.
func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     *inventory.Package // nil: no package
		wantErr  bool
	}{
		{name: "license and classifier", in: "Name: both\nVersion: 1.0\nLicense: BSD-3-Clause\nClassifier: License :: OSI Approved :: MIT License\n",
			want: pyPkg("both", "1.0", "BSD-3-Clause")},
		{name: "classifier only", in: "Name: classonly\nVersion: 1.0\nClassifier: License :: OSI Approved :: BSD License\n",
			want: pyPkg("classonly", "1.0")},
		{name: "expression and license", in: "Name: dup\nVersion: 1.0\nVersion: 2.0\nLicense: MIT\nLicense-Expression: Apache-2.0\n",
			want: pyPkg("dup", "2.0", "Apache-2.0", "MIT")},
		{name: "multi-line license", in: "Name: longlic\nVersion: 1.0\nLicense: Copyright (c) 2020 Someone\n        \n        Permission is hereby granted, free of charge, to any person obtaining a copy\n        of this software.\n",
			want: pyPkg("longlic", "1.0", "sha256:51dc52967d022351bf11d4f4015b82299b083b08f0a2adaaeadfb705efe31415")},
		{name: "trailing blank continuation", in: "Name: cont\nVersion: 1.0\nLicense: MIT\n        \n",
			want: pyPkg("cont", "1.0", "sha256:0082d221f94cb18ac6b48319cb16222bb1e2338c1a08fc93e6a92c6087a2d150")},
		{name: "crlf", in: "Name: crlf\r\nVersion: 1.0\r\nLicense: MIT\r\n",
			want: pyPkg("crlf", "1.0", "MIT")},
		{name: "description ends headers", in: "Name: desc\nVersion: 1.0\n\nLicense: GPL\n",
			want: pyPkg("desc", "1.0")},
		{name: "leading blank lines", in: "\n\nName: lead\nVersion: 1.0\n",
			want: pyPkg("lead", "1.0")},
		{name: "lower-case headers", in: "name: lower\nversion: 1.0\n",
			want: pyPkg("lower", "1.0")},
		{name: "tab is not a continuation", in: "Name: tab\nVersion: 1.0\nLicense: MIT\n\tand tab continuation\n",
			want: pyPkg("tab", "1.0", "MIT")},
		{name: "no version", in: "Name: nover\n",
			want: &inventory.Package{Name: "nover", Ecosystem: inventory.EcosystemPyPI, PURL: "pkg:pypi/nover"}},
		{name: "normalised", in: "Name: Zope.Interface\nVersion: 5.0\n",
			want: pyPkg("zope-interface", "5.0")},
		{name: "local version", in: "Name: torch\nVersion: 2.0.0+cpu\n",
			want: &inventory.Package{Name: "torch", Version: "2.0.0+cpu", Ecosystem: inventory.EcosystemPyPI, PURL: "pkg:pypi/torch@2.0.0%2Bcpu"}},
		{name: "no name", in: "Version: 1.0\n"},
		{name: "the interpreter", in: "Name: Python\nVersion: 2.7.18\n"},
		{name: "lower-case python is a package", in: "Name: python\nVersion: 3.0\n", want: pyPkg("python", "3.0")},
		{name: "repeated requires-dist", in: "Name: a\nVersion: 1\nRequires-Dist: b\nRequires-Dist: c\n  ; extra\n", want: pyPkg("a", "1")},
		{name: "continuation first", in: " Name: a\n", wantErr: true},
		{name: "single requires-dist in another case", in: "Name: a\nVersion: 1\nrequires-dist: b\n", wantErr: true},
		{name: "files header", in: "Name: a\nVersion: 1\nFiles: x\n", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMetadata(context.Background(), strings.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			var got *inventory.Package
			if p, ok := m.Package(); ok {
				got = &p
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSyft compares the fixture tree with what syft's image catalogers
// report for it, by name, version, type, file and PURL, and by licenses
// except where Vigil reports a license text's hash: syft runs a license
// classifier over such texts (traitlets' METADATA holds the BSD text) and
// Vigil has none.
func TestSyft(t *testing.T) {
	dir := "testdata/installed"
	want, wantLicenses := runSyft(t, dir)
	var got []string
	gotLicenses := map[string]string{}
	for _, fr := range catalogtest.Run(t, Cataloger{}, dir) {
		for _, p := range fr.Packages {
			k := line(p.Name, p.Version, string(p.Ecosystem), p.Location.Path, p.PURL)
			got = append(got, k)
			gotLicenses[k] = strings.Join(p.Licenses, ", ")
		}
	}
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatal("syft found nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-syft +vigil):\n%s", diff)
	}
	for k, l := range gotLicenses {
		if strings.Contains(l, "sha256:") {
			continue
		}
		if wantLicenses[k] != l {
			t.Errorf("%s: licenses %q, syft %q", k, l, wantLicenses[k])
		}
	}
}

func FuzzParseMetadata(f *testing.F) {
	for _, p := range []string{
		"testdata/installed/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
		"testdata/installed/usr/local/lib/python3.11/site-packages/traitlets-5.15.0.dist-info/METADATA",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("-: x\n y\nRequires-Dist: a\n b\nrequires-DIST: c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata(context.Background(), bytes.NewReader(data))
		if err != nil {
			return
		}
		p, ok := m.Package()
		if !ok {
			return
		}
		if p.Name == "" || p.Name != Normalize(p.Name) || !strings.HasPrefix(p.PURL, "pkg:pypi/") || p.Ecosystem != inventory.EcosystemPyPI {
			t.Fatalf("bad package %+v", p)
		}
	})
}

func pyPkg(name, version string, licenses ...string) *inventory.Package {
	if len(licenses) == 0 {
		licenses = nil
	}
	return &inventory.Package{Name: name, Version: version, Ecosystem: inventory.EcosystemPyPI,
		PURL: "pkg:pypi/" + name + "@" + version, Licenses: licenses}
}

// runSyft scans dir with syft's image catalogers and returns its python
// packages as sorted lines, one per location, and their licenses by line.
func runSyft(t *testing.T, dir string) ([]string, map[string]string) {
	t.Helper()
	var lines []string
	licenses := map[string]string{}
	for _, a := range catalogtest.Syft(t, dir, "image") {
		if a.Type != string(inventory.EcosystemPyPI) {
			continue
		}
		ls := strings.Join(slices.Sorted(slices.Values(a.Licenses)), ", ")
		for _, path := range a.PrimaryPaths() {
			k := line(a.Name, a.Version, a.Type, path, a.PURL)
			lines = append(lines, k)
			licenses[k] = ls
		}
	}
	slices.Sort(lines)
	return lines, licenses
}

func line(name, version, typ, path, purl string) string {
	if u, err := url.PathUnescape(purl); err == nil {
		purl = u
	}
	return strings.Join([]string{name, version, typ, path, purl}, " ")
}
