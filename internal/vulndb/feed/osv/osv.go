// Package osv reads advisories in the OSV schema (https://ossf.github.io/osv-schema/),
// as JSON (the Go vulnerability database, RustSec's osv branch, GitHub's
// advisory-database, osv.dev exports) or YAML (the PyPA advisory-database),
// for any ecosystem. A file holds one record, or a JSON array of records.
//
// Ecosystems map to Vigil's namespaces and version schemes (see
// ecosystem.go); ECOSYSTEM, SEMVER and GIT ranges are kept as published
// (GIT ranges are never matched), and Go's ecosystem_specific.custom_ranges
// are ignored, as govulncheck ignores them.
//
// It must not import catalog, findings or server.
package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// Source is the Advisory.Source of every record this feed returns.
const Source = "osv"

// maxFileSize caps what one file may cost; the largest real record (a
// TensorFlow PYSEC advisory listing every release) is under 100 KB.
const maxFileSize = 32 << 20

// Format is the OSV format, JSON or YAML.
type Format struct{}

var _ feed.Format = Format{}

// Name implements feed.Format.
func (Format) Name() string { return Source }

// Version implements feed.Format.
func (Format) Version() int { return 1 }

var (
	// jsonIDRe is an OSV id in a JSON head: a string starting with a
	// prefix and a dash ("GO-", "GHSA-", "openSUSE-SU-"). The Node.js
	// Security WG's numeric ids do not match.
	jsonIDRe = regexp.MustCompile(`"id"\s*:\s*"[A-Za-z][A-Za-z0-9]*-`)
	// jsonFieldRe is an OSV field that other JSON advisory formats lack.
	jsonFieldRe = regexp.MustCompile(`"(affected|schema_version|modified)"\s*:`)
	// yamlIDRe is a top-level OSV id in YAML.
	yamlIDRe = regexp.MustCompile(`(?m)^id:\s*["']?[A-Za-z][A-Za-z0-9]*-`)
	// yamlFieldRe is a top-level OSV field in YAML. PyPA files are
	// sometimes sorted by key, so the id may come after a long affected
	// list; affected alone is not enough (it is an ordinary word), so an
	// ecosystem line is also required then.
	yamlFieldRe     = regexp.MustCompile(`(?m)^(affected|schema_version|modified|published|aliases|details|summary):`)
	yamlAffectedRe  = regexp.MustCompile(`(?m)^affected:[ \t]*$`)
	yamlEcosystemRe = regexp.MustCompile(`(?m)^\s+ecosystem:\s*\S`)
)

// Match claims *.json files whose head has a string OSV id and an OSV
// field, and *.yaml / *.yml files with a top-level OSV id and field, or a
// top-level affected list naming an ecosystem.
func (Format) Match(p string, head []byte) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".json":
		return jsonIDRe.Match(head) && jsonFieldRe.Match(head)
	case ".yaml", ".yml":
		if yamlIDRe.Match(head) {
			return yamlFieldRe.Match(head)
		}
		return yamlAffectedRe.Match(head) && yamlEcosystemRe.Match(head)
	}
	return false
}

// Parse reads one file: a JSON object or array of objects, or a YAML
// document (a mapping or a sequence of mappings). Any record that does
// not decode, has no id or has a malformed time makes the file an error.
func (Format) Parse(ctx context.Context, p string, r io.Reader) ([]vulndb.Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading osv file %q: %w", p, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("reading osv file %q: larger than %d bytes", p, maxFileSize)
	}
	recs, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding osv file %q: %w", p, err)
	}
	out := make([]vulndb.Advisory, 0, len(recs))
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := recs[i].advisory()
		if err != nil {
			return nil, fmt.Errorf("osv file %q: %w", p, err)
		}
		a.Origin = p
		out = append(out, a)
	}
	return out, nil
}

// decode reads JSON when the data starts with '{' or '[', YAML otherwise.
func decode(data []byte) ([]record, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		if trimmed[0] == '[' {
			var recs []record
			if err := json.Unmarshal(trimmed, &recs); err != nil {
				return nil, err
			}
			return recs, nil
		}
		var rec record
		if err := json.Unmarshal(trimmed, &rec); err != nil {
			return nil, err
		}
		return []record{rec}, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("not a yaml document")
	}
	n := doc.Content[0]
	switch n.Kind {
	case yaml.SequenceNode:
		var recs []record
		if err := n.Decode(&recs); err != nil {
			return nil, err
		}
		return recs, nil
	case yaml.MappingNode:
		var rec record
		if err := n.Decode(&rec); err != nil {
			return nil, err
		}
		return []record{rec}, nil
	}
	return nil, errors.New("yaml document is neither a mapping nor a sequence")
}
