package sbom

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigilhq/vigil/internal/inventory"
)

func TestDecodeErrors(t *testing.T) {
	cdxWith := func(s string) string {
		return strings.Replace(string(encode(t, FormatCycloneDXJSON, debianInventory(), fixedOptions)), `"vigil:layer:1:size"`, s, 1)
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "decoding SBOM: empty input"},
		{"spaces", " \n\t", "decoding SBOM: empty input"},
		{"text", "hello", "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: line 1, column 1: invalid character 'h'"},
		{"broken", "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\" \"1.6\"\n}", "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: line 3, column 17: invalid character '\"' after object key"},
		{"truncated", `{"spdxVersion": "SPDX-2.3", "packages": [`, "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: line 1, column 41: unexpected end of JSON input"},
		{"array", `[{"bomFormat": "CycloneDX"}]`, "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: the document is a JSON array, not an object"},
		{"null", `null`, "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: the document is null"},
		{"other JSON", `{"name": "x"}`, "decoding SBOM: not CycloneDX, SPDX or Vigil JSON: no bomFormat, spdxVersion or packages field"},
		{"bomFormat", `{"bomFormat": "SPDX"}`, `decoding SBOM: bomFormat "SPDX" is not "CycloneDX"`},
		{"bomFormat type", `{"bomFormat": 1}`, `decoding SBOM: bomFormat 1 is not "CycloneDX"`},
		{"specVersion", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, "decoding CycloneDX JSON: "},
		{"component type", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n \"components\": [{\"name\": 5}]}", "decoding CycloneDX JSON: json: cannot unmarshal number into Go struct field"},
		{"layer property", cdxWith(`"vigil:layer:one:size"`), `decoding CycloneDX JSON: metadata component: property "vigil:layer:one:size"`},
		{"spdxVersion", `{"spdxVersion": "SPDX-3.0"}`, `decoding SPDX JSON: unsupported spdxVersion "SPDX-3.0"`},
		{"spdxVersion type", `{"spdxVersion": 2.3}`, "decoding SBOM: spdxVersion 2.3 is not a string"},
		{"spdx package", `{"spdxVersion": "SPDX-2.3", "packages": [{"name": ["x"]}]}`, "decoding SPDX-2.3 JSON: json: cannot unmarshal array into Go struct field"},
		{"spdx id", `{"spdxVersion": "SPDX-2.3", "SPDXID": "DOCUMENT"}`, "decoding SPDX-2.3 JSON: failed to parse ElementID: DOCUMENT"},
		{"spdx null package", `{"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}, null]}`, "decoding SPDX JSON: packages[1] is null"},
		{"spdx 2.2", `{"spdxVersion": "SPDX-2.2", "SPDXID": 7}`, "decoding SPDX-2.2 JSON: "},
		{"vigil", `{"packages": {"name": "x"}}`, "decoding Vigil JSON: json: cannot unmarshal object into Go struct field Inventory.packages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, _, err := Decode(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", inv)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Decode error = %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	defer func(n int64) { maxDecodeSize = n }(maxDecodeSize)
	data := encode(t, FormatJSON, alpineInventory(), fixedOptions)
	maxDecodeSize = int64(len(data))
	if _, _, err := Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("Decode of exactly the limit: %v", err)
	}
	maxDecodeSize = int64(len(data)) - 1
	_, _, err := Decode(bytes.NewReader(data))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Decode over the limit: error = %v, want larger than", err)
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := Decode(iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("Decode error = %v, want it to wrap the read error", err)
	}
}

func TestDecodeByteOrderMark(t *testing.T) {
	data := append([]byte("\xef\xbb\xbf"), encode(t, FormatSPDXJSON, alpineInventory(), fixedOptions)...)
	inv, format, err := Decode(bytes.NewReader(data))
	if err != nil || format != FormatSPDXJSON {
		t.Fatalf("Decode = %v, %q; want spdx-json", err, format)
	}
	want := sortedCopy(alpineInventory())
	if diff := cmp.Diff(&want, inv, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}

// TestDecodeSPDX22 reads an SPDX 2.2 document: tools-golang converts it.
func TestDecodeSPDX22(t *testing.T) {
	doc := `{
  "spdxVersion": "SPDX-2.2", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
  "name": "app", "documentNamespace": "https://example.com/app",
  "creationInfo": {"created": "2022-01-01T00:00:00Z", "creators": ["Tool: other"]},
  "documentDescribes": ["SPDXRef-Package-lodash"],
  "packages": [{"name": "lodash", "SPDXID": "SPDXRef-Package-lodash", "versionInfo": "4.17.15",
    "downloadLocation": "NOASSERTION", "licenseDeclared": "MIT",
    "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/lodash@4.17.15"}]}]
}`
	inv, format, err := Decode(strings.NewReader(doc))
	if err != nil || format != FormatSPDXJSON {
		t.Fatalf("Decode = %v, %q", err, format)
	}
	if len(inv.Packages) != 1 {
		t.Fatalf("got %d packages, want 1: %+v", len(inv.Packages), inv.Packages)
	}
	p := inv.Packages[0]
	if p.Name != "lodash" || p.Version != "4.17.15" || p.Ecosystem != "npm" || p.PURL != "pkg:npm/lodash@4.17.15" || !cmp.Equal(p.Licenses, []string{"MIT"}) {
		t.Errorf("package = %+v", p)
	}
	if inv.Source.Kind != "sbom" || inv.Source.Reference != "app" {
		t.Errorf("source = %+v, want kind sbom, reference app", inv.Source)
	}
}

// TestDecodePeerShapes covers shapes other tools than syft write: an image
// package with a pkg:oci PURL and an OPERATING-SYSTEM package in SPDX;
// nested components, evidence occurrences and a container component in
// CycloneDX.
func TestDecodePeerShapes(t *testing.T) {
	tests := []struct {
		name, doc string
		want      *inventory.Inventory
	}{
		{
			name: "spdx image and os packages",
			doc: `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "alpine:3.20",
  "documentNamespace": "https://example.com/alpine", "creationInfo": {"created": "2024-09-06T00:00:00Z", "creators": ["Tool: other-1.0"]},
  "packages": [
    {"name": "alpine:3.20", "SPDXID": "SPDXRef-ContainerImage-1", "versionInfo": "sha256:14a6f5faa307cb1694399c6f5f35cc36eaae2bba60e7709621932cb219bdb914",
     "downloadLocation": "NONE", "primaryPackagePurpose": "CONTAINER",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:oci/alpine@sha256%3A14a6f5faa307cb1694399c6f5f35cc36eaae2bba60e7709621932cb219bdb914"}]},
    {"name": "alpine", "SPDXID": "SPDXRef-OperatingSystem-2", "versionInfo": "3.20.3", "downloadLocation": "NONE", "primaryPackagePurpose": "OPERATING-SYSTEM"},
    {"name": "musl", "SPDXID": "SPDXRef-Package-3", "versionInfo": "1.2.5-r0", "downloadLocation": "NONE", "licenseDeclared": "MIT",
     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64"}]}
  ],
  "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-ContainerImage-1", "relationshipType": "DESCRIBES"}]}`,
			want: &inventory.Inventory{
				Source: inventory.Source{Kind: "sbom", Reference: "alpine:3.20", Digest: alpineDigest},
				Distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3"},
				Packages: []inventory.Package{{
					Name: "musl", Version: "1.2.5-r0", Ecosystem: inventory.EcosystemAPK, PURL: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64",
					Arch: "x86_64", SourceName: "musl", SourceVersion: "1.2.5-r0", Licenses: []string{"MIT"},
				}},
			},
		},
		{
			name: "cyclonedx nested",
			doc: `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "application", "name": "app", "version": "1.0"}},
  "components": [
    {"type": "container", "name": "base", "purl": "pkg:oci/base@sha256%3Aab"},
    {"type": "application", "name": "app.jar", "purl": "pkg:maven/com.example/app@1.0",
     "evidence": {"occurrences": [{"location": "/opt/app/app.jar"}]},
     "components": [{"type": "library", "group": "org.slf4j", "name": "slf4j-api", "version": "2.0.9", "purl": "pkg:maven/org.slf4j/slf4j-api@2.0.9",
                     "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom"}}]}]},
    {"type": "file", "name": "/etc/passwd"}
  ]}`,
			want: &inventory.Inventory{
				Source: inventory.Source{Kind: "sbom", Reference: "app"},
				Packages: []inventory.Package{
					{Name: "app.jar", Ecosystem: inventory.EcosystemMaven, PURL: "pkg:maven/com.example/app@1.0", Location: inventory.Location{Path: "opt/app/app.jar"}},
					{Name: "slf4j-api", Version: "2.0.9", Ecosystem: inventory.EcosystemMaven, PURL: "pkg:maven/org.slf4j/slf4j-api@2.0.9", Licenses: []string{"MIT", "Custom"}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Decode(strings.NewReader(tt.doc))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
