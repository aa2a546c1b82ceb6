package gobinary

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"github.com/vigilhq/vigil/internal/catalog/binfile"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/shareddata"
)

var (
	vulnappOnce sync.Once
	vulnappBin  []byte
	vulnappGo   string // GOVERSION of the toolchain that built it
	vulnappArch string
	vulnappErr  string
)

// goEnv runs the go command with the environment used to build test
// programs: module mode writing go.sum as needed, the local toolchain only.
func goEnv(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	return cmd.CombinedOutput()
}

// vulnapp builds the real program in shared/data/gobin-vulnerable (from a
// writable copy: the data folder is read-only) once per test binary and
// returns its bytes.
func vulnapp(t testing.TB) []byte {
	t.Helper()
	src := shareddata.Path(t, "gobin-vulnerable")
	vulnappOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-gobinary-")
		if err != nil {
			vulnappErr = err.Error()
			return
		}
		defer os.RemoveAll(dir)
		if err := os.CopyFS(filepath.Join(dir, "src"), os.DirFS(src)); err != nil {
			vulnappErr = "copying sources: " + err.Error()
			return
		}
		srcDir := filepath.Join(dir, "src")
		_ = filepath.WalkDir(srcDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
		out := filepath.Join(dir, "vulnapp")
		if b, err := goEnv(srcDir, "build", "-o", out, "."); err != nil {
			vulnappErr = "go build: " + err.Error() + "\n" + string(b)
			return
		}
		b, err := goEnv(srcDir, "env", "GOVERSION", "GOARCH")
		if err != nil {
			vulnappErr = "go env: " + err.Error() + "\n" + string(b)
			return
		}
		f := strings.Fields(string(b))
		if len(f) != 2 {
			vulnappErr = "go env: unexpected output " + string(b)
			return
		}
		vulnappGo, vulnappArch = f[0], f[1]
		if vulnappBin, err = os.ReadFile(out); err != nil {
			vulnappErr = err.Error()
		}
	})
	if vulnappErr != "" {
		t.Fatalf("building gobin-vulnerable: %s", vulnappErr)
	}
	return vulnappBin
}

// TestVulnapp builds the real vulnerable program and checks that the
// cataloger reports exactly the modules `go version -m` lists for it in
// go-version-m.txt, plus the main module and the toolchain as stdlib.
func TestVulnapp(t *testing.T) {
	bin := vulnapp(t)
	root := t.TempDir()
	p := filepath.Join(root, "usr", "local", "bin", "vulnapp")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	got := catalogtest.Run(t, Cataloger{}, root)
	if len(got) != 1 || got[0].Path != "usr/local/bin/vulnapp" {
		t.Fatalf("results = %+v, want one for usr/local/bin/vulnapp", got)
	}

	loc := inventory.Location{Path: "usr/local/bin/vulnapp"}
	md := func(extra ...string) map[string]string {
		m := map[string]string{"goToolchain": vulnappGo, "goArch": vulnappArch, "mainModule": "example.com/vulnapp"}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	want := []inventory.Package{
		{
			Name: "golang.org/x/net", Version: "v0.0.0-20190620200207-3b0461eec859", Ecosystem: inventory.EcosystemGo,
			PURL:      "pkg:golang/golang.org/x/net@v0.0.0-20190620200207-3b0461eec859",
			Cataloger: "gobinary", Location: loc,
			Metadata: md("h1Digest", "h1:R/3boaszxrf1GEUWTVDzSKVwLmSJpwZ1yqXm8j0v2QI="),
		},
		{
			Name: "golang.org/x/text", Version: "v0.3.5", Ecosystem: inventory.EcosystemGo,
			PURL:      "pkg:golang/golang.org/x/text@v0.3.5",
			Cataloger: "gobinary", Location: loc,
			Metadata: md("h1Digest", "h1:i6eZZ+zk0SOf0xgBpEpPD18qWcJda6q1sxt3S0kzyUQ="),
		},
		{
			// Built outside a VCS checkout: "(devel)" with nothing to
			// resolve it, which syft reports as no version.
			Name: "example.com/vulnapp", Version: "", Ecosystem: inventory.EcosystemGo,
			PURL:      "pkg:golang/example.com/vulnapp",
			Cataloger: "gobinary", Location: loc,
			Metadata: md(),
		},
		{
			Name: "stdlib", Version: vulnappGo, Ecosystem: inventory.EcosystemGo,
			PURL:      "pkg:golang/stdlib@" + strings.TrimPrefix(vulnappGo, "go"),
			Licenses:  []string{"BSD-3-Clause"},
			Cataloger: "gobinary", Location: loc,
			Metadata: map[string]string{"goToolchain": vulnappGo, "goArch": vulnappArch},
		},
	}
	if diff := cmp.Diff(want, got[0].Packages); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}

	// The shared data's own record of the build lists the same modules.
	recorded := readGoVersionM(t, shareddata.Path(t, "gobin-vulnerable/go-version-m.txt"))
	var gotMods []string
	for _, p := range got[0].Packages {
		if p.Name != "stdlib" && p.Version != "" {
			gotMods = append(gotMods, p.Name+" "+p.Version+" "+p.Metadata["h1Digest"])
		}
	}
	if diff := cmp.Diff(recorded, gotMods); diff != "" {
		t.Errorf("modules differ from go-version-m.txt (-recorded +got):\n%s", diff)
	}
}

// readGoVersionM returns the "dep" lines of `go version -m` output as
// "path version sum".
func readGoVersionM(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 4 && fields[0] == "dep" {
			out = append(out, strings.Join(fields[1:], " "))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s lists no dependencies", path)
	}
	return out
}

// TestCorruptBuildInfo: a Go binary whose build information is found but
// cannot be parsed is an error, not a silent skip.
func TestCorruptBuildInfo(t *testing.T) {
	bin := bytes.Clone(vulnapp(t))
	// The module information is also in runtime data (runtime.modinfo):
	// corrupt the copy in .go.buildinfo, after its magic.
	magic := bytes.Index(bin, []byte("\xff Go buildinf:"))
	good := []byte("mod\texample.com/vulnapp\t(devel)\t\n")
	i := bytes.Index(bin[max(magic, 0):], good)
	if magic < 0 || i < 0 {
		t.Fatal("build information not found in the built binary")
	}
	i += magic
	// Same length, so the framing stays intact: only the line is wrong
	// (one column where two or three are expected).
	copy(bin[i:], "mod\texample.com/vulnapp (devel) \n")

	for name, data := range map[string][]byte{
		"real binary":   bin,
		"synthetic elf": tinyELF(".go.buildinfo", buildInfoBlob("go1.26.8", "path\tx\nmod\tx\n")),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/x", data))
			if err == nil {
				t.Fatalf("no error for corrupt build info; packages %+v", res.Packages)
			}
			if !strings.Contains(err.Error(), `"usr/bin/x"`) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func input(path string, data []byte) catalog.Input {
	return catalog.Input{Path: path, Mode: 0o755, Size: int64(len(data)), Content: bytes.NewReader(data)}
}

// TestNotGo: executables without Go build information give nothing and no
// error.
func TestNotGo(t *testing.T) {
	for name, data := range map[string][]byte{
		"elf without sections":   tinyELF("", nil),
		"elf with other section": tinyELF(".data", []byte("hello, world")),
		"truncated elf":          []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00"),
		"bare MZ":                append([]byte("MZ"), make([]byte, 100)...),
		"mach-o magic only":      append([]byte("\xcf\xfa\xed\xfe"), make([]byte, 100)...),
		"java class (fat magic)": append([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x34"), make([]byte, 100)...),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/x", data))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if len(res.Packages) != 0 {
				t.Fatalf("packages from a non-Go file: %+v", res.Packages)
			}
		})
	}
}

// TestSyntheticELF reads build information from a minimal ELF laid out by
// hand the way the Go linker writes .go.buildinfo: the cataloger does not
// depend on anything else a real binary holds.
func TestSyntheticELF(t *testing.T) {
	mod := "path\texample.com/tool\nmod\texample.com/tool\tv1.2.3\th1:abc=\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:def=\nbuild\tGOARCH=arm64\n"
	res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/tool", tinyELF(".go.buildinfo", buildInfoBlob("go1.22.1", mod))))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, p.Name+"@"+p.Version+" "+p.PURL+" "+p.Metadata["goArch"])
	}
	want := []string{
		"github.com/pkg/errors@v0.9.1 pkg:golang/github.com/pkg/errors@v0.9.1 arm64",
		"example.com/tool@v1.2.3 pkg:golang/example.com/tool@v1.2.3 arm64",
		"stdlib@go1.22.1 pkg:golang/stdlib@1.22.1 arm64",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestPackages checks the mapping from build information to packages on
// the cases syft's go binary cataloger handles specially.
func TestPackages(t *testing.T) {
	type pkg struct{ Name, Version, PURL, H1 string }
	for _, tc := range []struct {
		name      string
		goVersion string
		modinfo   string
		want      []pkg
	}{{
		name:      "replace by a module path uses the replacement",
		goVersion: "go1.22.1",
		modinfo: "path\texample.com/app\nmod\texample.com/app\tv1.0.0\t\n" +
			"dep\tgithub.com/old/lib\tv1.0.0\th1:old=\n=>\tgithub.com/fork/lib\tv1.0.1\th1:fork=\n",
		want: []pkg{
			{"github.com/fork/lib", "v1.0.1", "pkg:golang/github.com/fork/lib@v1.0.1", "h1:fork="},
			{"example.com/app", "v1.0.0", "pkg:golang/example.com/app@v1.0.0", ""},
			{"stdlib", "go1.22.1", "pkg:golang/stdlib@1.22.1", ""},
		},
	}, {
		name:      "replace by a local directory keeps the path, takes the (empty) version",
		goVersion: "go1.22.1",
		modinfo: "path\texample.com/app\nmod\texample.com/app\tv1.0.0\t\n" +
			"dep\tgithub.com/old/lib\tv1.0.0\th1:old=\n=>\t../lib\t(devel)\t\n",
		want: []pkg{
			{"github.com/old/lib", "", "pkg:golang/github.com/old/lib", ""},
			{"example.com/app", "v1.0.0", "pkg:golang/example.com/app@v1.0.0", ""},
			{"stdlib", "go1.22.1", "pkg:golang/stdlib@1.22.1", ""},
		},
	}, {
		name:      "devel main module with a version set by -ldflags -X",
		goVersion: "go1.21.0",
		modinfo: "path\tgithub.com/acme/cli/cmd/cli\nmod\tgithub.com/acme/cli\t(devel)\t\n" +
			"build\t-ldflags=\"-X github.com/acme/cli/internal/version.Version=1.4.2 -s\"\n",
		want: []pkg{
			{"github.com/acme/cli", "v1.4.2", "pkg:golang/github.com/acme/cli@v1.4.2", ""},
			{"stdlib", "go1.21.0", "pkg:golang/stdlib@1.21.0", ""},
		},
	}, {
		name:      "devel main module with VCS settings gets a pseudo-version",
		goVersion: "go1.21.0",
		modinfo: "path\tgithub.com/acme/cli\nmod\tgithub.com/acme/cli\t(devel)\t\n" +
			"build\tvcs=git\nbuild\tvcs.revision=41bbd0c1a5bcd9cfe6d4ae1bd8ec3a5e6e1e2a3f\nbuild\tvcs.time=2023-05-17T14:03:09Z\n",
		want: []pkg{
			{"github.com/acme/cli", "v0.0.0-20230517140309-41bbd0c1a5bc", "pkg:golang/github.com/acme/cli@v0.0.0-20230517140309-41bbd0c1a5bc", ""},
			{"stdlib", "go1.21.0", "pkg:golang/stdlib@1.21.0", ""},
		},
	}, {
		name:      "go build main.go: the single devel dependency becomes the main module",
		goVersion: "go1.22.1",
		modinfo: "path\tcommand-line-arguments\nmod\tcommand-line-arguments\t\t\n" +
			"dep\texample.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.5\th1:t=\n",
		want: []pkg{
			{"golang.org/x/text", "v0.3.5", "pkg:golang/golang.org/x/text@v0.3.5", "h1:t="},
			{"example.com/app", "", "pkg:golang/example.com/app", ""},
			{"stdlib", "go1.22.1", "pkg:golang/stdlib@1.22.1", ""},
		},
	}, {
		name:      "a dependency equal to the main module is reported once",
		goVersion: "go1.22.1",
		modinfo:   "path\texample.com/app\nmod\texample.com/app\tv1.0.0\th1:x=\ndep\texample.com/app\tv1.0.0\th1:x=\n",
		want: []pkg{
			{"example.com/app", "v1.0.0", "pkg:golang/example.com/app@v1.0.0", "h1:x="},
			{"stdlib", "go1.22.1", "pkg:golang/stdlib@1.22.1", ""},
		},
	}, {
		name:      "experiments are not part of the toolchain version",
		goVersion: "go1.22.1 X:boringcrypto",
		modinfo:   "path\texample.com/app\nmod\texample.com/app\tv1.0.0\t\n",
		want: []pkg{
			{"example.com/app", "v1.0.0", "pkg:golang/example.com/app@v1.0.0", ""},
			{"stdlib", "go1.22.1", "pkg:golang/stdlib@1.22.1", ""},
		},
	}, {
		name:      "built outside module mode: nothing, not even stdlib",
		goVersion: "go1.22.1",
		modinfo:   "",
	}, {
		name:      "a toolchain without a version number gives no stdlib",
		goVersion: "devel go1.23-abc123 Mon Jan 1",
		modinfo:   "path\texample.com/app\nmod\texample.com/app\tv1.0.0\t\n",
		want: []pkg{
			{"example.com/app", "v1.0.0", "pkg:golang/example.com/app@v1.0.0", ""},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			bi, err := debug.ParseBuildInfo(tc.modinfo)
			if err != nil {
				t.Fatal(err)
			}
			bi.GoVersion = tc.goVersion
			var got []pkg
			for _, p := range Packages(bi, nil) {
				if p.Ecosystem != inventory.EcosystemGo {
					t.Errorf("%s: ecosystem %q", p.Name, p.Ecosystem)
				}
				got = append(got, pkg{p.Name, p.Version, p.PURL, p.Metadata["h1Digest"]})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExperimentsMetadata(t *testing.T) {
	bi, err := debug.ParseBuildInfo("path\tx.com/a\nmod\tx.com/a\tv1.0.0\t\n")
	if err != nil {
		t.Fatal(err)
	}
	bi.GoVersion = "go1.22.1 X:boringcrypto,loopvar"
	pkgs := Packages(bi, nil)
	if len(pkgs) == 0 {
		t.Fatal("no packages")
	}
	want := map[string]string{"goToolchain": "go1.22.1", "goExperiments": "boringcrypto,loopvar", "mainModule": "x.com/a"}
	if diff := cmp.Diff(want, pkgs[0].Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
}

func TestVersionFromLDFlags(t *testing.T) {
	for _, tc := range []struct{ ldflags, main, want string }{
		{"-X main.version=1.2.3", "example.com/app", "v1.2.3"},
		{"-s -w -X main.Version=v2.0.0-rc.1", "example.com/app", "v2.0.0-rc.1"},
		{"-X example.com/app/pkg/build.GitTag=v0.9.0", "example.com/app", "v0.9.0"},
		{"-X other.com/lib.Version=1.2.3", "example.com/app", ""},
		{"-X main.commit=abcdef", "example.com/app", ""},
		{"", "example.com/app", ""},
		// A module path that is not a valid regular expression must not panic.
		{"-X main.version=1.0.0", "example.com/a(b", "v1.0.0"},
	} {
		if got := versionFromLDFlags(tc.ldflags, tc.main); got != tc.want {
			t.Errorf("versionFromLDFlags(%q, %q) = %q, want %q", tc.ldflags, tc.main, got, tc.want)
		}
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		size int64
		want bool
	}{
		{"usr/local/bin/app", 0o755, 2 << 20, true},
		{"app", 0o100, 2 << 20, true},
		{"usr/lib/libfoo.so.1", 0o755, 1 << 20, true},
		{"Program Files/app/app.exe", 0o644, 1 << 20, true},
		{"usr/local/bin/app", 0o644, 2 << 20, false},
		{"usr/local/bin/app", fs.ModeSymlink | 0o777, 2 << 20, false},
		{"usr/local/bin/app", 0o755, binfile.MaxSize + 1, false},
		{"usr/local/bin/app", 0o755, 10, false},
		{"usr/local/bin/run.sh", 0o755, 4096, false},
		{"usr/lib/python3/dist-packages/x.py", 0o755, 4096, false},
		{"usr/share/doc/app/changelog", 0o755, 4096, false},
	} {
		if got := (Cataloger{}).Required(tc.path, tc.mode, tc.size); got != tc.want {
			t.Errorf("Required(%q, %v, %d) = %v, want %v", tc.path, tc.mode, tc.size, got, tc.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{
		{"\x7fELF\x02\x01\x01", true},
		{"MZ\x90\x00", true},
		{"\xcf\xfa\xed\xfe\x07\x00", true},
		{"\xfe\xed\xfa\xce", true},
		{"\xca\xfe\xba\xbe", true},
		{"#!/bin/sh\necho hi\n", false},
		{"\x7fEL", false},
		{"", false},
		{"PK\x03\x04", false},
	} {
		if got := (Cataloger{}).Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

func FuzzBuildInfo(f *testing.F) {
	mod := "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.5\th1:t=\n=>\t../text\t\t\nbuild\tvcs.revision=abc\nbuild\tvcs.time=x\n"
	f.Add(tinyELF(".go.buildinfo", buildInfoBlob("go1.26.8", mod)))
	f.Add(tinyELF(".go.buildinfo", buildInfoBlob("go1.26.8 X:a,b", "path\tcommand-line-arguments\nmod\tcommand-line-arguments\t\t\n")))
	f.Add(tinyELF(".go.buildinfo", buildInfoBlob("go1.26.8", "bad")))
	f.Add(tinyELF("", nil))
	f.Add([]byte("MZ"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Cataloger{}.Catalog(context.Background(), input("usr/bin/x", data))
		if err != nil {
			return
		}
		for _, p := range res.Packages {
			if p.Name == "" || p.Ecosystem != inventory.EcosystemGo || p.PURL == "" {
				t.Fatalf("invalid package %+v", p)
			}
		}
	})
}

// TestCompressedNameTable: an ELF whose section name table is a zlib bomb
// is refused before debug/elf inflates it.
func TestCompressedNameTable(t *testing.T) {
	const inflated = 32 << 20
	bomb := withCompressedNameTable(tinyELF(".go.buildinfo", buildInfoBlob("go1.26.8", "path\\tx\\nmod\\tx\\tv1.0.0\\t\\n")), inflated)

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
