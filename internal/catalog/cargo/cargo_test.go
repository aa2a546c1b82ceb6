package cargo

import (
	"bytes"
	"compress/zlib"
	"context"
	"debug/elf"
	"errors"
	"github.com/vigilhq/vigil/internal/catalog/binfile"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
)

// TestLockGolden catalogs real Cargo.lock files (provenance in
// testdata/README.md): a registry-only v4 lock, a v3 lock where the same
// crates come both from crates.io and from git, and a workspace of path
// crates only.
func TestLockGolden(t *testing.T) {
	got := catalogtest.Run(t, Cataloger{}, "testdata/lock")
	catalogtest.Golden(t, "testdata/lock.golden.json", got)

	// What the golden file must show, checked here so that -update cannot
	// bless a regression: every entry is reported, and only crates with a
	// source have a PURL.
	n := 0
	for _, fr := range got {
		for _, p := range fr.Packages {
			n++
			if p.Ecosystem != inventory.EcosystemCargo {
				t.Errorf("%s: type %q", p.Name, p.Ecosystem)
			}
			if hasSource := p.Metadata["source"] != ""; hasSource != (p.PURL != "") {
				t.Errorf("%s %s: source %q but PURL %q", p.Name, p.Version, p.Metadata["source"], p.PURL)
			}
		}
	}
	if want := 7 + 12 + 3; n != want {
		t.Errorf("%d packages, want %d", n, want)
	}
}

func TestLockEntries(t *testing.T) {
	lock := `version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.219"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "5f0e2c6ed6606019b4e29e69dbaba95b11854410e5347d525002456dbbb786b6"

[[package]]
name = "regex"
version = "1.11.1"
source = "git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa"

[[package]]
name = "mycrate"
version = "2.0.0"
source = "sparse+https://cargo.example.com/index/"
`
	res, err := Cataloger{}.Catalog(context.Background(), input("src/app/Cargo.lock", []byte(lock)))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{
		{Name: "app", Version: "0.1.0", Ecosystem: inventory.EcosystemCargo},
		{Name: "serde", Version: "1.0.219", Ecosystem: inventory.EcosystemCargo, PURL: "pkg:cargo/serde@1.0.219", Metadata: map[string]string{
			"source": "registry+https://github.com/rust-lang/crates.io-index", "checksum": "5f0e2c6ed6606019b4e29e69dbaba95b11854410e5347d525002456dbbb786b6",
		}},
		{Name: "regex", Version: "1.11.1", Ecosystem: inventory.EcosystemCargo, PURL: "pkg:cargo/regex@1.11.1", Metadata: map[string]string{
			"source": "git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa",
		}},
		{Name: "mycrate", Version: "2.0.0", Ecosystem: inventory.EcosystemCargo, PURL: "pkg:cargo/mycrate@2.0.0", Metadata: map[string]string{
			"source": "sparse+https://cargo.example.com/index/",
		}},
	}
	if diff := cmp.Diff(want, res.Packages); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLockErrors(t *testing.T) {
	for name, lock := range map[string]string{
		"not toml":              "[[package]\nname = ",
		"package is not tables": "package = 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Cataloger{}.Catalog(context.Background(), input("Cargo.lock", []byte(lock)))
			if err == nil || !strings.Contains(err.Error(), `"Cargo.lock"`) {
				t.Fatalf("error = %v, want one naming the file", err)
			}
		})
	}
}

// auditJSON is the dependency list cargo-auditable (format 1) records for
// the proc-macro-dependency crate whose Cargo.lock is in testdata: the root
// crate, its runtime dependency serde, and serde_derive with its own
// dependencies as build-time (proc-macro) dependencies. Indexes in
// "dependencies" point into the list.
const auditJSON = `{"format":1,"packages":[` +
	`{"name":"proc-macro-dependency","version":"0.1.0","source":"local","dependencies":[3],"root":true},` +
	`{"name":"proc-macro2","version":"1.0.95","source":"crates.io","kind":"build","dependencies":[6]},` +
	`{"name":"quote","version":"1.0.40","source":"crates.io","kind":"build","dependencies":[1]},` +
	`{"name":"serde","version":"1.0.219","source":"crates.io","dependencies":[4]},` +
	`{"name":"serde_derive","version":"1.0.219","source":"crates.io","kind":"build","dependencies":[1,2,5]},` +
	`{"name":"syn","version":"2.0.104","source":"crates.io","kind":"build","dependencies":[1,2,6]},` +
	`{"name":"unicode-ident","version":"1.0.18","source":"crates.io","kind":"build"}]}`

func input(path string, data []byte) catalog.Input {
	return catalog.Input{Path: path, Mode: 0o755, Size: int64(len(data)), Content: bytes.NewReader(data)}
}

var wantAudit = []inventory.Package{
	{Name: "proc-macro-dependency", Version: "0.1.0", Ecosystem: inventory.EcosystemCargo, Metadata: map[string]string{"source": "local"}},
	{Name: "serde", Version: "1.0.219", Ecosystem: inventory.EcosystemCargo, PURL: "pkg:cargo/serde@1.0.219", Metadata: map[string]string{"source": "crates.io"}},
}

// TestAuditableSectionAddedByObjcopy: cargo-auditable cannot be installed
// here (crates.io is out of reach), so this is not a binary cargo-auditable
// built. It is a real Rust executable compiled by rustc, into which objcopy
// inserts a .dep-v0 section holding the zlib-compressed JSON in the format
// cargo-auditable documents (PARSING.md and cargo-auditable.schema.json in
// rust-secure-code/cargo-auditable).
func TestAuditableSectionAddedByObjcopy(t *testing.T) {
	for _, tool := range []string{"rustc", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to build the test executable: %v", tool, err)
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.rs")
	if err := os.WriteFile(src, []byte("fn main() { println!(\"hello\"); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "hello")
	run(t, "rustc", "-C", "opt-level=0", "-C", "strip=symbols", "-o", plain, src)
	payload := filepath.Join(dir, "dep-v0.bin")
	if err := os.WriteFile(payload, deflate(auditJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	audited := filepath.Join(root, "usr", "local", "bin", "hello")
	if err := os.MkdirAll(filepath.Dir(audited), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "objcopy", "--add-section", ".dep-v0="+payload, "--set-section-flags", ".dep-v0=noload,readonly", plain, audited)
	if err := os.Chmod(audited, 0o755); err != nil {
		t.Fatal(err)
	}
	// The same executable without the section, beside it, gives nothing.
	if err := os.Rename(plain, filepath.Join(root, "usr", "local", "bin", "plain")); err != nil {
		t.Fatal(err)
	}

	got := catalogtest.Run(t, Cataloger{}, root)
	if len(got) != 1 || got[0].Path != "usr/local/bin/hello" {
		t.Fatalf("results = %+v, want one for usr/local/bin/hello", got)
	}
	want := withLocation(wantAudit, "usr/local/bin/hello")
	if diff := cmp.Diff(want, got[0].Packages); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func withLocation(pkgs []inventory.Package, path string) []inventory.Package {
	out := make([]inventory.Package, len(pkgs))
	for i, p := range pkgs {
		p.Location.Path = path
		p.Cataloger = "cargo"
		out[i] = p
	}
	return out
}

// TestAuditableFormats reads the section from minimal ELF, PE and Mach-O
// files laid out by hand, including the legacy section names of
// rust-audit 0.1.0.
func TestAuditableFormats(t *testing.T) {
	section := deflate(auditJSON)
	for name, data := range map[string][]byte{
		"elf":           tinyELF(".dep-v0", section),
		"elf legacy":    tinyELF(".rust-deps-v0", section),
		"pe":            tinyPE(".dep-v0", section),
		"pe legacy":     tinyPE("rdep-v0", section),
		"mach-o":        tinyMachO(".dep-v0", section),
		"mach-o fat":    fatMachO(tinyMachO(".dep-v0", section)),
		"pe, padded":    tinyPE(".dep-v0", append(bytes.Clone(section), make([]byte, 512-len(section)%512)...)),
		"mach-o legacy": tinyMachO("rust-deps-v0", section),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/app", data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantAudit, res.Packages); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// fatMachO wraps one x86-64 Mach-O in a universal (fat) header.
func fatMachO(thin []byte) []byte {
	const off = 4096
	b := make([]byte, off, off+len(thin))
	be := func(at int, v uint32) {
		b[at], b[at+1], b[at+2], b[at+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	be(0, 0xcafebabe)
	be(4, 1)          // one architecture
	be(8, 0x01000007) // CPU_TYPE_X86_64
	be(12, 3)
	be(16, off)
	be(20, uint32(len(thin)))
	be(24, 12) // alignment 2^12
	return append(b, thin...)
}

func TestAuditPackages(t *testing.T) {
	d, err := DecodeAuditData(deflate(`{"packages":[` +
		`{"name":"app","version":"1.0.0","source":"local","root":true},` +
		`{"name":"fork","version":"0.2.0","source":"git"},` +
		`{"name":"internal","version":"3.1.0","source":"registry"},` +
		`{"name":"hg","version":"0.1.0","source":{"Other":"mercurial"}},` +
		`{"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},` +
		`{"name":"","version":"1.0.0","source":"crates.io"},` +
		`{"name":"libc","version":"0.2.150","source":"crates.io","kind":"runtime"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range AuditPackages(d) {
		got = append(got, p.Name+"@"+p.Version+" "+p.Metadata["source"]+" "+p.PURL)
	}
	want := []string{
		"app@1.0.0 local ",
		"fork@0.2.0 git pkg:cargo/fork@0.2.0",
		"internal@3.1.0 registry pkg:cargo/internal@3.1.0",
		"hg@0.1.0 mercurial pkg:cargo/hg@0.1.0",
		"libc@0.2.150 crates.io pkg:cargo/libc@0.2.150",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestZlibBomb: a section that inflates past MaxAuditData is refused
// without inflating it whole.
func TestZlibBomb(t *testing.T) {
	bomb := deflate(`{"packages":[` + strings.Repeat(" ", MaxAuditData+1) + `]}`)
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes compressed", len(bomb))
	}
	_, err := DecodeAuditData(bomb)
	if !errors.Is(err, errTooLarge) {
		t.Fatalf("error = %v, want errTooLarge", err)
	}
	_, err = Cataloger{}.Catalog(context.Background(), input("usr/bin/app", tinyELF(".dep-v0", bomb)))
	if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), `"usr/bin/app"`) {
		t.Fatalf("Catalog error = %v, want errTooLarge naming the file", err)
	}
}

func TestAuditableCorrupt(t *testing.T) {
	for name, section := range map[string][]byte{
		"not zlib":          []byte("plain text, not compressed"),
		"truncated zlib":    deflate(auditJSON)[:40],
		"not json":          deflate("packages: []"),
		"packages not list": deflate(`{"packages":{}}`),
		"bad source":        deflate(`{"packages":[{"name":"a","version":"1","source":7}]}`),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/app", tinyELF(".dep-v0", section)))
			if err == nil {
				t.Fatalf("no error; packages %+v", res.Packages)
			}
		})
	}
}

// TestNotAuditable: executables (and text) without a dependency section
// give nothing and no error.
func TestNotAuditable(t *testing.T) {
	for name, data := range map[string][]byte{
		"elf without sections":   tinyELF("", nil),
		"elf with other section": tinyELF(".data", []byte("hello")),
		"pe with other section":  tinyPE(".text", []byte("hello")),
		"mach-o other section":   tinyMachO("__text", []byte("hello")),
		"truncated elf":          []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"),
		"bare MZ":                append([]byte("MZ"), make([]byte, 100)...),
		"text":                   []byte("just some text in an executable file"),
		"empty":                  nil,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/app", data))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if len(res.Packages) != 0 {
				t.Fatalf("packages: %+v", res.Packages)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		size int64
		want bool
	}{
		{"src/app/Cargo.lock", 0o644, 3000, true},
		{"Cargo.lock", 0o644, 0, true},
		{"src/app/Cargo.lock", 0o644, MaxLockSize + 1, false},
		{"src/app/cargo.lock", 0o644, 3000, false},
		{"src/app/Cargo.toml", 0o644, 3000, false},
		{"src/app/Cargo.lock", fs.ModeSymlink | 0o777, 3000, false},
		{"usr/local/bin/rg", 0o755, 5 << 20, true},
		{"usr/local/bin/rg", 0o644, 5 << 20, false},
		{"app/server.exe", 0o644, 5 << 20, true},
		{"usr/local/bin/run.sh", 0o755, 4096, false},
		{"usr/share/doc/rg/README", 0o755, 4096, false},
	} {
		if got := (Cataloger{}).Required(tc.path, tc.mode, tc.size); got != tc.want {
			t.Errorf("Required(%q, %v, %d) = %v, want %v", tc.path, tc.mode, tc.size, got, tc.want)
		}
	}
}

func TestSniff(t *testing.T) {
	lock, err := os.ReadFile("testdata/lock/usr/src/proc-macro-dependency/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		head []byte
		want bool
	}{
		{"Cargo.lock", lock[:min(len(lock), catalog.SniffLen)], true},
		{"lock without comment", []byte("[[package]]\nname = \"a\"\n"), true},
		{"empty", nil, true},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), true},
		{"pe", []byte("MZ\x90\x00\x03\x00"), true},
		{"mach-o", []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"), true},
		{"script", []byte("#!/bin/sh\nexec foo\n"), false},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), false},
		{"gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), false},
	} {
		if got := (Cataloger{}).Sniff(tc.head); got != tc.want {
			t.Errorf("Sniff(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzAuditSection feeds arbitrary section contents through the decoder
// and the package mapping.
func FuzzAuditSection(f *testing.F) {
	f.Add(deflate(auditJSON))
	f.Add(deflate(`{"packages":[{"name":"a","version":"1","source":{"Other":"x"},"dependencies":[9]}]}`))
	f.Add(deflate(`{"packages":null}`))
	f.Add([]byte("x\x9c"))
	f.Fuzz(func(t *testing.T, section []byte) {
		d, err := DecodeAuditData(section)
		if err != nil {
			return
		}
		for _, p := range AuditPackages(d) {
			if p.Name == "" || p.Ecosystem != inventory.EcosystemCargo {
				t.Fatalf("invalid package %+v", p)
			}
		}
	})
}

// FuzzExecutable feeds arbitrary files through the executable path of
// Catalog: section lookup in ELF, PE and Mach-O, then decoding.
func FuzzExecutable(f *testing.F) {
	section := deflate(auditJSON)
	f.Add(tinyELF(".dep-v0", section))
	f.Add(tinyPE(".dep-v0", section))
	f.Add(tinyMachO(".dep-v0", section))
	f.Add(fatMachO(tinyMachO(".dep-v0", section)))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Cataloger{}.Catalog(context.Background(), input("usr/bin/app", data))
	})
}

func FuzzLock(f *testing.F) {
	for _, p := range []string{"proc-macro-dependency", "hello_world", "workspace"} {
		b, _ := os.ReadFile("testdata/lock/usr/src/" + p + "/Cargo.lock")
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Cataloger{}.Catalog(context.Background(), input("Cargo.lock", data))
		if err != nil {
			return
		}
		for _, p := range res.Packages {
			if p.Name == "" {
				t.Fatalf("package without a name: %+v", p)
			}
		}
	})
}

// deflate zlib-compresses s, as cargo-auditable compresses its JSON.
func deflate(s string) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

// TestCompressedNameTable: an ELF whose section name table is a zlib bomb
// is refused before debug/elf inflates it.
func TestCompressedNameTable(t *testing.T) {
	const inflated = 32 << 20
	bomb := withCompressedNameTable(tinyELF(".dep-v0", deflate(auditJSON)), inflated)

	// The fixture is a real bomb: opened directly, debug/elf inflates it.
	before := totalAlloc()
	_, _ = elf.NewFile(bytes.NewReader(bomb))
	if got := totalAlloc() - before; got < inflated {
		t.Fatalf("debug/elf allocated only %d bytes: the fixture does not inflate", got)
	}

	before = totalAlloc()
	_, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/x", bomb))
	if got := totalAlloc() - before; got > 1<<20 {
		t.Errorf("Catalog allocated %d bytes", got)
	}
	if !errors.Is(err, binfile.ErrCompressedNameTable) {
		t.Fatalf("error = %v, want binfile.ErrCompressedNameTable", err)
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
