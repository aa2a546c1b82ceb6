package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles the schema at url from official schema files
// (see testdata/schema/README.md), with format assertions on.
func compileSchema(t *testing.T, url string, resources map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for id, file := range resources {
		f, err := os.Open(file)
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

func sarifSchema210(t *testing.T) *jsonschema.Schema {
	return compileSchema(t, sarifSchema, map[string]string{
		sarifSchema: filepath.Join("testdata", "schema", "sarif-schema-2.1.0.json"),
	})
}

// cycloneDXSchema16 is the CycloneDX 1.6 schema the sbom package keeps.
func cycloneDXSchema16(t *testing.T) *jsonschema.Schema {
	dir := filepath.Join("..", "sbom", "testdata", "schema")
	return compileSchema(t, cycloneDXSchema, map[string]string{
		cycloneDXSchema: filepath.Join(dir, "bom-1.6.schema.json"),
		"http://cyclonedx.org/schema/spdx.schema.json":     filepath.Join(dir, "spdx.schema.json"),
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": filepath.Join(dir, "jsf-0.82.schemax.json"),
	})
}

const openVEXSchemaURL = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"

func openVEXSchema020(t *testing.T) *jsonschema.Schema {
	return compileSchema(t, openVEXSchemaURL, map[string]string{
		openVEXSchemaURL: filepath.Join("testdata", "schema", "openvex_json_schema.json"),
	})
}

func schemas(t *testing.T) map[string]*jsonschema.Schema {
	return map[string]*jsonschema.Schema{
		FormatSARIF:        sarifSchema210(t),
		FormatCycloneDXVEX: cycloneDXSchema16(t),
		FormatOpenVEX:      openVEXSchema020(t),
	}
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

// TestSchema validates every structured format, for a full, an empty and a
// zero report, against its official schema. The one exception is the OpenVEX
// document of an empty report: its "statements": [] breaks only the
// schema's minItems 1 (see OpenVEX's doc comment), and the test checks
// that this is the only complaint.
func TestSchema(t *testing.T) {
	all := schemas(t)
	for _, f := range append(fixtures(), fixture{"zero", &Report{}}) {
		for format, sch := range all {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				err := validate(t, sch, encode(t, format, f.report))
				if format == FormatOpenVEX && len(f.report.Vulnerabilities) == 0 {
					onlyEmptyStatements(t, err)
					return
				}
				if err != nil {
					t.Errorf("output does not validate:\n%v", err)
				}
			})
		}
	}
}

func onlyEmptyStatements(t *testing.T, err error) {
	t.Helper()
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("empty OpenVEX document: got %v, want the minItems complaint", err)
	}
	out := verr.BasicOutput()
	var leaves int
	for _, e := range out.Errors {
		if e.Error == nil {
			continue
		}
		leaves++
		if e.InstanceLocation != "/statements" || !strings.Contains(e.Error.String(), "minItems") {
			t.Errorf("empty OpenVEX document: unexpected complaint at %q: %s", e.InstanceLocation, e.Error)
		}
	}
	if leaves == 0 {
		t.Errorf("empty OpenVEX document: no complaint found in %v", err)
	}
}

// TestSchemaRejects proves the validation can fail: documents broken in
// ways the schemas forbid are rejected.
func TestSchemaRejects(t *testing.T) {
	tests := []struct {
		format, old, new string
	}{
		{FormatSARIF, `"level": "error"`, `"level": "fatal"`},
		{FormatSARIF, `"version": "2.1.0"`, `"version": "2.2"`},
		{FormatSARIF, `"ruleIndex": 0`, `"ruleIndex": -2`},
		{FormatSARIF, `"helpUri": "https://`, `"helpUri": "not a uri ://`},
		{FormatCycloneDXVEX, `"state": "exploitable"`, `"state": "vulnerable"`},
		{FormatCycloneDXVEX, `"method": "CVSSv31"`, `"method": "CVSS31"`},
		{FormatCycloneDXVEX, `"severity": "critical"`, `"severity": "CRITICAL"`},
		{FormatOpenVEX, `"status": "affected"`, `"status": "vulnerable"`},
		{FormatOpenVEX, `"justification": "vulnerable_code_not_in_execute_path"`, `"justification": "accepted_risk"`},
		{FormatOpenVEX, `"action_statement": "No fix available"`, `"status_notes2": "x"`},
	}
	all := schemas(t)
	for _, tt := range tests {
		out := string(encode(t, tt.format, debianReport()))
		if !strings.Contains(out, tt.old) {
			t.Fatalf("%s output has no %s", tt.format, tt.old)
		}
		broken := strings.Replace(out, tt.old, tt.new, 1)
		if err := validate(t, all[tt.format], []byte(broken)); err == nil {
			t.Errorf("%s with %s validates", tt.format, tt.new)
		}
	}
}

// TestGitHubExpectations checks what code scanning needs beyond the
// schema: relative location URIs, rule tags, security-severity as a number
// string, every result's rule present.
func TestGitHubExpectations(t *testing.T) {
	var log sarifLog
	if err := json.Unmarshal(encode(t, FormatSARIF, debianReport()), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "vigil" || run.Tool.Driver.Version != "1.2.0" {
		t.Errorf("driver = %q %q", run.Tool.Driver.Name, run.Tool.Driver.Version)
	}
	wantSeverity := map[string]string{"CVE-2023-45853": "9.8", "GHSA-4374-p667-p6c8": "7.5", "CVE-2024-0727": "5.5", "CVE-2024-26458": ""}
	if len(run.Tool.Driver.Rules) != len(wantSeverity) {
		t.Errorf("%d rules, want %d", len(run.Tool.Driver.Rules), len(wantSeverity))
	}
	for _, rule := range run.Tool.Driver.Rules {
		if got := rule.Properties.SecuritySeverity; got != wantSeverity[rule.ID] {
			t.Errorf("rule %s: security-severity %q, want %q", rule.ID, got, wantSeverity[rule.ID])
		}
		if len(rule.Properties.Tags) == 0 || rule.Properties.Tags[0] != "security" {
			t.Errorf("rule %s: tags %v lack security", rule.ID, rule.Properties.Tags)
		}
	}
	wantURI := map[string]string{"CVE-2023-45853": "var/lib/dpkg/status", "GHSA-4374-p667-p6c8": "usr/local/bin/app"}
	for _, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d does not name its rule", res.RuleID, res.RuleIndex)
		}
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if strings.Contains(uri, "://") || strings.HasPrefix(uri, "/") {
			t.Errorf("result %s: location %q is not a relative path", res.RuleID, uri)
		}
		if want, ok := wantURI[res.RuleID]; ok && uri != want {
			t.Errorf("result %s: location %q, want %q", res.RuleID, uri, want)
		}
		if ll := res.Locations[0].LogicalLocations; len(ll) != 1 || ll[0].FullyQualifiedName != "debian:12@"+testDigest {
			t.Errorf("result %s: logical locations %+v", res.RuleID, ll)
		}
	}
	noPath := debianReport()
	for i := range noPath.Vulnerabilities {
		noPath.Vulnerabilities[i].Package.Path = ""
	}
	out := encode(t, FormatSARIF, noPath)
	if err := validate(t, sarifSchema210(t), out); err != nil {
		t.Errorf("SARIF without package paths does not validate:\n%v", err)
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if uri := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "./debian:12" {
		t.Errorf("location without a package path = %q, want the image reference as a relative path", uri)
	}
}
