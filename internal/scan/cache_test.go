package scan_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/layercache"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/testimages"
)

// TestLayerCacheReadsNoLayerTwice scans an image twice, then another image
// with the same base layer: no layer is read twice, and the inventories
// from the cache equal those from the layers.
func TestLayerCacheReadsNoLayerTwice(t *testing.T) {
	cache := layercache.Dir{Path: t.TempDir()}
	dir, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	var opened atomic.Int64
	open := func(name string) *imagesrc.Image {
		p, err := testimages.Build(context.Background(), name, dir)
		if err != nil {
			t.Fatal(err)
		}
		img, err := imagesrc.Open(context.Background(), "docker-archive:"+p, imagesrc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range img.Layers {
			orig := img.Layers[i].Open
			img.Layers[i].Open = func() (io.ReadCloser, error) {
				opened.Add(1)
				return orig()
			}
		}
		return img
	}
	inv := func(name string, withCache bool) (int64, []string) {
		opened.Store(0)
		opts := scan.Options{Catalogers: list.All()}
		if withCache {
			opts.Cache = cache
		}
		got, err := scan.Inventory(context.Background(), open(name), opts)
		if err != nil {
			t.Fatal(err)
		}
		var pkgs []string
		for _, p := range got.Packages {
			pkgs = append(pkgs, p.PURL+" "+p.Location.Layer+" "+p.Location.Path)
		}
		return opened.Load(), pkgs
	}
	_, direct := inv("app-bookworm", false)

	if n, _ := inv("debian-bookworm", true); n != 1 {
		t.Errorf("first scan of debian-bookworm read %d layers, want 1", n)
	}
	if n, _ := inv("debian-bookworm", true); n != 0 {
		t.Errorf("second scan of debian-bookworm read %d layers, want 0", n)
	}
	n, cached := inv("app-bookworm", true)
	if n != 2 {
		t.Errorf("app-bookworm (same base layer) read %d layers, want 2 (its own)", n)
	}
	if n, again := inv("app-bookworm", true); n != 0 || !cmp.Equal(cached, again) {
		t.Errorf("rescan of app-bookworm read %d layers (want 0), same inventory %v", n, cmp.Equal(cached, again))
	}
	if diff := cmp.Diff(direct, cached); diff != "" {
		t.Errorf("inventory from the cache differs from one read from the layers (-direct +cached):\n%s", diff)
	}
}
