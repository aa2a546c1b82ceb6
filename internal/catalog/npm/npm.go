// Package npm catalogs JavaScript packages: installed packages from their
// package.json manifests (Cataloger), and the packages an npm, yarn or pnpm
// lockfile pins (LockCataloger). Both mirror syft's javascript catalogers:
// syft runs the manifest cataloger on image scans and the lockfile cataloger
// on directory scans, so the two are separate plugins that a scan can list
// independently.
//
// Of Vigil's packages it imports only catalog and inventory.
package npm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads package.json manifests wherever they are, as syft's
// javascript-package-cataloger does on image scans: the package directories
// under node_modules (the name is the manifest's, not the directory's, so an
// alias installed as node_modules/ansi-regex-5 is ansi-regex), globally
// installed packages (usr/lib/node_modules/...), an application's own
// manifest, and manifests nested in packages (test fixtures included). A
// manifest without a name, such as the {"type":"module"} stubs in
// dist/esm/, is not a package.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "npm-package" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// maxManifest bounds a package.json; real manifests are a few kilobytes.
const maxManifest = 16 << 20

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, size int64) bool {
	return mode.IsRegular() && size <= maxManifest && path.Base(p) == "package.json"
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	pkgs, err := ParsePackageJSON(ctx, in.Reader())
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading npm package.json %q: %w", in.Path, err)
	}
	return catalog.Result{Packages: pkgs}, nil
}

// ParsePackageJSON parses a package.json and returns the package it
// describes. Like syft it reads a stream of JSON documents (in practice one)
// and rejects the whole file if a field it models has the wrong type. A
// manifest without a name yields no package; one without a version yields a
// package with an empty version.
func ParsePackageJSON(ctx context.Context, r io.Reader) ([]inventory.Package, error) {
	dec := json.NewDecoder(r)
	var out []inventory.Package
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if m.Name == "" {
			continue
		}
		out = append(out, newPackage(m.Name, m.Version, m.licenses()))
	}
	return out, nil
}

// manifest is the part of package.json that syft decodes. The fields that
// are not used are kept so that a manifest syft rejects for their types is
// rejected here too.
type manifest struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	License         json.RawMessage   `json:"license"`
	Licenses        json.RawMessage   `json:"licenses"`
	Latest          []string          `json:"latest"`
	Homepage        string            `json:"homepage"`
	Description     string            `json:"description"`
	Private         bool              `json:"private"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Author          person            `json:"author"`
	Authors         people            `json:"authors"`
	Contributors    people            `json:"contributors"`
	Maintainers     people            `json:"maintainers"`
	Repository      repository        `json:"repository"`
}

// licenses returns the manifest's licenses as syft reads them: the
// "license" field as a string or a {"type": ...} object, else the
// deprecated "licenses" array of objects.
func (m manifest) licenses() []string {
	if m.License == nil && m.Licenses == nil {
		return nil
	}
	var s string
	if err := json.Unmarshal(m.License, &s); err == nil {
		return cleanLicenses([]string{s})
	}
	var o struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(m.License, &o); err == nil {
		return cleanLicenses([]string{o.Type})
	}
	var list []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(m.Licenses, &list); err != nil {
		return nil
	}
	var out []string
	for _, l := range list {
		out = append(out, l.Type)
	}
	return cleanLicenses(out)
}

// person is an author, contributor or maintainer: null, a string
// ("Name <email> (url)") or an object whose name, email and url are strings.
type person struct{}

func (*person) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n', '"':
		return nil
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
		for k, v := range fields {
			if !strings.EqualFold(k, "name") && !strings.EqualFold(k, "email") && !strings.EqualFold(k, "url") {
				continue
			}
			if c := firstByte(v); c != 'n' && c != '"' {
				return fmt.Errorf("person field %q is not a string", k)
			}
		}
		return nil
	}
	return errors.New("person is neither a string nor an object")
}

// people is a person or an array of them.
type people struct{}

func (*people) UnmarshalJSON(b []byte) error {
	if firstByte(b) != '[' {
		var p person
		return p.UnmarshalJSON(b)
	}
	var list []person
	return json.Unmarshal(b, &list)
}

// repository is null, a URL string or an object of strings.
type repository struct{}

func (*repository) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n', '"':
		return nil
	case '{':
		var m map[string]*string
		return json.Unmarshal(b, &m)
	}
	return errors.New("repository is neither a string nor an object")
}

// firstByte returns the first byte of a JSON value (values handed to
// UnmarshalJSON carry no leading space).
func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// cleanLicenses turns license values into what syft reports: trimmed,
// without empty values and duplicates, sorted; a value spanning lines is a
// license text, reported as "sha256:" and its hash (syft reports the
// licenses its classifier finds in it, if any).
func cleanLicenses(in []string) []string {
	var out []string
	for _, l := range in {
		if strings.Contains(l, "\n") {
			sum := sha256.Sum256([]byte(l))
			l = "sha256:" + hex.EncodeToString(sum[:])
		}
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// newPackage builds an npm package.
func newPackage(name, version string, licenses []string) inventory.Package {
	return inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.EcosystemNPM,
		PURL:      packageURL(name, version),
		Licenses:  licenses,
	}
}

// packageURL writes an npm PURL the way syft does: a scoped name's scope is
// the namespace (pkg:npm/%40babel/core@7.24.0), and so is anything else
// before a slash.
func packageURL(name, version string) string {
	var namespace string
	if ns, n, ok := strings.Cut(name, "/"); ok {
		namespace, name = ns, n
	}
	return packageurl.NewPackageURL(packageurl.TypeNPM, namespace, name, version, nil, "").ToString()
}

// inNodeModules reports whether a path has a node_modules directory in it.
func inNodeModules(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if part == "node_modules" {
			return true
		}
	}
	return false
}
