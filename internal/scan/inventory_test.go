package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/layerfs"
	"github.com/vigilhq/vigil/internal/scan"
)

func tarLayer(t *testing.T, files map[string]string, order ...string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		body := files[name]
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func writeImage(t *testing.T, layers ...v1.Layer) string {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "img.tar")
	if err := tarball.WriteToFile(p, nil, img); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostileLayerIsReported builds an image whose second layer climbs out
// of the root: the inventory is refused with an error naming the layer and
// the entry, and nothing crashes.
func TestHostileLayerIsReported(t *testing.T) {
	good := tarLayer(t, map[string]string{"etc/alpine-release": "3.20.3\n"}, "etc/alpine-release")
	bad := tarLayer(t, map[string]string{"ok": "x", "../../../etc/cron.d/evil": "* * * * * root sh"}, "ok", "../../../etc/cron.d/evil")
	p := writeImage(t, good, bad)
	img, err := imagesrc.Open(context.Background(), "docker-archive:"+p, imagesrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := scan.Inventory(context.Background(), img, scan.Options{Catalogers: list.All()})
	var inc *scan.IncompleteError
	if !errors.As(err, &inc) {
		t.Fatalf("error = %v, want *scan.IncompleteError", err)
	}
	if !errors.Is(err, layerfs.ErrPathEscape) {
		t.Errorf("error %v is not ErrPathEscape", err)
	}
	badID, _ := bad.DiffID()
	if !strings.Contains(err.Error(), badID.String()[:19]) || !strings.Contains(err.Error(), "../../../etc/cron.d/evil") {
		t.Errorf("error %q does not name the layer %s and the entry", err, badID)
	}
	if inv == nil || inv.Distro == nil || inv.Distro.ID != "alpine" {
		t.Errorf("the readable layers were not inventoried: %+v", inv)
	}
}
