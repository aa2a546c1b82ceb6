package npm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/inventory"
)

// pnpmLockV6 is a pnpm-lock.yaml document of lockfile versions 5.x to 8.x.
type pnpmLockV6 struct {
	// Dependencies are the project's direct dependencies: "name: version"
	// (v5) or "name: {specifier, version}" (v6).
	Dependencies map[string]any `yaml:"dependencies"`
	Packages     map[string]struct {
		Resolution   map[string]string `yaml:"resolution"`
		Dependencies map[string]string `yaml:"dependencies"`
		Dev          bool              `yaml:"dev"`
	} `yaml:"packages"`
}

// pnpmLockV9 is a pnpm-lock.yaml document of lockfile version 9.0 and
// later. Only the package keys are used; the rest is decoded for the type
// checks syft makes.
type pnpmLockV9 struct {
	LockfileVersion string         `yaml:"lockfileVersion"`
	Importers       map[string]any `yaml:"importers"`
	Packages        map[string]struct {
		Resolution       map[string]string `yaml:"resolution"`
		PeerDependencies map[string]string `yaml:"peerDependencies"`
		Dev              bool              `yaml:"dev"`
	} `yaml:"packages"`
	Snapshots map[string]struct {
		Dependencies               map[string]string `yaml:"dependencies"`
		Optional                   bool              `yaml:"optional"`
		OptionalDependencies       map[string]string `yaml:"optionalDependencies"`
		TransitivePeerDependencies []string          `yaml:"transitivePeerDependencies"`
	} `yaml:"snapshots"`
}

// pnpmEntry is one package of a pnpm lockfile.
type pnpmEntry struct {
	name, version string
	dev           bool
}

// ParsePnpmLock parses a pnpm-lock.yaml and returns the packages it pins,
// one per name and version, sorted, leaving out those marked "dev: true".
//
// As syft does: the file may hold several YAML documents (pnpm 11 writes its
// own installation in a first one), each with its lockfileVersion (or the
// first document's); from version 9 on, the packages are the keys of
// "packages" ("@babel/core@7.24.7"); before it, the project's direct
// "dependencies" and the keys of "packages" ("/@babel/core@7.24.7(peer@1.0.0)"
// in v6, "/@babel/core/7.24.7_peer@1.0.0" in v5, whose peer suffix is
// dropped). A document that cannot be read is reported in the error, beside
// the packages of the others.
func ParsePnpmLock(ctx context.Context, r io.Reader) ([]inventory.Package, error) {
	dec := yaml.NewDecoder(r)
	byKey := map[string]pnpmEntry{}
	var firstVersion float64
	var errs []error
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i, err))
			break
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		version, err := pnpmDocumentVersion(&doc, firstVersion)
		if err != nil {
			return nil, errors.Join(append(errs, err)...)
		}
		if firstVersion == 0 {
			firstVersion = version
		}
		entries, err := pnpmDocument(&doc, version)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i, err))
			continue
		}
		for _, e := range entries {
			byKey[e.name+"@"+e.version] = e
		}
	}

	var set pkgSet
	for i, k := range sortedKeys(byKey) {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if e := byKey[k]; !e.dev {
			set.add(newPackage(e.name, e.version, nil))
		}
	}
	return set.sorted(), errors.Join(errs...)
}

// pnpmDocumentVersion returns a document's lockfile version, or the one
// established by an earlier document when it has none.
func pnpmDocumentVersion(doc *yaml.Node, established float64) (float64, error) {
	var head struct {
		LockfileVersion string `yaml:"lockfileVersion"`
	}
	if err := doc.Decode(&head); err != nil {
		if established != 0 {
			return established, nil
		}
		return 0, fmt.Errorf("reading lockfile version: %w", err)
	}
	version, err := strconv.ParseFloat(head.LockfileVersion, 64)
	switch {
	case err == nil:
		return version, nil
	case established != 0:
		return established, nil
	}
	return 0, fmt.Errorf("lockfile version %q: %w", head.LockfileVersion, err)
}

// pnpmDocument returns the packages of one document, by name and version;
// a later entry with the same name and version replaces an earlier one.
func pnpmDocument(doc *yaml.Node, version float64) (map[string]pnpmEntry, error) {
	out := map[string]pnpmEntry{}
	put := func(e pnpmEntry) { out[e.name+"@"+e.version] = e }
	if version >= 9 {
		var lock pnpmLockV9
		if err := doc.Decode(&lock); err != nil {
			return nil, err
		}
		for _, key := range sortedKeys(lock.Packages) {
			if name, ver, ok := pnpmPackageKey(key, "@"); ok {
				put(pnpmEntry{name, ver, lock.Packages[key].Dev})
			}
		}
		return out, nil
	}

	var lock pnpmLockV6
	if err := doc.Decode(&lock); err != nil {
		return nil, err
	}
	v5 := version < 6
	for _, name := range sortedKeys(lock.Dependencies) {
		var ver string
		switch v := lock.Dependencies[name].(type) {
		case string:
			ver = v
		case map[string]any:
			s, ok := v["version"].(string)
			if !ok {
				continue
			}
			ver, _, _ = strings.Cut(s, "(")
		default:
			continue
		}
		if v5 {
			ver = stripPeerSuffix(ver)
		}
		put(pnpmEntry{name: name, version: ver})
	}
	sep := "/"
	if !v5 {
		sep = "@"
	}
	for _, key := range sortedKeys(lock.Packages) {
		name, ver, ok := pnpmPackageKey(key, sep)
		if !ok {
			continue
		}
		if v5 {
			ver = stripPeerSuffix(ver)
		}
		put(pnpmEntry{name, ver, lock.Packages[key].Dev})
	}
	return out, nil
}

// stripPeerSuffix drops the peer suffix of a v5 version:
// 5.3.2_acorn@8.8.0 is 5.3.2.
func stripPeerSuffix(version string) string {
	i := strings.IndexByte(version, '_')
	if i <= 0 || version[0] < '0' || version[0] > '9' {
		return version
	}
	return version[:i]
}

// pnpmPackageKey splits a "packages" key into name and version:
// /@babel/runtime/7.16.7 (v5, sep "/"), /@types/node@14.18.12 (v6, sep "@"),
// @babel/helper-plugin-utils@7.24.7(@babel/core@7.24.7) (v9).
func pnpmPackageKey(key, sep string) (name, version string, ok bool) {
	key, _, _ = strings.Cut(key, "(")
	key = strings.TrimPrefix(key, "/")
	i := strings.LastIndex(key, sep)
	if i < 0 {
		return "", "", false
	}
	return key[:i], key[i+len(sep):], true
}
