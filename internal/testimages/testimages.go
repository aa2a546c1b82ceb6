// Package testimages builds the project's test images from the real data in
// ../shared/data: Alpine minirootfs tarballs, debootstrap'd Debian dpkg
// metadata, real RPM databases, the vulnerable Go program and the npm app.
// Images are written as docker-archive tarballs to an ignored cache folder
// (.cache/images by default) and rebuilt only when missing.
package testimages

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/vigilhq/vigil/internal/shareddata"
)

// spec describes how to build one image.
type spec struct {
	desc   string
	layers func(b *builder) ([]v1.Layer, error)
}

var specs = map[string]spec{
	"alpine-3.10.3":   {"Alpine 3.10.3 minirootfs", alpine("3.10.3")},
	"alpine-3.16.9":   {"Alpine 3.16.9 minirootfs", alpine("3.16.9")},
	"alpine-3.20.3":   {"Alpine 3.20.3 minirootfs", alpine("3.20.3")},
	"debian-bookworm": {"Debian 12 minbase dpkg metadata", debian("bookworm")},
	"debian-bullseye": {"Debian 11 minbase dpkg metadata", debian("bullseye")},
	"debian-trixie":   {"Debian 13 minbase dpkg metadata", debian("trixie")},
	"app-bookworm": {"Debian 12 base, the vulnerable Go program, and the npm app with node_modules", func(b *builder) ([]v1.Layer, error) {
		base, err := debian("bookworm")(b)
		if err != nil {
			return nil, err
		}
		gobin, err := b.goProgramLayer()
		if err != nil {
			return nil, err
		}
		npm, err := b.npmAppLayer()
		if err != nil {
			return nil, err
		}
		return append(base, gobin, npm), nil
	}},
	"rpm-centos7":   {"CentOS 7 rpm database (Berkeley DB)", rpmdb("centos7-plain_Packages.gz", "var/lib/rpm/Packages")},
	"rpm-centos8":   {"CentOS 8 rpm database (Berkeley DB, modularity labels)", rpmdb("centos8-modularitylabel_Packages.gz", "var/lib/rpm/Packages")},
	"rpm-fedora35":  {"Fedora 35 rpm database (sqlite)", rpmdb("fedora35_rpmdb.sqlite.gz", "var/lib/rpm/rpmdb.sqlite")},
	"rpm-mariner2":  {"CBL-Mariner 2.0 rpm database (sqlite)", rpmdb("cbl-mariner-2.0_rpmdb.sqlite.gz", "var/lib/rpm/rpmdb.sqlite")},
	"rpm-sle15-bci": {"SLE 15 BCI rpm database (ndb)", rpmdb("sle15-bci_Packages.db.gz", "usr/lib/sysimage/rpm/Packages.db")},
}

// Names lists the images that can be built.
func Names() []string {
	out := make([]string, 0, len(specs))
	for n := range specs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Describe returns a one-line description of an image.
func Describe(name string) string { return specs[name].desc }

// DefaultCacheDir is .cache/images under the module root.
func DefaultCacheDir() (string, error) {
	root, err := shareddata.ModuleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".cache", "images"), nil
}

// Build returns the path of the docker-archive of the named image, building
// it first if it is not in cacheDir.
func Build(ctx context.Context, imageName, cacheDir string) (string, error) {
	sp, ok := specs[imageName]
	if !ok {
		return "", fmt.Errorf("unknown test image %q (known: %s)", imageName, strings.Join(Names(), ", "))
	}
	out := filepath.Join(cacheDir, imageName+".tar")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	data, err := shareddata.Dir()
	if err != nil {
		return "", err
	}
	work := filepath.Join(cacheDir, "work", imageName)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	b := &builder{ctx: ctx, data: data, work: work}
	layers, err := sp.layers(b)
	if err != nil {
		return "", fmt.Errorf("building test image %s: %w", imageName, err)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return "", err
	}
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Config:       v1.Config{Cmd: []string{"/bin/sh"}, Labels: map[string]string{"org.opencontainers.image.title": imageName}},
		RootFS:       mustRootFS(layers),
	})
	if err != nil {
		return "", err
	}
	tag, err := name.NewTag("vigil.test/" + strings.Replace(imageName, "-", ":", 1))
	if err != nil {
		return "", err
	}
	tmp := out + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		return "", fmt.Errorf("writing %s: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	_ = os.RemoveAll(work)
	return out, nil
}

// Image builds (or reads from the cache) the named image and opens it.
func Image(ctx context.Context, imageName, cacheDir string) (v1.Image, error) {
	p, err := Build(ctx, imageName, cacheDir)
	if err != nil {
		return nil, err
	}
	return tarball.ImageFromPath(p, nil)
}

func mustRootFS(layers []v1.Layer) v1.RootFS {
	fs := v1.RootFS{Type: "layers"}
	for _, l := range layers {
		d, err := l.DiffID()
		if err == nil {
			fs.DiffIDs = append(fs.DiffIDs, d)
		}
	}
	return fs
}

type builder struct {
	ctx  context.Context
	data string
	work string
}

func alpine(version string) func(*builder) ([]v1.Layer, error) {
	return func(b *builder) ([]v1.Layer, error) {
		l, err := tarball.LayerFromFile(filepath.Join(b.data, "rootfs", "alpine", "alpine-minirootfs-"+version+"-x86_64.tar.gz"))
		if err != nil {
			return nil, err
		}
		return []v1.Layer{l}, nil
	}
}

func debian(suite string) func(*builder) ([]v1.Layer, error) {
	return func(b *builder) ([]v1.Layer, error) {
		l, err := tarball.LayerFromFile(filepath.Join(b.data, "rootfs", "debian", "debian-"+suite+"-minbase-dpkgmeta.tar.gz"))
		if err != nil {
			return nil, err
		}
		return []v1.Layer{l}, nil
	}
}

func rpmdb(file, dest string) func(*builder) ([]v1.Layer, error) {
	return func(b *builder) ([]v1.Layer, error) {
		f, err := os.Open(filepath.Join(b.data, "rpmdb", file))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		raw := filepath.Join(b.work, "rpmdb")
		out, err := os.Create(raw)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(out, zr); err != nil {
			out.Close()
			return nil, err
		}
		if err := out.Close(); err != nil {
			return nil, err
		}
		l, err := b.layer("rpmdb", []file2{{src: raw, dst: dest, mode: 0o644}})
		if err != nil {
			return nil, err
		}
		return []v1.Layer{l}, nil
	}
}

// goProgramLayer builds the vulnerable Go program with the local toolchain
// (modules through the machine's configured Go proxy).
func (b *builder) goProgramLayer() (v1.Layer, error) {
	src := filepath.Join(b.work, "gobin-src")
	if err := copyDir(filepath.Join(b.data, "gobin-vulnerable"), src); err != nil {
		return nil, err
	}
	bin := filepath.Join(b.work, "vulnapp")
	cmd := exec.CommandContext(b.ctx, "go", "build", "-buildvcs=false", "-trimpath", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build of gobin-vulnerable: %v\n%s", err, out)
	}
	return b.layer("gobin", []file2{{src: bin, dst: "usr/local/bin/vulnapp", mode: 0o755}})
}

// npmAppLayer installs the npm app's locked dependencies with `npm ci`
// (from the machine's configured npm registry) and packs the app.
func (b *builder) npmAppLayer() (v1.Layer, error) {
	if _, err := exec.LookPath("npm"); err != nil {
		return nil, errors.New("npm not found: the npm test image needs Node.js and npm (apt-get install -y npm)")
	}
	app := filepath.Join(b.work, "app")
	if err := copyDir(filepath.Join(b.data, "lockfiles", "npm-vulnerable"), app); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(b.ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("npm ci of the npm app: %v\n%s", err, out)
	}
	var files []file2
	err := filepath.WalkDir(app, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(app, p)
		// npm's own bookkeeping file is not part of an installed app image.
		if filepath.ToSlash(rel) == "node_modules/.package-lock.json" {
			return nil
		}
		files = append(files, file2{src: p, dst: "app/" + filepath.ToSlash(rel), mode: 0o644})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.layer("npm", files)
}

type file2 struct {
	src, dst string
	mode     int64
}

// layer writes files into an uncompressed tar (fixed times and owners, so
// the layer's diffID is reproducible) and makes a layer of it.
func (b *builder) layer(label string, files []file2) (v1.Layer, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].dst < files[j].dst })
	p := filepath.Join(b.work, label+".tar")
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(f)
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dirs := map[string]bool{}
	for _, fl := range files {
		parts := strings.Split(fl.dst, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime}); err != nil {
					return nil, err
				}
			}
		}
		st, err := os.Stat(fl.src)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Name: fl.dst, Typeflag: tar.TypeReg, Mode: fl.mode, Size: st.Size(), ModTime: mtime}); err != nil {
			return nil, err
		}
		in, err := os.Open(fl.src)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(tw, in)
		in.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(p)
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
