// Package cargo catalogs Rust crates from Cargo.lock files and from
// executables built with cargo-auditable, which embed their dependency list
// as zlib-compressed JSON in a .dep-v0 section. Its output follows syft's
// rust-cargo-lock-cataloger and cargo-auditable-binary-cataloger.
//
// It imports only the standard library, BurntSushi/toml, packageurl-go,
// catalog and inventory.
package cargo

import (
	"bytes"
	"context"
	"fmt"
	"github.com/vigilhq/vigil/internal/catalog/binfile"
	"io/fs"
	"path"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads Cargo.lock files and cargo-auditable executables.
type Cataloger struct{}

var (
	_ catalog.Cataloger = Cataloger{}
	_ catalog.Sniffer   = Cataloger{}
)

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "cargo" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger: files named Cargo.lock of at most
// MaxLockSize bytes, and executables (see candidateExecutable).
func (Cataloger) Required(p string, mode fs.FileMode, size int64) bool {
	if isLock(p) {
		return mode.IsRegular() && size <= MaxLockSize
	}
	return binfile.Candidate(p, mode.IsRegular(), uint32(mode.Perm()), size)
}

func isLock(p string) bool { return path.Base(p) == "Cargo.lock" }

// Sniff implements catalog.Sniffer. The walker sniffs every file Required
// accepted and Sniff cannot see the path, so it must keep Cargo.lock files
// as well as executables: it accepts ELF, PE and Mach-O heads, and text —
// no NUL byte — that is not a "#!" script (a Cargo.lock never starts with
// one). It declines other binaries (archives, images, bytecode) and scripts,
// which make most of the executable files that are not compiled programs.
// An executable text file that is not a script still reaches Catalog, which
// finds no executable header in it and returns nothing.
func (Cataloger) Sniff(head []byte) bool {
	if binfile.Magic(head) {
		return true
	}
	if bytes.HasPrefix(head, []byte("#!")) {
		return false
	}
	return bytes.IndexByte(head, 0) < 0
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	if isLock(in.Path) {
		pkgs, err := lockPackages(ctx, in)
		if err != nil {
			return catalog.Result{}, fmt.Errorf("reading Cargo.lock %q: %w", in.Path, err)
		}
		return catalog.Result{Packages: pkgs}, nil
	}
	if err := ctx.Err(); err != nil {
		return catalog.Result{}, err
	}
	section, err := ReadAuditSection(in.Content)
	if err == nil && section == nil {
		return catalog.Result{}, nil // not a cargo-auditable executable
	}
	var data AuditData
	if err == nil {
		data, err = DecodeAuditData(section)
	}
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading cargo-auditable dependencies of %q: %w", in.Path, err)
	}
	return catalog.Result{Packages: AuditPackages(data)}, nil
}

func lockPackages(ctx context.Context, in catalog.Input) ([]inventory.Package, error) {
	entries, err := ParseLock(ctx, in.Reader())
	if err != nil {
		return nil, err
	}
	var pkgs []inventory.Package
	for i, e := range entries {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if e.Name == "" {
			continue
		}
		md := map[string]string{}
		if e.Source != "" {
			md["source"] = e.Source
		}
		if e.Checksum != "" {
			md["checksum"] = e.Checksum
		}
		// Like syft, every entry is reported, workspace members and path
		// dependencies included, but only crates with a source get a PURL:
		// a cargo PURL without qualifiers names a crates.io crate, which a
		// local one is not.
		purl := ""
		if e.Source != "" {
			purl = cargoPURL(e.Name, e.Version)
		}
		pkgs = append(pkgs, newPackage(e.Name, e.Version, purl, md))
	}
	return pkgs, nil
}

// AuditPackages turns a decoded dependency list into packages: like syft,
// the runtime dependencies only (build scripts' and proc-macros'
// dependencies are not in the executable), the root crate included.
// Crates whose source is "local" (the root and path dependencies) get no
// PURL, as in a Cargo.lock; syft gives them one here.
func AuditPackages(d AuditData) []inventory.Package {
	var pkgs []inventory.Package
	for _, p := range d.Packages {
		if p.Name == "" || p.Kind != KindRuntime {
			continue
		}
		md := map[string]string{}
		if p.Source != "" {
			md["source"] = p.Source
		}
		purl := ""
		if p.Source != "local" {
			purl = cargoPURL(p.Name, p.Version)
		}
		pkgs = append(pkgs, newPackage(p.Name, p.Version, purl, md))
	}
	return pkgs
}

func newPackage(name, version, purl string, md map[string]string) inventory.Package {
	if len(md) == 0 {
		md = nil
	}
	return inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.EcosystemCargo,
		PURL:      purl,
		Metadata:  md,
	}
}

func cargoPURL(name, version string) string {
	return packageurl.NewPackageURL(packageurl.TypeCargo, "", name, version, nil, "").ToString()
}
