// Package imagesrc opens container images from wherever they are: a
// registry, a `docker save` tarball, an OCI archive or layout, or a root
// filesystem directory. Every image is read through go-containerregistry;
// callers get the image's identity and its layers as streams, never a
// whole image in memory.
//
// References take syft-style prefixes: registry:REF (the default for a bare
// reference), docker-archive:PATH, oci-archive:PATH, oci-dir:PATH, dir:PATH.
package imagesrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigilhq/vigil/internal/inventory"
)

// Kinds of source, as written in a reference's prefix.
const (
	KindRegistry      = "registry"
	KindDockerArchive = "docker-archive"
	KindOCIArchive    = "oci-archive"
	KindOCIDir        = "oci-dir"
	KindDir           = "dir"
)

// Kinds lists the prefixes Open understands.
var Kinds = []string{KindRegistry, KindDockerArchive, KindOCIArchive, KindOCIDir, KindDir}

// Options configure how images are opened.
type Options struct {
	// Platform selects an image from a multi-platform index
	// ("linux/amd64", "linux/arm64/v8"). Default linux/amd64.
	Platform string
	// Insecure allows plain HTTP and unverified TLS for any registry; without
	// it, plain HTTP is used only for loopback registries.
	Insecure bool
	// Keychain supplies registry credentials; default: the Docker config
	// file and the usual credential helpers (authn.DefaultKeychain).
	Keychain authn.Keychain
	// Transport is the HTTP transport for registries (tests, proxies).
	Transport http.RoundTripper
	// TempDir is where an OCI archive is unpacked; default os.TempDir().
	TempDir string
}

// Layer is one layer of an image, in application order.
type Layer struct {
	inventory.Layer
	// Open returns the layer's uncompressed tar stream.
	Open func() (io.ReadCloser, error)
}

// Image is an opened image.
type Image struct {
	Source inventory.Source
	Layers []Layer
	// Config is the image configuration, nil for a directory.
	Config *v1.ConfigFile
	// V1 is the underlying image, nil for a directory.
	V1      v1.Image
	cleanup func() error
}

// Close releases temporary files the source needed.
func (img *Image) Close() error {
	if img.cleanup != nil {
		return img.cleanup()
	}
	return nil
}

// Parse splits a reference into its kind and the rest. A reference with no
// known prefix is a registry reference, unless it names an existing file
// or directory, which is then guessed as syft does (directory → dir, file →
// docker-archive or oci-archive).
func Parse(ref string) (kind, rest string) {
	if k, r, ok := strings.Cut(ref, ":"); ok {
		for _, known := range Kinds {
			if k == known {
				return k, r
			}
		}
	}
	if st, err := os.Stat(ref); err == nil {
		if st.IsDir() {
			if _, err := os.Stat(ref + "/index.json"); err == nil {
				if _, err := os.Stat(ref + "/oci-layout"); err == nil {
					return KindOCIDir, ref
				}
			}
			return KindDir, ref
		}
		if isOCIArchive(ref) {
			return KindOCIArchive, ref
		}
		return KindDockerArchive, ref
	}
	return KindRegistry, ref
}

// Open opens the image a reference names.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	if opts.Platform == "" {
		opts.Platform = "linux/amd64"
	}
	kind, rest := Parse(ref)
	if rest == "" {
		return nil, fmt.Errorf("%s: empty reference after the %q prefix", ref, kind)
	}
	var (
		img *Image
		err error
	)
	switch kind {
	case KindRegistry:
		img, err = openRegistry(ctx, rest, opts)
	case KindDockerArchive:
		img, err = openDockerArchive(rest)
	case KindOCIArchive:
		img, err = openOCIArchive(ctx, rest, opts)
	case KindOCIDir:
		img, err = openOCIDir(rest, opts)
	case KindDir:
		img, err = openDir(rest)
	}
	if err != nil {
		return nil, err
	}
	img.Source.Kind = kind
	img.Source.Reference = rest
	return img, nil
}

// fromV1 describes a go-containerregistry image. blobsStored says the
// layers' Compressed streams are their blobs as stored (so decompressing
// them ourselves is cheaper than Uncompressed). withDigests is false for
// docker-archive tarballs: `docker save` keeps layers uncompressed and no
// registry manifest, so a manifest digest (and compressed layer digests)
// would mean gzipping every layer just to invent one; the image ID (the
// config digest) identifies such an image.
func fromV1(img v1.Image, withDigests, blobsStored bool) (*Image, error) {
	out := &Image{V1: img}
	if withDigests {
		digest, err := img.Digest()
		if err != nil {
			return nil, fmt.Errorf("computing manifest digest: %w", err)
		}
		out.Source.Digest = digest.String()
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("reading config digest: %w", err)
	}
	out.Source.ImageID = cfgName.String()
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	out.Config = cfg
	if cfg != nil {
		p := cfg.Platform()
		if p != nil {
			out.Source.Platform = p.String()
		}
		out.Source.Architecture = cfg.Architecture
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	// The config lists every layer's diffID: asking a layer for it instead
	// makes go-containerregistry decompress and hash a compressed layer of a
	// docker-archive just to learn it.
	var cfgDiffIDs []v1.Hash
	if cfg != nil && len(cfg.RootFS.DiffIDs) == len(layers) {
		cfgDiffIDs = cfg.RootFS.DiffIDs
	}
	for i, l := range layers {
		var diffID v1.Hash
		if cfgDiffIDs != nil {
			diffID = cfgDiffIDs[i]
		} else if diffID, err = l.DiffID(); err != nil {
			return nil, fmt.Errorf("layer %d: reading diffID: %w", i, err)
		}
		var d, size = "", int64(0)
		if withDigests {
			if h, err := l.Digest(); err == nil {
				d = h.String()
			}
			if s, err := l.Size(); err == nil {
				size = s
			}
		}
		layer := l
		open := layer.Uncompressed
		if blobsStored {
			open = func() (io.ReadCloser, error) { return openBlob(layer) }
		}
		out.Layers = append(out.Layers, Layer{
			Layer: inventory.Layer{Index: i, DiffID: diffID.String(), Digest: d, Size: size},
			Open:  open,
		})
	}
	return out, nil
}

// NotFoundError reports a reference that names nothing.
type NotFoundError struct {
	Ref  string
	What string
	Err  error
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %s not found: %v", e.What, e.Ref, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// ErrNotImage is returned for a file that is not an image of the kind
// asked for.
var ErrNotImage = errors.New("not an image")
