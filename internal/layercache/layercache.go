// Package layercache keeps layer inventories on disk, keyed by the layer's
// diffID and the names and versions of the catalogers that read it
// (catalog.Key), so that a layer shared by many images, or an image
// scanned again, is read once.
package layercache

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigilhq/vigil/internal/catalog"
)

// formatVersion is part of every key: bump it when the stored form changes.
const formatVersion = "1"

// Dir is a cache in a directory.
type Dir struct {
	Path string
}

func (d Dir) file(key string) string {
	sum := sha256.Sum256([]byte(formatVersion + "\x00" + key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(d.Path, h[:2], h+".json.gz")
}

// Get returns a cached layer result. A missing or unreadable entry is a
// miss (an unreadable one is removed).
func (d Dir) Get(_ context.Context, key string) (*catalog.LayerResult, bool) {
	p := d.file(key)
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		os.Remove(p)
		return nil, false
	}
	var r catalog.LayerResult
	if err := json.NewDecoder(zr).Decode(&r); err != nil || r.Index == nil {
		os.Remove(p)
		return nil, false
	}
	return &r, true
}

// Put stores a layer result (atomically: readers see the old entry or the
// new one, never a part).
func (d Dir) Put(_ context.Context, key string, r *catalog.LayerResult) error {
	p := d.file(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("layer cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("layer cache: %w", err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	err = json.NewEncoder(zw).Encode(r)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("layer cache: %w", err)
	}
	return nil
}
