// Package ignorefile reads .vigilignore files: YAML lists of
// vulnerabilities to leave out of a scan's report, each with a reason and an
// optional package and expiry.
//
//	ignore:
//	  - id: CVE-2019-1549          # or any alias (GHSA-…, GO-…)
//	    package: openssl           # optional: only this package (name or PURL)
//	    expires: 2026-12-31        # optional: stops applying after this day
//	    reason: not reachable: we never fork after seeding the RNG
package ignorefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/report"
)

// Rule is one entry.
type Rule struct {
	ID      string `yaml:"id"`
	Package string `yaml:"package,omitempty"`
	Expires string `yaml:"expires,omitempty"`
	Reason  string `yaml:"reason"`
	expires time.Time
	line    int
}

// File is a parsed ignore file.
type File struct {
	Path  string
	Rules []Rule
}

// maxSize bounds an ignore file.
const maxSize = 4 << 20

// Load reads an ignore file.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("ignore file %s not found: check the path", path)
		}
		return nil, err
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse reads an ignore file's contents.
func Parse(path string, r io.Reader) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSize {
		return nil, fmt.Errorf("ignore file %s: larger than %d bytes", path, maxSize)
	}
	var doc struct {
		Ignore []yaml.Node `yaml:"ignore"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, fmt.Errorf("ignore file %s: %w", path, err)
	}
	out := &File{Path: path}
	for _, n := range doc.Ignore {
		var r Rule
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				switch k := n.Content[i].Value; k {
				case "id", "package", "expires", "reason":
				default:
					return nil, fmt.Errorf("ignore file %s line %d: unknown field %q (known: id, package, expires, reason)", path, n.Content[i].Line, k)
				}
			}
		}
		if err := n.Decode(&r); err != nil {
			return nil, fmt.Errorf("ignore file %s line %d: %w", path, n.Line, err)
		}
		r.line = n.Line
		if strings.TrimSpace(r.ID) == "" {
			return nil, fmt.Errorf("ignore file %s line %d: an entry needs an id", path, n.Line)
		}
		if strings.TrimSpace(r.Reason) == "" {
			return nil, fmt.Errorf("ignore file %s line %d: entry %s needs a reason", path, n.Line, r.ID)
		}
		if r.Expires != "" {
			t, err := time.Parse("2006-01-02", r.Expires)
			if err != nil {
				if t, err = time.Parse(time.RFC3339, r.Expires); err != nil {
					return nil, fmt.Errorf("ignore file %s line %d: expires %q: want YYYY-MM-DD", path, n.Line, r.Expires)
				}
			} else {
				t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
			}
			r.expires = t
		}
		out.Rules = append(out.Rules, r)
	}
	return out, nil
}

// Apply removes the vulnerabilities a live rule covers, returning what is
// kept, what was ignored, and one warning per expired rule (which no longer
// applies).
func (f *File) Apply(vs []report.Vulnerability, now time.Time) (kept []report.Vulnerability, ignored []report.Ignored, warnings []string) {
	live := f.Rules[:0:0]
	for _, r := range f.Rules {
		if !r.expires.IsZero() && now.After(r.expires) {
			warnings = append(warnings, fmt.Sprintf("%s line %d: ignore rule for %s expired on %s and no longer applies", f.Path, r.line, r.ID, r.Expires))
			continue
		}
		live = append(live, r)
	}
	kept = []report.Vulnerability{}
	for _, v := range vs {
		if r, ok := covering(live, v); ok {
			ignored = append(ignored, report.Ignored{ID: v.ID, Package: v.Package.Name, Reason: r.Reason, Expires: r.Expires})
			continue
		}
		kept = append(kept, v)
	}
	return kept, ignored, warnings
}

func covering(rules []Rule, v report.Vulnerability) (Rule, bool) {
	for _, r := range rules {
		if r.Package != "" && r.Package != v.Package.Name && r.Package != v.Package.PURL {
			continue
		}
		if r.ID == v.ID {
			return r, true
		}
		for _, a := range v.Aliases {
			if r.ID == a {
				return r, true
			}
		}
	}
	return Rule{}, false
}
