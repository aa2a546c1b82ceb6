package imagesrc

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func statFile(path, kind string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &NotFoundError{Ref: path, What: kind, Err: fmt.Errorf("no such file: check the path")}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, path, err)
	}
	if kind == KindOCIDir || kind == KindDir {
		if !st.IsDir() {
			return fmt.Errorf("%s %s: not a directory", kind, path)
		}
	} else if st.IsDir() {
		return fmt.Errorf("%s %s: is a directory (use oci-dir: or dir:)", kind, path)
	}
	return nil
}

func openDockerArchive(path string) (*Image, error) {
	if err := statFile(path, KindDockerArchive); err != nil {
		return nil, err
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return nil, fmt.Errorf("%s is not a docker-archive (a `docker save` tarball with manifest.json): %v: %w", path, err, ErrNotImage)
	}
	out, err := fromV1(img, false, dockerArchiveCompressed(path))
	if err != nil {
		return nil, fmt.Errorf("reading docker-archive %s: %w", path, err)
	}
	return out, nil
}

func openOCIDir(path string, opts Options) (*Image, error) {
	if err := statFile(path, KindOCIDir); err != nil {
		return nil, err
	}
	p, err := layout.FromPath(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: %v: %w", path, err, ErrNotImage)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout (index.json): %v: %w", path, err, ErrNotImage)
	}
	platform, err := v1.ParsePlatform(opts.Platform)
	if err != nil {
		return nil, fmt.Errorf("--platform %q: %w", opts.Platform, err)
	}
	img, err := pickImage(idx, *platform, 0)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", path, err)
	}
	out, err := fromV1(img, true, true)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", path, err)
	}
	return out, nil
}

// pickImage finds the image for a platform in an index: the only image, or
// the one whose platform matches, descending into nested indexes.
func pickImage(idx v1.ImageIndex, platform v1.Platform, depth int) (v1.Image, error) {
	if depth > 4 {
		return nil, errors.New("indexes nested too deeply")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var images []v1.Descriptor
	for _, d := range im.Manifests {
		if d.MediaType.IsImage() || d.MediaType.IsIndex() {
			images = append(images, d)
		}
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("index holds no image: %w", ErrNotImage)
	}
	var pick *v1.Descriptor
	if len(images) == 1 {
		pick = &images[0]
	} else {
		for i, d := range images {
			if d.Platform != nil && d.Platform.Satisfies(platform) {
				pick = &images[i]
				break
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("no image for platform %s among %d", platform.String(), len(images))
		}
	}
	if pick.MediaType.IsIndex() {
		child, err := idx.ImageIndex(pick.Digest)
		if err != nil {
			return nil, err
		}
		return pickImage(child, platform, depth+1)
	}
	return idx.Image(pick.Digest)
}

// isOCIArchive reports whether a file is a tar holding an oci-layout file.
func isOCIArchive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for i := 0; i < 16; i++ {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		if strings.TrimPrefix(h.Name, "./") == "oci-layout" {
			return true
		}
	}
	return false
}

// maxOCIArchiveEntry bounds one blob unpacked from an OCI archive.
const maxOCIArchiveEntry = 64 << 30

func openOCIArchive(ctx context.Context, path string, opts Options) (*Image, error) {
	if err := statFile(path, KindOCIArchive); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(opts.TempDir, "vigil-oci-")
	if err != nil {
		return nil, fmt.Errorf("unpacking OCI archive %s: %w", path, err)
	}
	cleanup := func() error { return os.RemoveAll(dir) }
	if err := unpackOCIArchive(ctx, path, dir); err != nil {
		_ = cleanup()
		return nil, err
	}
	img, err := openOCIDir(dir, opts)
	if err != nil {
		_ = cleanup()
		return nil, fmt.Errorf("%s is not an OCI archive: %w", path, err)
	}
	img.cleanup = cleanup
	return img, nil
}

// unpackOCIArchive extracts the layout files of an OCI archive (index.json,
// oci-layout and blobs/) into dir. Only those names are accepted: nothing
// else of the tarball reaches the disk.
func unpackOCIArchive(ctx context.Context, path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s is not an OCI archive: %v: %w", path, err, ErrNotImage)
		}
		name := strings.TrimPrefix(filepath.Clean("/"+h.Name), "/")
		if h.Typeflag == tar.TypeDir {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("OCI archive %s: entry %q: only regular files are allowed", path, h.Name)
		}
		if !(name == "index.json" || name == "oci-layout" || strings.HasPrefix(name, "blobs/")) || strings.Count(name, "/") > 2 {
			continue
		}
		if h.Size > maxOCIArchiveEntry {
			return fmt.Errorf("OCI archive %s: entry %q: %d bytes is over the limit", path, h.Name, h.Size)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = io.CopyN(out, tr, h.Size)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("OCI archive %s: entry %q: %w", path, h.Name, err)
		}
	}
}

// dockerArchiveCompressed reports whether a docker-archive stores its
// layers compressed (go-containerregistry's tarball.Write does; `docker
// save` does not), judging by the first layer's first bytes.
func dockerArchiveCompressed(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var manifest []struct{ Layers []string }
	tr := tar.NewReader(f)
	first := ""
	for {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "manifest.json" && first == "":
			if err := json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(&manifest); err != nil || len(manifest) == 0 || len(manifest[0].Layers) == 0 {
				return false
			}
			first = manifest[0].Layers[0]
			// The layer may come before manifest.json: look again from the start.
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return false
			}
			tr = tar.NewReader(f)
		case first != "" && name == first:
			head := make([]byte, 4)
			n, _ := io.ReadFull(tr, head)
			return n >= 2 && (head[0] == 0x1f && head[1] == 0x8b || n == 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
		}
	}
}
