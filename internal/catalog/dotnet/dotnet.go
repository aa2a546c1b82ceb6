// Package dotnet catalogs .NET dependencies from the <app>.deps.json files
// the .NET SDK writes next to an application, with the filters syft's
// dotnet-deps-binary-cataloger applies by default: the application's own
// project is reported; other project references, reference assemblies and
// packages that claim no assembly (directly or through their dependencies)
// are not, unless IL bundling tooling is among the dependencies.
//
// It reads deps.json only: the PE (DLL/EXE) evidence syft also pairs with
// it, and deps.json embedded in single-file bundles, are not read.
//
// It imports only catalog and inventory of Vigil.
package dotnet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads .deps.json files.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "dotnet-deps" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && strings.HasSuffix(p, ".deps.json")
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	doc, err := ParseDeps(in.Reader())
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading deps.json %q: %w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return catalog.Result{}, err
	}
	var res catalog.Result
	for _, l := range doc.Reported(rootName(in.Path)) {
		res.Packages = append(res.Packages, l.pkg())
	}
	return res, nil
}

// Deps is the part of a deps.json that names the libraries: the targets
// (per framework/runtime, library "name/version" to its assets) and the
// libraries' descriptions.
type Deps struct {
	Targets   map[string]map[string]target `json:"targets"`
	Libraries map[string]library           `json:"libraries"`
}

type target struct {
	Dependencies map[string]string `json:"dependencies"`
	// Only the asset paths (the keys) matter.
	Runtime   map[string]json.RawMessage `json:"runtime"`
	Resources map[string]json.RawMessage `json:"resources"`
	Compile   map[string]json.RawMessage `json:"compile"`
	Native    map[string]json.RawMessage `json:"native"`
}

type library struct {
	Type   string `json:"type"`
	Path   string `json:"path"`
	Sha512 string `json:"sha512"`
}

// ParseDeps decodes a deps.json document.
func ParseDeps(r io.Reader) (*Deps, error) {
	var d Deps
	if err := json.NewDecoder(r).Decode(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Library is one library the deps.json reports.
type Library struct {
	Name, Version string
	// Type is the library's type: "project", "package", "runtimepack", ...
	Type string
}

// node is a library merged over all targets.
type node struct {
	nameVersion string
	lib         *library
	claims      bool // some target lists a runtime, resource, compile or native asset
	deps        []string
}

// knownBundlers are packages whose presence means assemblies were merged
// into others (ILRepack, ILMerge, Costura...), so that claims cannot be
// trusted; the list is syft's.
var knownBundlers = map[string]bool{
	"ILRepack.Lib.MSBuild.Task": true, "ILRepack.Lib": true, "ILRepack.Lib.MSBuild": true,
	"ILRepack.Lib.NET": true, "ILRepack.NETStandard": true, "ILRepack.FullAuto": true,
	"ILMerge": true, "JetBrains.Build.ILRepack": true, "PostSharp.Community.Packer": true,
	"Brokenevent.ILStrip": true, "Brokenevent.ILStrip.CLI": true, "Costura.Fody": true, "Fody": true,
}

// Reported returns the libraries to report, the application's own project
// (named root) first, then the others sorted by "name/version".
func (d *Deps) Reported(root string) []Library {
	nodes := map[string]*node{}
	for _, tfm := range sortedKeys(d.Targets) {
		for nv, t := range d.Targets[tfm] {
			n := nodes[nv]
			if n == nil {
				n = &node{nameVersion: nv}
				if l, ok := d.Libraries[nv]; ok {
					n.lib = &l
				}
				nodes[nv] = n
			}
			if len(t.Runtime)+len(t.Resources)+len(t.Compile)+len(t.Native) > 0 {
				n.claims = true
			}
			for name, version := range t.Dependencies {
				n.deps = append(n.deps, name+"/"+version)
			}
		}
	}
	bundling := false
	for nv := range nodes {
		if knownBundlers[splitNameVersion(nv).Name] {
			bundling = true
		}
	}

	var out []Library
	var rootNV string
	if root != "" {
		for _, nv := range sortedKeys(nodes) {
			n := nodes[nv]
			if n.lib != nil && n.lib.Type == "project" && splitNameVersion(nv).Name == root {
				rootNV = nv
				out = append(out, n.library())
				break
			}
		}
	}
	for _, nv := range sortedKeys(nodes) {
		if rootNV != "" && splitNameVersion(nv) == splitNameVersion(rootNV) {
			continue
		}
		n := nodes[nv]
		if l := n.lib; l != nil {
			if l.Type == "referenceassembly" && l.Sha512 == "" && l.Path == "" {
				continue
			}
			if l.Type == "project" {
				continue
			}
		}
		if !bundling && !claimsThroughDeps(nodes, n) {
			continue
		}
		if splitNameVersion(nv).Name == "" {
			continue
		}
		out = append(out, n.library())
	}
	return out
}

// claimsThroughDeps reports whether n, or a library it depends on
// (transitively), lists an assembly.
func claimsThroughDeps(nodes map[string]*node, n *node) bool {
	if n.claims {
		return true
	}
	seen := map[string]bool{n.nameVersion: true}
	stack := append([]string(nil), n.deps...)
	for len(stack) > 0 {
		nv := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[nv] {
			continue
		}
		seen[nv] = true
		if d := nodes[nv]; d != nil {
			if d.claims {
				return true
			}
			stack = append(stack, d.deps...)
		}
	}
	return false
}

func (n *node) library() Library {
	l := splitNameVersion(n.nameVersion)
	if n.lib != nil {
		l.Type = n.lib.Type
	}
	return l
}

// splitNameVersion splits "Newtonsoft.Json/13.0.3".
func splitNameVersion(nv string) Library {
	f := strings.Split(nv, "/")
	l := Library{Name: f[0]}
	if len(f) > 1 {
		l.Version = f[1]
	}
	return l
}

// rootName is the application a deps.json describes: its file name less
// ".deps.json".
func rootName(p string) string {
	return strings.TrimSuffix(path.Base(p), ".deps.json")
}

func (l Library) pkg() inventory.Package {
	purl := packageurl.NewPackageURL(packageurl.TypeNuget, "", l.Name, l.Version, nil, "")
	p := inventory.Package{
		Name:      l.Name,
		Version:   l.Version,
		Ecosystem: inventory.EcosystemNuGet,
		PURL:      purl.ToString(),
	}
	if l.Type != "" {
		p.Metadata = map[string]string{"type": l.Type}
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
