package imagesrc_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigilhq/vigil/internal/imagesrc"
)

// TestPlatformSelection pushes a two-platform index and checks that
// --platform picks the right image from a registry and from an OCI layout,
// and that an absent platform is a clear error.
func TestPlatformSelection(t *testing.T) {
	amd, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	arm, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	amdDigest, _ := amd.Digest()
	armDigest, _ := arm.Digest()

	srv := httptest.NewServer(quietRegistry())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ref, _ := name.ParseReference(u.Host + "/multi/app:1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{ref.String(), "oci-dir:" + dir} {
		for platform, want := range map[string]v1.Hash{"": amdDigest, "linux/amd64": amdDigest, "linux/arm64/v8": armDigest} {
			img, err := imagesrc.Open(context.Background(), src, imagesrc.Options{Platform: platform})
			if err != nil {
				t.Fatalf("%s --platform %q: %v", src, platform, err)
			}
			if img.Source.Digest != want.String() {
				t.Errorf("%s --platform %q: digest %s, want %s", src, platform, img.Source.Digest, want)
			}
		}
		if _, err := imagesrc.Open(context.Background(), src, imagesrc.Options{Platform: "linux/s390x"}); err == nil {
			t.Errorf("%s --platform linux/s390x: no error for a platform the index lacks", src)
		}
	}
}
