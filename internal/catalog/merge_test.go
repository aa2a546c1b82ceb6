package catalog_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/dpkg"
	"github.com/vigilhq/vigil/internal/catalog/osrelease"
	"github.com/vigilhq/vigil/internal/inventory"
)

// langCataloger is a test-only language cataloger: a file named
// "*.testpkg" holding "name version" is one package.
type langCataloger struct{}

func (langCataloger) Name() string { return "testpkg" }
func (langCataloger) Version() int { return 1 }
func (langCataloger) Required(p string, m fs.FileMode, _ int64) bool {
	return m.IsRegular() && strings.HasSuffix(p, ".testpkg")
}
func (langCataloger) Catalog(_ context.Context, in catalog.Input) (catalog.Result, error) {
	b := make([]byte, in.Size)
	if _, err := in.Content.ReadAt(b, 0); err != nil {
		return catalog.Result{}, err
	}
	f := strings.Fields(string(b))
	return catalog.Result{Packages: []inventory.Package{{Name: f[0], Version: f[1], Ecosystem: inventory.EcosystemNPM, PURL: "pkg:npm/" + f[0] + "@" + f[1]}}}, nil
}

type file struct{ name, body, link string }

func layerTar(t *testing.T, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(f.body))}
		if f.link != "" {
			h = &tar.Header{Name: f.name, Typeflag: tar.TypeSymlink, Linkname: f.link}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if f.link == "" {
			tw.Write([]byte(f.body))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func status(pkgs ...string) string {
	var b strings.Builder
	for _, p := range pkgs {
		name, ver, _ := strings.Cut(p, "=")
		b.WriteString("Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + ver + "\n\n")
	}
	return b.String()
}

func TestMergeLayers(t *testing.T) {
	w := &catalog.Walker{Catalogers: []catalog.Cataloger{osrelease.Cataloger{}, dpkg.Cataloger{}, langCataloger{}}}
	layers := [][]byte{
		layerTar(t,
			file{name: "usr/lib/os-release", body: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"},
			file{name: "etc/os-release", link: "../usr/lib/os-release"},
			file{name: "var/lib/dpkg/status", body: status("libc6=2.36-9", "tar=1.34")},
			file{name: "opt/app/left.testpkg", body: "left 1.0"},
			file{name: "opt/app/gone.testpkg", body: "gone 1.0"},
		),
		layerTar(t,
			// apt-get install python3-foo: the status file is rewritten.
			file{name: "var/lib/dpkg/status", body: status("libc6=2.36-9", "tar=1.35", "python3-foo=2.0")},
			file{name: "var/lib/dpkg/info/python3-foo.list", body: "/usr/lib/python3/dist-packages/foo.testpkg\n"},
			file{name: "usr/lib/python3/dist-packages/foo.testpkg", body: "foo 2.0"},
			file{name: "opt/app/.wh.gone.testpkg"},
		),
	}
	var results []*catalog.LayerResult
	for i, l := range layers {
		r, err := w.Layer(context.Background(), bytes.NewReader(l), "sha256:layer"+string(rune('0'+i)))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	m := catalog.Merge(results)
	if m.Distro == nil || m.Distro.ID != "debian" || m.Distro.VersionID != "12" || m.Distro.SourcePath != "/usr/lib/os-release" {
		t.Errorf("distro = %+v, want debian 12 from /usr/lib/os-release (through the etc/os-release link)", m.Distro)
	}
	type row struct{ Name, Version, Layer, PURL string }
	var got []row
	for _, p := range m.Packages {
		got = append(got, row{p.Name, p.Version, p.Location.Layer, p.PURL})
	}
	want := []row{
		// libc6 was in the status file of both layers: introduced by layer 0.
		{"libc6", "2.36-9", "sha256:layer0", "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12"},
		{"python3-foo", "2.0", "sha256:layer1", "pkg:deb/debian/python3-foo@2.0?arch=amd64&distro=debian-12"},
		// tar was upgraded in layer 1.
		{"tar", "1.35", "sha256:layer1", "pkg:deb/debian/tar@1.35?arch=amd64&distro=debian-12"},
		// foo.testpkg is owned by python3-foo: not reported again; gone.testpkg was deleted.
		{"left", "1.0", "sha256:layer0", "pkg:npm/left@1.0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestKeyIncludesVersions(t *testing.T) {
	a := catalog.Key("sha256:x", []catalog.Cataloger{dpkg.Cataloger{}, osrelease.Cataloger{}})
	b := catalog.Key("sha256:x", []catalog.Cataloger{osrelease.Cataloger{}, dpkg.Cataloger{}})
	if a != b {
		t.Errorf("key depends on cataloger order: %q vs %q", a, b)
	}
	if !strings.Contains(a, "dpkg@1") || !strings.HasPrefix(a, "sha256:x") {
		t.Errorf("key %q lacks the diffID or a cataloger version", a)
	}
}
