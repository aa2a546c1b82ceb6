package imagesrc_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/registrytest"
)

// TestDebianDistribution reads an image from a real CNCF distribution
// registry (Debian's docker-registry 2.8) on loopback.
func TestDebianDistribution(t *testing.T) {
	reg := registrytest.StartDistribution(t, registrytest.Options{})
	_, v1img := testImage(t)
	ref, err := name.ParseReference(reg.Host + "/vigil/alpine:3.10.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, v1img); err != nil {
		t.Fatalf("pushing to docker-registry: %v\n%s", err, reg.Log())
	}
	want, _ := v1img.Digest()
	for _, r := range []string{ref.String(), reg.Host + "/vigil/alpine@" + want.String()} {
		img, err := imagesrc.Open(context.Background(), r, imagesrc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if img.Source.Digest != want.String() {
			t.Errorf("%s: digest = %s, want %s", r, img.Source.Digest, want)
		}
		readsOSRelease(t, img)
	}
	if _, err := imagesrc.Open(context.Background(), reg.Host+"/vigil/missing:1", imagesrc.Options{}); err == nil {
		t.Error("opening a missing image succeeded")
	} else if _, ok := err.(*imagesrc.NotFoundError); !ok {
		t.Errorf("missing image: error %T %v, want *imagesrc.NotFoundError", err, err)
	}
}
