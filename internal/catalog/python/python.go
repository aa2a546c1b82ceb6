// Package python catalogs installed Python packages from their core
// metadata: a wheel install's *.dist-info/METADATA, an egg's
// *.egg-info/PKG-INFO or EGG-INFO/PKG-INFO, and the single-file *.egg-info
// that distutils writes, in site-packages, dist-packages or anywhere else.
// It mirrors syft's python-installed-package-cataloger, the Python
// cataloger syft runs on images; requirement declarations (requirements.txt,
// poetry.lock, Pipfile.lock, uv.lock, setup.py) are not installed packages
// and syft reads them on directory scans only, so they are left out.
//
// Of Vigil's packages it imports only catalog and inventory.
package python

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads installed Python package metadata.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "python-installed" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// maxMetadata bounds a metadata file; the long description after the
// headers can be large, but not this large.
const maxMetadata = 32 << 20

// Required implements catalog.Cataloger. The patterns are syft's:
// **/*.egg-info, **/*dist-info/METADATA, **/*egg-info/PKG-INFO and their
// upper-case variants **/*DIST-INFO/METADATA and **/*EGG-INFO/PKG-INFO.
func (Cataloger) Required(p string, mode fs.FileMode, size int64) bool {
	if !mode.IsRegular() || size > maxMetadata {
		return false
	}
	dir, base := path.Split(p)
	parent := path.Base(dir)
	switch {
	case strings.HasSuffix(base, ".egg-info"):
		return true
	case base == "METADATA":
		return strings.HasSuffix(parent, "dist-info") || strings.HasSuffix(parent, "DIST-INFO")
	case base == "PKG-INFO":
		return strings.HasSuffix(parent, "egg-info") || strings.HasSuffix(parent, "EGG-INFO")
	}
	return false
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	m, err := ParseMetadata(ctx, in.Reader())
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading python package metadata %q: %w", in.Path, err)
	}
	p, ok := m.Package()
	if !ok {
		return catalog.Result{}, nil
	}
	return catalog.Result{Packages: []inventory.Package{p}}, nil
}

// Metadata is what Vigil reads from a core metadata file.
type Metadata struct {
	Name              string
	Version           string
	License           string
	LicenseExpression string
	// LicenseFile names the license file beside the metadata (License-File).
	LicenseFile string
}

// Package returns the package the metadata describes, and false when it
// describes none: no name, or "Python" itself (Python 2.7 installs an
// egg-info for the interpreter).
//
// As in syft, the name is normalised as PEP 503 says (lower case, runs of
// "-", "_" and "." replaced by "-") in both the name and the PURL, and the
// licenses are the License-Expression and License fields.
func (m Metadata) Package() (inventory.Package, bool) {
	if m.Name == "" || m.Name == "Python" {
		return inventory.Package{}, false
	}
	name := Normalize(m.Name)
	return inventory.Package{
		Name:      name,
		Version:   m.Version,
		Ecosystem: inventory.EcosystemPyPI,
		PURL:      packageurl.NewPackageURL(packageurl.TypePyPi, "", name, m.Version, nil, "").ToString(),
		Licenses:  licenses(m.LicenseExpression, m.License),
	}, true
}

var separatorRuns = regexp.MustCompile(`[-_.]+`)

// Normalize returns a project name in the normal form of PEP 503:
// "Zope.Interface" and "zope_interface" are both "zope-interface".
func Normalize(name string) string {
	return strings.ToLower(separatorRuns.ReplaceAllString(name, "-"))
}

// licenses turns license field values into what syft reports: trimmed,
// without empty values and duplicates, sorted; a value spanning lines is a
// license text, reported as "sha256:" and its hash (syft reports the
// licenses its classifier finds in such a text, if any).
func licenses(values ...string) []string {
	var out []string
	for _, v := range values {
		if strings.Contains(v, "\n") {
			sum := sha256.Sum256([]byte(v))
			v = "sha256:" + hex.EncodeToString(sum[:])
		}
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// maxLine is the longest header line read, as in syft; the headers stop
// being read at a longer one.
const maxLine = 1 << 20

// pluralFields may repeat; their values are collected, not replaced.
var pluralFields = map[string]bool{"ProvidesExtra": true, "RequiresDist": true}

// structuredFields are the fields syft decodes into lists or structures:
// a single header value for one of them (matched without regard to case)
// makes syft reject the file.
var structuredFields = []string{"Files", "TopLevelPackages", "DirectURLOrigin", "DistInfoLocation", "RequiresDist", "ProvidesExtra"}

// ParseMetadata parses the RFC 822-style headers of a METADATA or PKG-INFO
// file, up to the blank line that starts the description. It follows
// syft's reading: header names lose their dashes ("License-Expression" is
// LicenseExpression), a later header replaces an earlier one, lines starting
// with a space continue the previous header, lines without a colon are
// skipped, and header names match without regard to case when no header
// has the exact name. A continuation line before any header is an error.
func ParseMetadata(ctx context.Context, r io.Reader) (Metadata, error) {
	fields := map[string]any{}
	var key string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	n := 0
	for sc.Scan() {
		n++
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return Metadata{}, err
			}
		}
		line := sc.Text()
		if line == "" {
			if len(fields) > 0 {
				break // the description follows
			}
			continue
		}
		if strings.HasPrefix(line, " ") {
			if key == "" {
				return Metadata{}, fmt.Errorf("line %d: continuation line before any header", n)
			}
			switch v := fields[key].(type) {
			case string:
				fields[key] = v + "\n " + strings.TrimSpace(line)
			case []string:
				v[len(v)-1] += "\n " + strings.TrimSpace(line)
			}
			continue
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		key = strings.ReplaceAll(strings.TrimSpace(line[:i]), "-", "")
		val := strings.TrimSpace(line[i+1:])
		if !pluralFields[key] {
			fields[key] = val
			continue
		}
		switch v := fields[key].(type) {
		case []string:
			fields[key] = append(v, val)
		case string:
			fields[key] = []string{v, val}
		default:
			fields[key] = []string{val}
		}
	}
	// A read error (a header line over maxLine, say) ends the headers; what
	// was read stands, as in syft.

	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, f := range structuredFields {
		if _, ok := lookup(fields, keys, f).(string); ok {
			return Metadata{}, fmt.Errorf("header %s: a single value where a list is expected", f)
		}
	}
	str := func(name string) string {
		s, _ := lookup(fields, keys, name).(string)
		return s
	}
	return Metadata{
		Name:              str("Name"),
		Version:           str("Version"),
		License:           str("License"),
		LicenseExpression: str("LicenseExpression"),
		LicenseFile:       str("LicenseFile"),
	}, nil
}

// lookup returns the value of the field name: the header of exactly that
// name, else one whose name differs only in case (the first of the sorted
// keys when there are several).
func lookup(fields map[string]any, keys []string, name string) any {
	if v, ok := fields[name]; ok {
		return v
	}
	for _, k := range keys {
		if strings.EqualFold(k, name) {
			return fields[k]
		}
	}
	return nil
}
