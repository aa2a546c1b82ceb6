package sbom

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/shareddata"
)

// These tests decode SBOMs syft v1.57.0 wrote (testdata/syft, see its
// README) and check them against the data syft read, read here directly.

// pkgFacts is what a decoded package must agree on with the source data.
type pkgFacts struct {
	Name, Version string
	Type          inventory.Ecosystem
	Path          string
	Arch          string
	Source        string // SourceName@SourceVersion
	Licenses      string // flattened to SPDX operands, sorted, joined by ", "
}

func facts(p inventory.Package) pkgFacts {
	return pkgFacts{
		Name: p.Name, Version: p.Version, Type: p.Ecosystem, Path: p.Location.Path, Arch: p.Arch,
		Source:   strings.Trim(p.SourceName+"@"+p.SourceVersion, "@"),
		Licenses: flattenLicenses(p.Licenses...),
	}
}

func flattenLicenses(ls ...string) string {
	var ops []string
	for _, l := range ls {
		ops = append(ops, splitTopLevelAND(l)...)
	}
	slices.Sort(ops)
	return strings.Join(ops, ", ")
}

func sortFacts(fs []pkgFacts) {
	slices.SortFunc(fs, func(a, b pkgFacts) int {
		return strings.Compare(a.Name+"\x00"+a.Version, b.Name+"\x00"+b.Version)
	})
}

// npmLockFacts reads the shared package-lock.json (v3) syft read.
func npmLockFacts(t *testing.T) []pkgFacts {
	b, err := os.ReadFile(shareddata.Path(t, "lockfiles/npm-vulnerable/package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Name     string `json:"name"`
		Version  string `json:"version"`
		Packages map[string]struct {
			Version string `json:"version"`
			License string `json:"license"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	var out []pkgFacts
	for key, p := range lock.Packages {
		f := pkgFacts{Name: lock.Name, Version: lock.Version, Type: inventory.EcosystemNPM, Path: "package-lock.json", Licenses: flattenLicenses(p.License)}
		if i := strings.LastIndex(key, "node_modules/"); i >= 0 {
			f.Name, f.Version = key[i+len("node_modules/"):], p.Version
		}
		out = append(out, f)
	}
	sortFacts(out)
	return out
}

// alpineFacts reads lib/apk/db/installed and etc/os-release from the shared
// Alpine minirootfs syft read.
func alpineFacts(t *testing.T) ([]pkgFacts, inventory.Distro) {
	f, err := os.Open(shareddata.Path(t, "rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch name := strings.TrimPrefix(h.Name, "./"); name {
		case "lib/apk/db/installed", "etc/os-release", "usr/lib/os-release":
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		}
	}
	var pkgs []pkgFacts
	var cur map[byte]string
	flush := func() {
		if cur['P'] != "" {
			pkgs = append(pkgs, pkgFacts{Name: cur['P'], Version: cur['V'], Type: inventory.EcosystemAPK, Path: "lib/apk/db/installed",
				Arch: cur['A'], Source: cur['o'] + "@" + cur['V'], Licenses: flattenLicenses(cur['L'])})
		}
		cur = map[byte]string{}
	}
	flush()
	sc := bufio.NewScanner(bytes.NewReader(files["lib/apk/db/installed"]))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
		} else if len(line) > 2 && line[1] == ':' {
			cur[line[0]] = line[2:]
		}
	}
	flush()
	sortFacts(pkgs)

	osRelease := files["etc/os-release"]
	if osRelease == nil {
		osRelease = files["usr/lib/os-release"]
	}
	var d inventory.Distro
	for line := range strings.SplitSeq(string(osRelease), "\n") {
		k, v, _ := strings.Cut(line, "=")
		v = strings.Trim(v, `"`)
		switch k {
		case "ID":
			d.ID = v
		case "VERSION_ID":
			d.VersionID = v
		case "PRETTY_NAME":
			d.Name = v
		}
	}
	if len(pkgs) == 0 || d.ID == "" {
		t.Fatalf("read no packages (%d) or no distro (%+v) from the Alpine rootfs", len(pkgs), d)
	}
	return pkgs, d
}

func decodeFile(t *testing.T, name, wantFormat string) *inventory.Inventory {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "syft", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inv, format, err := Decode(f)
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	if format != wantFormat {
		t.Errorf("Decode(%s) format = %q, want %q", name, format, wantFormat)
	}
	return inv
}

func TestDecodeSyft(t *testing.T) {
	npm := npmLockFacts(t)
	apk, alpine := alpineFacts(t)
	tests := []struct {
		file, format string
		want         []pkgFacts
		wantDistro   *inventory.Distro
		wantRef      string
	}{
		{"npm-vulnerable.cyclonedx.json", FormatCycloneDXJSON, npm, nil, "/work/shared/data/lockfiles/npm-vulnerable"},
		{"npm-vulnerable.spdx.json", FormatSPDXJSON, npm, nil, "/work/shared/data/lockfiles/npm-vulnerable"},
		// CycloneDX has syft's operating-system component.
		{"alpine-3.20.3.cyclonedx.json", FormatCycloneDXJSON, apk, &alpine, "/tmp/alpine-minirootfs-3.20.3"},
		// SPDX has only the PURLs' distro=alpine-3.20.3.
		{"alpine-3.20.3.spdx.json", FormatSPDXJSON, apk, &inventory.Distro{ID: alpine.ID, VersionID: alpine.VersionID}, "/tmp/alpine-minirootfs-3.20.3"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			inv := decodeFile(t, tt.file, tt.format)
			var got []pkgFacts
			for _, p := range inv.Packages {
				got = append(got, facts(p))
				if p.PURL == "" {
					t.Errorf("package %s has no PURL", p.Name)
				}
			}
			sortFacts(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages differ from the data syft read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDistro, inv.Distro); diff != "" {
				t.Errorf("distro mismatch (-want +got):\n%s", diff)
			}
			if inv.Source.Kind != "sbom" || inv.Source.Reference != tt.wantRef {
				t.Errorf("source = %+v, want kind sbom, reference %s", inv.Source, tt.wantRef)
			}
			golden(t, filepath.Join("testdata", "golden", "syft-"+strings.TrimSuffix(tt.file, ".json")+".vigil.json"),
				encode(t, FormatJSON, inv, fixedOptions))
		})
	}
}

// TestDecodeSyftFormatsAgree: syft's CycloneDX and SPDX output of one run
// decode to the same packages, PURLs included.
func TestDecodeSyftFormatsAgree(t *testing.T) {
	for _, name := range []string{"npm-vulnerable", "alpine-3.20.3"} {
		key := func(inv *inventory.Inventory) []string {
			var out []string
			for _, p := range inv.Packages {
				out = append(out, p.Name+" "+p.Version+" "+string(p.Ecosystem)+" "+p.PURL+" "+p.Location.Path+" "+flattenLicenses(p.Licenses...))
			}
			slices.Sort(out)
			return out
		}
		c := key(decodeFile(t, name+".cyclonedx.json", FormatCycloneDXJSON))
		s := key(decodeFile(t, name+".spdx.json", FormatSPDXJSON))
		if diff := cmp.Diff(c, s); diff != "" {
			t.Errorf("%s: CycloneDX and SPDX decodings differ (-cyclonedx +spdx):\n%s", name, diff)
		}
	}
}

// TestConvertSyft: a converted peer SBOM (what `vigil sbom convert` does)
// validates and reads back the same.
func TestConvertSyft(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		FormatCycloneDXJSON: cycloneDXSchema16(t),
		FormatSPDXJSON:      spdxSchema23(t),
	}
	for file, format := range map[string]string{
		"alpine-3.20.3.cyclonedx.json": FormatCycloneDXJSON,
		"npm-vulnerable.spdx.json":     FormatSPDXJSON,
	} {
		inv := decodeFile(t, file, format)
		want := sortedCopy(inv)
		for to, sch := range schemas {
			out := encode(t, to, inv, fixedOptions)
			if err := validate(t, sch, out); err != nil {
				t.Errorf("%s as %s does not validate: %v", file, to, err)
			}
			got, _, err := Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("%s as %s: Decode: %v", file, to, err)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("%s as %s: round trip mismatch (-want +got):\n%s", file, to, diff)
			}
		}
	}
}
