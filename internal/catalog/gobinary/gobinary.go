// Package gobinary catalogs the Go modules compiled into executables, from
// the build information the Go linker embeds (read with debug/buildinfo):
// the main module, every dependency with its replace directive applied, and
// the Go standard library as a package named "stdlib" at the toolchain's
// version. Its output follows syft's go-module-binary-cataloger.
//
// It imports only the standard library, packageurl-go, catalog and
// inventory.
package gobinary

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
	"github.com/vigilhq/vigil/internal/catalog/binfile"
	"io"
	"io/fs"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads Go build information from executables.
type Cataloger struct{}

var (
	_ catalog.Cataloger = Cataloger{}
	_ catalog.Sniffer   = Cataloger{}
)

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "gobinary" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger: regular files with an executable
// bit (or named *.exe), at most binfile.MaxSize bytes, outside documentation trees
// and without a script or data extension.
func (Cataloger) Required(p string, mode fs.FileMode, size int64) bool {
	return binfile.Candidate(p, mode.IsRegular(), uint32(mode.Perm()), size)
}

// Sniff implements catalog.Sniffer: only ELF, PE and Mach-O files.
func (Cataloger) Sniff(head []byte) bool { return binfile.Magic(head) }

// Catalog implements catalog.Cataloger. An executable without Go build
// information is not an error; one whose build information is present but
// cannot be decoded is.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	if err := ctx.Err(); err != nil {
		return catalog.Result{}, err
	}
	bi, err := ReadBuildInfo(in.Content)
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading go build info %q: %w", in.Path, err)
	}
	if bi == nil {
		return catalog.Result{}, nil
	}
	return catalog.Result{Packages: Packages(bi, in.Content)}, nil
}

// The errors of debug/buildinfo that mean "this is not a Go program" (or
// not an executable it can open at all); the package does not export them.
const (
	errNotGoExe           = "not a Go executable"
	errUnrecognizedFormat = "unrecognized file format"
)

// ReadBuildInfo reads the build information of a Go executable. It returns
// nil and no error for a file that is not a Go executable, and an error for
// one whose build information is present but corrupt. A panic inside the
// executable parsers is returned as an error.
func ReadBuildInfo(r io.ReaderAt) (bi *debug.BuildInfo, err error) {
	defer func() {
		if p := recover(); p != nil {
			bi, err = nil, fmt.Errorf("parsing executable: %v", p)
		}
	}()
	if err := binfile.CheckELFNameTable(r); err != nil {
		return nil, err
	}
	bi, err = buildinfo.Read(r)
	if err != nil {
		if msg := err.Error(); msg == errNotGoExe || msg == errUnrecognizedFormat {
			return nil, nil
		}
		return nil, err
	}
	return bi, nil
}

// Packages turns build information into packages, as syft does: the main
// module (its "(devel)" version resolved by mainVersion, possibly to ""),
// each dependency except copies of the main module, and "stdlib" when any
// module was found and the toolchain version carries a number. r is the
// executable, read only when GOARCH is not among the build settings.
func Packages(bi *debug.BuildInfo, r io.ReaderAt) []inventory.Package {
	goVersion, experiments := splitGoVersion(bi.GoVersion)
	arch := setting(bi.Settings, "GOARCH")
	if arch == "" && r != nil {
		arch = archFromHeader(r)
	}
	meta := func(mainPath string, m *debug.Module) map[string]string {
		md := map[string]string{"goToolchain": goVersion}
		if arch != "" {
			md["goArch"] = arch
		}
		if len(experiments) > 0 {
			md["goExperiments"] = strings.Join(experiments, ",")
		}
		if m == nil {
			return md
		}
		md["mainModule"] = mainPath
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Sum != "" {
			md["h1Digest"] = m.Sum
		}
		return md
	}

	main, deps := resolveMain(bi)
	var pkgs []inventory.Package
	for _, dep := range deps {
		if dep == nil || moduleEqual(dep, &main) {
			continue
		}
		if p, ok := modulePackage(*dep, meta(main.Path, dep)); ok {
			pkgs = append(pkgs, p)
		}
	}
	if main != (debug.Module{}) {
		md := meta(main.Path, &main)
		main.Version = mainVersion(main, bi.Settings)
		if p, ok := modulePackage(main, md); ok {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) > 0 && strings.ContainsAny(goVersion, "0123456789") {
		pkgs = append(pkgs, inventory.Package{
			Name:      "stdlib",
			Version:   goVersion,
			Ecosystem: inventory.EcosystemGo,
			PURL:      purl("stdlib", strings.TrimPrefix(goVersion, "go")),
			Licenses:  []string{"BSD-3-Clause"},
			Metadata:  meta("", nil),
		})
	}
	return pkgs
}

// resolveMain returns the main module and the dependencies left once it is
// settled. A binary built from a file list (go build main.go) records
// "command-line-arguments" as its main module, and one built outside module
// mode records none; syft then takes the single "(devel)" dependency as the
// main module, or makes one from the package path.
func resolveMain(bi *debug.BuildInfo) (debug.Module, []*debug.Module) {
	main, deps := bi.Main, bi.Deps
	missing := (main == debug.Module{} && bi.Path != "") || main == debug.Module{Path: "command-line-arguments"}
	if !missing {
		return main, deps
	}
	idx := -1
	n := 0
	for i, d := range deps {
		if d != nil && d.Version == devel {
			idx, n = i, n+1
		}
	}
	if n == 1 {
		rest := make([]*debug.Module, 0, len(deps)-1)
		rest = append(rest, deps[:idx]...)
		rest = append(rest, deps[idx+1:]...)
		return *deps[idx], rest
	}
	return debug.Module{Path: bi.Path, Version: devel}, deps
}

// modulePackage builds the package of one module. A replacement by another
// module path reports that path and its version; a replacement by a local
// directory keeps the original path with the replacement's (usually empty)
// version. "(devel)" becomes no version.
func modulePackage(m debug.Module, md map[string]string) (inventory.Package, bool) {
	name := m.Path
	if m.Replace != nil {
		if !strings.HasPrefix(m.Replace.Path, ".") && !strings.HasPrefix(m.Replace.Path, "/") {
			name = m.Replace.Path
		}
		m = *m.Replace
	}
	version := m.Version
	if version == devel {
		version = ""
	}
	if name == "" {
		return inventory.Package{}, false
	}
	return inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.EcosystemGo,
		PURL:      purl(name, version),
		Metadata:  md,
	}, true
}

// moduleEqual reports whether two modules are the same, replacements
// included.
func moduleEqual(a, b *debug.Module) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return a.Path == b.Path && a.Version == b.Version && a.Sum == b.Sum && moduleEqual(a.Replace, b.Replace)
}

// purl writes pkg:golang/<namespace>/<name>@<version>, the namespace being
// the module path up to its last slash.
func purl(modulePath, version string) string {
	namespace, name := "", modulePath
	if i := strings.LastIndex(modulePath, "/"); i > 0 && i < len(modulePath)-1 {
		namespace, name = modulePath[:i], modulePath[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, namespace, name, version, nil, "").ToString()
}

// splitGoVersion splits "go1.22.1 X:boringcrypto,loopvar" into the
// toolchain version and the experiments.
func splitGoVersion(v string) (string, []string) {
	v, rest, ok := strings.Cut(v, " ")
	if !ok {
		return v, nil
	}
	var experiments []string
	for _, chunk := range strings.Fields(rest) {
		if csv, ok := strings.CutPrefix(chunk, "X:"); ok {
			experiments = append(experiments, strings.Split(csv, ",")...)
		}
	}
	return v, experiments
}

// archFromHeader names the machine of binaries that predate the GOARCH
// build setting (Go < 1.18), as syft does: the ELF or Mach-O machine name
// in lower case, or the PE machine number.
func archFromHeader(r io.ReaderAt) (arch string) {
	defer func() {
		if recover() != nil {
			arch = ""
		}
	}()
	head := make([]byte, 16)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return ""
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		f, err := elf.NewFile(r)
		if err != nil {
			return ""
		}
		arch = f.Machine.String()
	case bytes.HasPrefix(head, []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return ""
		}
		arch = strconv.Itoa(int(f.Machine))
	case bytes.HasPrefix(head, []byte("\xfe\xed\xfa")) || bytes.HasPrefix(head[1:], []byte("\xfa\xed\xfe")):
		f, err := macho.NewFile(r)
		if err != nil {
			return ""
		}
		arch = f.Cpu.String()
	default:
		return ""
	}
	arch = strings.Replace(arch, "EM_", "", 1)
	arch = strings.Replace(arch, "Cpu", "", 1)
	return strings.ToLower(arch)
}
