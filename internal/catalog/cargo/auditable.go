package cargo

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vigilhq/vigil/internal/catalog/binfile"
	"io"
)

// MaxAuditData bounds both the compressed .dep-v0 section and the JSON it
// inflates to, so that a zlib bomb cannot exhaust memory. cargo-auditable's
// own reader uses the same default ("8 MiB should be more than enough to
// hold any legitimate audit data").
const MaxAuditData = 8 << 20

// Section names of the dependency list, current and as written by
// rust-audit 0.1.0 (per format).
const (
	depSection         = ".dep-v0"
	legacyELFSection   = ".rust-deps-v0"
	legacyPESection    = "rdep-v0"
	legacyMachOSection = "rust-deps-v0"
)

// KindRuntime marks a dependency linked into the executable (as opposed to
// "build", a build script's or proc-macro's dependency).
const KindRuntime = "runtime"

// AuditPackage is one entry of the dependency list cargo-auditable embeds.
type AuditPackage struct {
	Name    string
	Version string
	// Source is "crates.io", "registry", "git", "local" or another
	// revision-control name.
	Source string
	// Kind is "runtime" (the default when the field is absent) or "build".
	Kind         string
	Dependencies []uint
	Root         bool
}

// UnmarshalJSON decodes a package, defaulting kind to "runtime" and
// accepting the source both as a plain string (what cargo-auditable writes)
// and as {"Other": "..."} (what its JSON schema also allows).
func (p *AuditPackage) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name         string          `json:"name"`
		Version      string          `json:"version"`
		Source       json.RawMessage `json:"source"`
		Kind         string          `json:"kind"`
		Dependencies []uint          `json:"dependencies"`
		Root         bool            `json:"root"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = AuditPackage{Name: raw.Name, Version: raw.Version, Kind: raw.Kind, Dependencies: raw.Dependencies, Root: raw.Root}
	if p.Kind == "" {
		p.Kind = KindRuntime
	}
	if len(raw.Source) > 0 && string(raw.Source) != "null" {
		if err := json.Unmarshal(raw.Source, &p.Source); err != nil {
			var other struct{ Other string }
			if json.Unmarshal(raw.Source, &other) != nil {
				return fmt.Errorf("package %q: source is neither a string nor {\"Other\": string}", raw.Name)
			}
			p.Source = other.Other
		}
	}
	return nil
}

// AuditData is the decoded .dep-v0 section.
type AuditData struct {
	Packages []AuditPackage `json:"packages"`
	Format   int            `json:"format"`
}

// ReadAuditSection returns the raw (still compressed) dependency section of
// an ELF, PE or Mach-O executable, or nil when the file is not one of those
// or carries no such section. Reads are bounded by MaxAuditData.
func ReadAuditSection(r io.ReaderAt) (data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("parsing executable: %v", p)
		}
	}()
	head := make([]byte, 16)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return nil, nil
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		if err := binfile.CheckELFNameTable(r); err != nil {
			return nil, err
		}
		f, err := elf.NewFile(r)
		if err != nil {
			return nil, nil
		}
		for _, name := range []string{depSection, legacyELFSection} {
			if s := f.Section(name); s != nil {
				if s.Type == elf.SHT_NOBITS {
					return nil, fmt.Errorf("section %s has no contents", name)
				}
				return readBounded(name, s.Open())
			}
		}
	case bytes.HasPrefix(head, []byte("MZ")):
		f, err := pe.NewFile(r)
		if err != nil {
			return nil, nil
		}
		for _, name := range []string{depSection, legacyPESection} {
			if s := f.Section(name); s != nil {
				return readBounded(name, s.Open())
			}
		}
	case bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbe")) || bytes.HasPrefix(head, []byte("\xca\xfe\xba\xbf")):
		ff, err := macho.NewFatFile(r)
		if err != nil {
			return nil, nil
		}
		for _, a := range ff.Arches {
			if d, err := machoSection(a.File); d != nil || err != nil {
				return d, err
			}
		}
	case bytes.HasPrefix(head, []byte("\xfe\xed\xfa")) || bytes.HasPrefix(head[1:], []byte("\xfa\xed\xfe")):
		f, err := macho.NewFile(r)
		if err != nil {
			return nil, nil
		}
		return machoSection(f)
	}
	return nil, nil
}

func machoSection(f *macho.File) ([]byte, error) {
	for _, name := range []string{depSection, legacyMachOSection} {
		if s := f.Section(name); s != nil {
			return readBounded(name, s.Open())
		}
	}
	return nil, nil
}

func readBounded(name string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxAuditData+1))
	if err != nil {
		return nil, fmt.Errorf("reading section %s: %w", name, err)
	}
	if len(b) > MaxAuditData {
		return nil, fmt.Errorf("section %s is larger than %d bytes", name, MaxAuditData)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("section %s is empty", name)
	}
	return b, nil
}

// errTooLarge is returned for audit data that inflates past MaxAuditData.
var errTooLarge = errors.New("dependency list inflates past the size limit")

// DecodeAuditData inflates and decodes the contents of a .dep-v0 section:
// zlib-compressed JSON, {"packages": [...]}. Inflation stops at
// MaxAuditData bytes.
func DecodeAuditData(section []byte) (AuditData, error) {
	zr, err := zlib.NewReader(bytes.NewReader(section))
	if err != nil {
		return AuditData{}, fmt.Errorf("opening zlib stream: %w", err)
	}
	defer zr.Close()
	js, err := io.ReadAll(io.LimitReader(zr, MaxAuditData+1))
	if err != nil {
		return AuditData{}, fmt.Errorf("inflating: %w", err)
	}
	if len(js) > MaxAuditData {
		return AuditData{}, fmt.Errorf("%w (%d bytes)", errTooLarge, MaxAuditData)
	}
	var d AuditData
	if err := json.Unmarshal(js, &d); err != nil {
		return AuditData{}, fmt.Errorf("decoding json: %w", err)
	}
	return d, nil
}
