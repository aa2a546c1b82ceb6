package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/vigilhq/vigil/internal/inventory"
)

// JSON writes the Report itself, indented: the documented, stable format
// (docs/report-json.md). Packages, vulnerabilities and errors are always
// arrays, empty rather than null; packages are in inventory.Sort order,
// vulnerabilities in the table's (most severe first); times are in UTC. A
// zero SchemaVersion is written as SchemaVersion.
type JSON struct{}

var _ Encoder = JSON{}

// Name implements Encoder.
func (JSON) Name() string { return FormatJSON }

// Encode implements Encoder.
func (JSON) Encode(w io.Writer, r *Report) error {
	if r == nil {
		return fmt.Errorf("encoding %s: no report", FormatJSON)
	}
	c := *r
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	c.Vulnerabilities = sortedVulnerabilities(r.Vulnerabilities)
	if c.Vulnerabilities == nil {
		c.Vulnerabilities = []Vulnerability{}
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.Database.BuiltAt = c.Database.BuiltAt.UTC()
	c.Packages = slices.Clone(r.Packages)
	if c.Packages == nil {
		c.Packages = []inventory.Package{}
	}
	inventory.Sort(c.Packages)
	if c.Errors == nil {
		c.Errors = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("writing report JSON: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing report JSON: %w", err)
	}
	return nil
}
