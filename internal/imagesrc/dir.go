package imagesrc

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vigilhq/vigil/internal/inventory"
)

// openDir presents a root filesystem directory as an image of one layer,
// streamed as a tar built on the fly. Symbolic links are kept as links (the
// layer walk resolves them inside the image root, never on the host).
func openDir(root string) (*Image, error) {
	if err := statFile(root, KindDir); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return &Image{Layers: []Layer{{
		Layer: inventory.Layer{Index: 0},
		Open:  func() (io.ReadCloser, error) { return tarDir(abs), nil },
	}}}, nil
}

// tarDir streams a directory as a tar.
func tarDir(root string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				// An unreadable subdirectory is skipped, not fatal.
				if p != root && d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil || rel == "." {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			link := ""
			if info.Mode()&fs.ModeSymlink != 0 {
				if link, err = os.Readlink(p); err != nil {
					return nil
				}
			}
			if !info.Mode().IsRegular() && !info.IsDir() && info.Mode()&fs.ModeSymlink == 0 {
				return nil // devices, sockets, pipes: nothing to read
			}
			h, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return nil
			}
			h.Name = filepath.ToSlash(rel)
			if info.IsDir() {
				h.Name += "/"
			}
			h.Uname, h.Gname = "", ""
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if info.Mode().IsRegular() {
				f, err := os.Open(p)
				if err != nil {
					return fmt.Errorf("reading %s: %w", p, err)
				}
				_, err = io.CopyN(tw, f, info.Size())
				f.Close()
				if err != nil {
					return fmt.Errorf("reading %s: %w", p, err)
				}
			}
			return nil
		})
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}
