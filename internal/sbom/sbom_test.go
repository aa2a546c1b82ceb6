package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigilhq/vigil/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file at path; -update rewrites the file.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// goldenExt is the golden file suffix of each format.
var goldenExt = map[string]string{
	FormatCycloneDXJSON: "cyclonedx.json",
	FormatSPDXJSON:      "spdx.json",
	FormatJSON:          "vigil.json",
	FormatTable:         "table.txt",
}

func encode(t *testing.T, format string, inv *inventory.Inventory, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, format, inv, opts); err != nil {
		t.Fatalf("Encode(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures() {
		for _, format := range FormatNames() {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				got := encode(t, format, f.inv, fixedOptions)
				golden(t, filepath.Join("testdata", "golden", f.name+"."+goldenExt[format]), got)
			})
		}
	}
}

func TestFormats(t *testing.T) {
	want := []string{FormatCycloneDXJSON, FormatSPDXJSON, FormatJSON, FormatTable}
	if diff := cmp.Diff(want, FormatNames()); diff != "" {
		t.Errorf("FormatNames() mismatch (-want +got):\n%s", diff)
	}
	for _, name := range want {
		if _, ok := Lookup(name); !ok {
			t.Errorf("Lookup(%q) found nothing", name)
		}
		if _, ok := goldenExt[name]; !ok {
			t.Errorf("format %q has no golden file suffix", name)
		}
	}
	if _, ok := Lookup("cyclonedx-xml"); ok {
		t.Error("Lookup(cyclonedx-xml) found an encoder")
	}
	err := Encode(&bytes.Buffer{}, "cyclonedx-xml", debianInventory(), fixedOptions)
	if err == nil || !strings.Contains(err.Error(), `unknown format "cyclonedx-xml"`) {
		t.Errorf("Encode(cyclonedx-xml) error = %v, want unknown format", err)
	}
	for _, name := range want {
		if err := Encode(&bytes.Buffer{}, name, nil, fixedOptions); err == nil {
			t.Errorf("Encode(%s, nil inventory) succeeded", name)
		}
	}
}

// TestRoundTrip: what Vigil writes, Vigil reads back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, f := range fixtures() {
		for _, format := range []string{FormatCycloneDXJSON, FormatSPDXJSON, FormatJSON} {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				data := encode(t, format, f.inv, fixedOptions)
				got, gotFormat, err := Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if gotFormat != format {
					t.Errorf("Decode format = %q, want %q", gotFormat, format)
				}
				want := sortedCopy(f.inv)
				if diff := cmp.Diff(&want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("round trip mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestDocumentIdentity(t *testing.T) {
	inv := alpineInventory()
	serial := regexp.MustCompile(`"serialNumber": "urn:uuid:([0-9a-f-]{36})"`)
	ids := map[string]bool{}
	for range 2 {
		before := time.Now().UTC().Truncate(time.Second)
		out := encode(t, FormatCycloneDXJSON, inv, Options{})
		m := serial.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no serialNumber in\n%s", out)
		}
		if !uuidRE.Match(m[1]) || m[1][14] != '4' {
			t.Errorf("serialNumber %s is not a random (v4) UUID", m[1])
		}
		ids[string(m[1])] = true
		ts := regexp.MustCompile(`"timestamp": "([^"]+)"`).FindSubmatch(out)
		got, err := time.Parse(time.RFC3339, string(ts[1]))
		if err != nil || got.Before(before) || got.After(time.Now().Add(time.Second)) {
			t.Errorf("timestamp %s, want now (%v)", ts[1], err)
		}
		if !bytes.Contains(out, []byte(`"version": "unknown"`)) {
			t.Error("tool version is not \"unknown\" when unset")
		}
	}
	if len(ids) != 2 {
		t.Errorf("two encodings share the serial number %v", ids)
	}

	if err := Encode(&bytes.Buffer{}, FormatSPDXJSON, inv, Options{DocumentID: "NOT-A-UUID"}); err == nil {
		t.Error("Encode with a malformed DocumentID succeeded")
	}
}

func TestBOMRef(t *testing.T) {
	p := inventory.Package{Name: "x", PURL: "pkg:golang/example.com/x@v1.0.0#cmd/x"}
	got := bomRef(p)
	want := "pkg:golang/example.com/x@v1.0.0?package-id=" + packageID(p) + "#cmd/x"
	if got != want {
		t.Errorf("bomRef = %q, want %q", got, want)
	}
	p.PURL = "pkg:deb/libc6@2.36?arch=amd64"
	if got := bomRef(p); !strings.HasPrefix(got, "pkg:deb/libc6@2.36?arch=amd64&package-id=") {
		t.Errorf("bomRef = %q, want the PURL with &package-id=", got)
	}
	// The location is part of the identity.
	q := p
	q.Location.Layer = "sha256:ab"
	if bomRef(p) == bomRef(q) {
		t.Error("bomRef ignores the layer")
	}
}

func TestShortLayer(t *testing.T) {
	for in, want := range map[string]string{
		debianLayer0: "4513bcbd4e3e",
		"":           "",
		"abc":        "abc",
		"sha256:abc": "abc",
	} {
		if got := ShortLayer(in); got != want {
			t.Errorf("ShortLayer(%q) = %q, want %q", in, got, want)
		}
	}
}
