package imagesrc_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/testimages"
)

func testImage(t *testing.T) (string, v1.Image) {
	t.Helper()
	dir, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testimages.Build(context.Background(), "alpine-3.10.3", dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimages.Image(context.Background(), "alpine-3.10.3", dir)
	if err != nil {
		t.Fatal(err)
	}
	return p, img
}

// readsOSRelease checks that the opened image's layers stream and hold the
// Alpine release file.
func readsOSRelease(t *testing.T, img *imagesrc.Image) {
	t.Helper()
	if len(img.Layers) != 1 {
		t.Fatalf("layers = %d, want 1", len(img.Layers))
	}
	rc, err := img.Layers[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatal("etc/alpine-release not found in the layer")
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "./") == "etc/alpine-release" {
			b, _ := io.ReadAll(tr)
			if strings.TrimSpace(string(b)) != "3.10.3" {
				t.Errorf("alpine-release = %q", b)
			}
			return
		}
	}
}

func TestOpenEveryKind(t *testing.T) {
	ctx := context.Background()
	archive, v1img := testImage(t)
	wantDigest, _ := v1img.Digest()
	wantID, _ := v1img.ConfigName()

	ociDir := t.TempDir()
	lp, err := layout.Write(ociDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(v1img); err != nil {
		t.Fatal(err)
	}
	ociArchive := filepath.Join(t.TempDir(), "img.oci.tar")
	tarDirTo(t, ociDir, ociArchive)

	srv := httptest.NewServer(quietRegistry())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	regRef := u.Host + "/library/alpine:3.10.3"
	ref, _ := name.ParseReference(regRef)
	if err := remote.Write(ref, v1img); err != nil {
		t.Fatal(err)
	}

	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "etc", "alpine-release"), []byte("3.10.3\n"), 0o644)

	for _, tc := range []struct {
		ref, kind string
		digest    bool
	}{
		{"docker-archive:" + archive, imagesrc.KindDockerArchive, false},
		{archive, imagesrc.KindDockerArchive, false},
		{"oci-dir:" + ociDir, imagesrc.KindOCIDir, true},
		{ociDir, imagesrc.KindOCIDir, true},
		{"oci-archive:" + ociArchive, imagesrc.KindOCIArchive, true},
		{ociArchive, imagesrc.KindOCIArchive, true},
		{"registry:" + regRef, imagesrc.KindRegistry, true},
		{regRef, imagesrc.KindRegistry, true},
		{"dir:" + rootfs, imagesrc.KindDir, false},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			img, err := imagesrc.Open(ctx, tc.ref, imagesrc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if img.Source.Kind != tc.kind {
				t.Errorf("kind = %q, want %q", img.Source.Kind, tc.kind)
			}
			if tc.digest && img.Source.Digest != wantDigest.String() {
				t.Errorf("digest = %q, want %q", img.Source.Digest, wantDigest)
			}
			if tc.kind != imagesrc.KindDir && img.Source.ImageID != wantID.String() {
				t.Errorf("image ID = %q, want %q", img.Source.ImageID, wantID)
			}
			readsOSRelease(t, img)
		})
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notImage, []byte("hello"), 0o644)

	// A registry that wants credentials Vigil does not have.
	srv := httptest.NewServer(basicAuth(quietRegistry()))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	// A port with nothing listening.
	dead := httptest.NewServer(nil)
	deadHost := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()

	for _, tc := range []struct {
		name, ref string
		opts      imagesrc.Options
		want      []string
		is        error
	}{
		{"missing file", "docker-archive:/nonexistent/img.tar", imagesrc.Options{}, []string{"/nonexistent/img.tar", "not found", "check the path"}, nil},
		{"not an image", "docker-archive:" + notImage, imagesrc.Options{}, []string{notImage, "is not a docker-archive"}, imagesrc.ErrNotImage},
		{"not an oci layout", "oci-dir:" + t.TempDir(), imagesrc.Options{}, []string{"is not an OCI image layout"}, imagesrc.ErrNotImage},
		{"unreachable registry", deadHost + "/x/y:1", imagesrc.Options{}, []string{"cannot reach registry " + deadHost, "check that it is running"}, nil},
		{"wrong credentials", u.Host + "/x/y:1", imagesrc.Options{Keychain: staticKeychain{}}, []string{"refused access", "HTTP 401", "docker login " + u.Host}, nil},
		{"bad reference", "registry:UPPER/Case::", imagesrc.Options{}, []string{"is not an image reference"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := imagesrc.Open(ctx, tc.ref, tc.opts)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error is not one line: %q", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

type staticKeychain struct{}

func (staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: "vigil", Password: "wrong"}, nil
}

func tarDirTo(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: info.Size(), Typeflag: tar.TypeReg})
		b, _ := os.ReadFile(p)
		tw.Write(b)
		return nil
	})
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
