package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles the schema at url from the official schema files
// in testdata/schema (see its README), with format assertions on.
func compileSchema(t *testing.T, url string, resources map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for id, file := range resources {
		f, err := os.Open(filepath.Join("testdata", "schema", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("adding %s: %v", file, err)
		}
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling %s: %v", url, err)
	}
	return sch
}

func cycloneDXSchema16(t *testing.T) *jsonschema.Schema {
	return compileSchema(t, "http://cyclonedx.org/schema/bom-1.6.schema.json", map[string]string{
		"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
		"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schemax.json",
	})
}

func spdxSchema23(t *testing.T) *jsonschema.Schema {
	return compileSchema(t, "http://spdx.org/rdf/terms/2.3", map[string]string{
		"http://spdx.org/rdf/terms/2.3": "spdx-schema-2.3.json",
	})
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

func TestSchema(t *testing.T) {
	schemas := map[string]*jsonschema.Schema{
		FormatCycloneDXJSON: cycloneDXSchema16(t),
		FormatSPDXJSON:      spdxSchema23(t),
	}
	for _, f := range fixtures() {
		for format, sch := range schemas {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				if err := validate(t, sch, encode(t, format, f.inv, fixedOptions)); err != nil {
					t.Errorf("output does not validate:\n%v", err)
				}
			})
		}
	}
}

// TestSchemaRejects proves the validation can fail: documents broken in
// ways the schemas forbid are rejected.
func TestSchemaRejects(t *testing.T) {
	tests := []struct {
		format, old, new string
	}{
		{FormatCycloneDXJSON, `"bomFormat": "CycloneDX"`, `"bomFormat": "SPDX"`},
		{FormatCycloneDXJSON, `"serialNumber": "urn:uuid:6f1c0b5e`, `"serialNumber": "urn:uuid:XX1c0b5e`},
		{FormatCycloneDXJSON, `"type": "library"`, `"type": "package"`},
		{FormatCycloneDXJSON, `"timestamp": "2026-01-02T03:04:05Z"`, `"timestamp": "yesterday"`},
		{FormatCycloneDXJSON, `"id": "MIT"`, `"id": "MIT-ish"`},
		{FormatSPDXJSON, `"relationshipType": "CONTAINS"`, `"relationshipType": "HAS"`},
		{FormatSPDXJSON, `"referenceCategory": "PACKAGE-MANAGER"`, `"referenceCategory": "PACKAGES"`},
		{FormatSPDXJSON, `"spdxVersion": "SPDX-2.3"`, `"spdxVersion": 2.3`},
	}
	schemas := map[string]*jsonschema.Schema{
		FormatCycloneDXJSON: cycloneDXSchema16(t),
		FormatSPDXJSON:      spdxSchema23(t),
	}
	for _, tt := range tests {
		out := string(encode(t, tt.format, debianInventory(), fixedOptions))
		if !strings.Contains(out, tt.old) {
			t.Fatalf("%s output has no %s", tt.format, tt.old)
		}
		broken := strings.Replace(out, tt.old, tt.new, 1)
		if err := validate(t, schemas[tt.format], []byte(broken)); err == nil {
			t.Errorf("%s with %s validates", tt.format, tt.new)
		}
	}
}
