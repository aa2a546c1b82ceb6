// Package layerfs walks the layers of a container image as tar streams,
// without extracting anything to the host: it indexes every entry, applies
// whiteouts and opaque directories across layers, attributes every file to
// the layer that last wrote it, and resolves symbolic links inside the image
// root only.
//
// It enforces limits on what a layer may cost (bytes, files, path depth) and
// turns hostile input (path escapes, corrupt streams, decompression bombs)
// into errors that name the layer and the entry.
package layerfs

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"
)

// Limits bound what walking an image may cost. Zero values take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxFileSize is the largest file a cataloger may read; larger files are
	// indexed but not handed to catalogers.
	MaxFileSize int64
	// MaxTotalBytes bounds the uncompressed bytes read over the whole image
	// (a decompression bomb stops here).
	MaxTotalBytes int64
	// MaxFiles bounds the number of tar entries over the whole image.
	MaxFiles int
	// MaxDepth bounds the number of components of a path.
	MaxDepth int
}

// DefaultLimits are safe for images of many gigabytes.
var DefaultLimits = Limits{
	MaxFileSize:   512 << 20,
	MaxTotalBytes: 32 << 30,
	MaxFiles:      4_000_000,
	MaxDepth:      256,
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultLimits.MaxTotalBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultLimits.MaxFiles
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// Budget tracks what one image has spent of its Limits across layers. It is
// safe for layers walked concurrently.
type Budget struct {
	Limits Limits
	bytes  atomic.Int64
	files  atomic.Int64
}

// NewBudget starts a budget for one image.
func NewBudget(l Limits) *Budget { return &Budget{Limits: l.withDefaults()} }

// Bytes reports the uncompressed bytes read so far.
func (b *Budget) Bytes() int64 { return b.bytes.Load() }

// Sentinel errors, matched with errors.Is.
var (
	ErrPathEscape   = errors.New("path escapes the image root")
	ErrSymlinkLoop  = errors.New("too many levels of symbolic links")
	ErrBomb         = errors.New("uncompressed size exceeds the limit (decompression bomb?)")
	ErrTooManyFiles = errors.New("too many files")
	ErrPathDepth    = errors.New("path too deep")
	ErrCorrupt      = errors.New("corrupt layer stream")
)

// Error is a failure inside one layer, naming the layer and the entry.
type Error struct {
	Layer string // diffID or description of the layer
	Entry string // tar entry name, if any
	Err   error
}

func (e *Error) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("layer %s: entry %q: %v", shortID(e.Layer), e.Entry, e.Err)
	}
	return fmt.Sprintf("layer %s: %v", shortID(e.Layer), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func shortID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 && len(id) > i+13 {
		return id[:i+13]
	}
	return id
}

// Entry is one file, directory or link of a layer.
type Entry struct {
	Path     string      `json:"p"`
	Mode     fs.FileMode `json:"m"`
	Size     int64       `json:"s,omitempty"`
	Linkname string      `json:"l,omitempty"`
	// Hardlink is set when Linkname names another entry of the image
	// (a hard link) rather than a symbolic link target.
	Hardlink bool `json:"h,omitempty"`
}

// Index is what one layer holds, without the file contents.
type Index struct {
	DiffID  string  `json:"diffId"`
	Entries []Entry `json:"entries"`
	// Whiteouts are paths deleted from lower layers.
	Whiteouts []string `json:"whiteouts,omitempty"`
	// Opaques are directories whose lower-layer contents are hidden.
	Opaques []string `json:"opaques,omitempty"`
}

// Visitor is called for every regular file of a layer, in tar order. The
// reader yields the file's contents; it is valid only during the call and
// need not be drained.
type Visitor func(e Entry, r io.Reader) error

// Walk reads one uncompressed layer tar stream, calling visit for each
// regular file, and returns the layer's index. On hostile or corrupt input
// it returns the index of the entries read so far and an *Error.
func Walk(ctx context.Context, r io.Reader, diffID string, budget *Budget, visit Visitor) (*Index, error) {
	if budget == nil {
		budget = NewBudget(Limits{})
	}
	lim := budget.Limits
	cr := &countingReader{r: r, budget: budget}
	tr := tar.NewReader(cr)
	idx := &Index{DiffID: diffID}
	fail := func(entry string, err error) (*Index, error) {
		return idx, &Error{Layer: diffID, Entry: entry, Err: err}
	}
	for {
		if err := ctx.Err(); err != nil {
			return idx, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return idx, nil
		}
		if err != nil {
			if errors.Is(err, ErrBomb) {
				return fail("", err)
			}
			return fail("", fmt.Errorf("%w: %v", ErrCorrupt, err))
		}
		if budget.files.Add(1) > int64(lim.MaxFiles) {
			return fail(hdr.Name, fmt.Errorf("%w: more than %d entries", ErrTooManyFiles, lim.MaxFiles))
		}
		p, err := cleanEntryPath(hdr.Name)
		if err != nil {
			return fail(hdr.Name, err)
		}
		if p == "" { // the root directory itself
			continue
		}
		if strings.Count(p, "/")+1 > lim.MaxDepth {
			return fail(hdr.Name, fmt.Errorf("%w: more than %d components", ErrPathDepth, lim.MaxDepth))
		}
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if strings.HasPrefix(base, whiteoutPrefix) {
			if base == whiteoutOpaque {
				idx.Opaques = append(idx.Opaques, dir)
			} else {
				idx.Whiteouts = append(idx.Whiteouts, path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
			}
			continue
		}
		e := Entry{Path: p, Mode: hdr.FileInfo().Mode(), Size: hdr.Size}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			e.Linkname = hdr.Linkname
		case tar.TypeLink:
			target, err := cleanEntryPath(hdr.Linkname)
			if err != nil {
				return fail(hdr.Name, fmt.Errorf("hard link target %q: %w", hdr.Linkname, err))
			}
			e.Linkname, e.Hardlink = target, true
			e.Size = 0
		}
		idx.Entries = append(idx.Entries, e)
		if hdr.Typeflag == tar.TypeReg && visit != nil {
			if err := visit(e, tr); err != nil {
				if errors.Is(err, ErrBomb) {
					return fail(hdr.Name, err)
				}
				var le *Error
				if errors.As(err, &le) {
					return idx, err
				}
				if isStreamError(err) {
					return fail(hdr.Name, fmt.Errorf("%w: %v", ErrCorrupt, err))
				}
				return idx, err
			}
		}
	}
}

// isStreamError tells errors of the underlying layer stream (gzip, tar)
// from errors of a visitor's own making.
func isStreamError(err error) bool {
	var se *streamError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, tar.ErrHeader)
}

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// cleanEntryPath turns a tar entry name into a clean relative path, and
// refuses names that would climb out of the image root.
func cleanEntryPath(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("%w: NUL byte in name", ErrPathEscape)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", ErrPathEscape
		}
	}
	p := path.Clean("/" + name)
	return strings.TrimPrefix(p, "/"), nil
}

// countingReader charges every byte read to the budget.
type countingReader struct {
	r      io.Reader
	budget *Budget
}

// streamError marks an error of the layer stream itself.
type streamError struct{ err error }

func (e *streamError) Error() string { return e.err.Error() }
func (e *streamError) Unwrap() error { return e.err }

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.budget.bytes.Add(int64(n)) > c.budget.Limits.MaxTotalBytes {
		return n, fmt.Errorf("%w: more than %d bytes", ErrBomb, c.budget.Limits.MaxTotalBytes)
	}
	if err != nil && err != io.EOF {
		return n, &streamError{err: err}
	}
	return n, err
}

// SniffBufferSize is the size of the read-ahead buffer used to peek at a
// file's first bytes.
const SniffBufferSize = 4096
