package report

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/inventory"
)

// TestJSONRoundTrip proves the JSON format is the Report: decoding it gives
// back the report (findings in the encoders' order).
func TestJSONRoundTrip(t *testing.T) {
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			var got Report
			dec := json.NewDecoder(strings.NewReader(string(encode(t, FormatJSON, f.report))))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			want := *f.report
			want.Vulnerabilities = sortedVulnerabilities(want.Vulnerabilities)
			if want.Vulnerabilities == nil {
				want.Vulnerabilities = []Vulnerability{}
			}
			want.Packages = slices.Clone(want.Packages)
			if want.Packages == nil {
				want.Packages = []inventory.Package{}
			}
			inventory.Sort(want.Packages)
			if want.Errors == nil {
				want.Errors = []string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJSONFieldNames pins the field names docs/report-json.md promises.
func TestJSONFieldNames(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(encode(t, FormatJSON, debianReport()), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m any) []string { return slices.Sorted(maps.Keys(m.(map[string]any))) }
	tests := []struct {
		name string
		obj  any
		want []string
	}{
		{"report", doc, []string{"schemaVersion", "createdAt", "tool", "image", "packages", "vulnerabilities", "ignored", "database", "errors"}},
		{"image", doc["image"], []string{"reference", "kind", "digest", "platform", "os", "layers"}},
		{"vulnerability", doc["vulnerabilities"].([]any)[0], []string{"id", "title", "package", "installed_version", "status", "severity", "severity_source", "cvss", "references", "data_source", "match"}},
		{"package", doc["vulnerabilities"].([]any)[0].(map[string]any)["package"], []string{"name", "version", "type", "purl", "path", "layer", "sourceName"}},
		{"cvss", doc["vulnerabilities"].([]any)[0].(map[string]any)["cvss"].([]any)[0], []string{"version", "vector", "score", "source"}},
		{"ignored", doc["ignored"].([]any)[0], []string{"id", "package", "purl", "version", "reason", "justification"}},
	}
	for _, tt := range tests {
		slices.Sort(tt.want)
		if diff := cmp.Diff(tt.want, keys(tt.obj)); diff != "" {
			t.Errorf("%s fields (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, field := range []string{"packages", "vulnerabilities", "errors"} {
		out := string(encode(t, FormatJSON, &Report{}))
		if !strings.Contains(out, `"`+field+`": []`) {
			t.Errorf("empty report: %s is not []:\n%s", field, out)
		}
	}
}
