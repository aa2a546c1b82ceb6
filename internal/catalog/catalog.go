// Package catalog defines the Cataloger plugin interface and the walker that
// feeds an image's files to catalogers layer by layer, then merges the
// per-layer results into the inventory of the final filesystem.
//
// Catalogers never import vulndb, findings or server.
package catalog

import (
	"context"
	"io"
	"io/fs"

	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger finds packages in files. Implementations are listed explicitly
// in catalog/list; each has a stable name and a version that is bumped
// whenever its output changes (cache keys hash both).
type Cataloger interface {
	Name() string
	Version() int
	// Required reports, cheaply and from the path alone, whether the
	// cataloger wants the file's contents.
	Required(path string, mode fs.FileMode, size int64) bool
	// Catalog reads one file. Errors are per file: they are recorded and the
	// scan goes on.
	Catalog(ctx context.Context, in Input) (Result, error)
}

// Sniffer is an optional capability: a cataloger that wants many files by
// path (every executable, say) can decline most of them from their first
// bytes, before the walker buffers them.
type Sniffer interface {
	Sniff(head []byte) bool
}

// SniffLen is how many leading bytes a Sniffer is shown (fewer for smaller
// files).
const SniffLen = 512

// Input is one file handed to a cataloger.
type Input struct {
	// Path is the clean path inside the image, without a leading slash.
	Path string
	Mode fs.FileMode
	Size int64
	// Content holds the file's bytes. It is valid only during the Catalog
	// call: a cataloger must copy what it keeps.
	Content io.ReaderAt
}

// Reader returns a fresh sequential reader over the whole file.
func (in Input) Reader() io.Reader { return io.NewSectionReader(in.Content, 0, in.Size) }

// Result is what a cataloger found in one file.
type Result struct {
	// Packages found; Location.Path defaults to the file's path, and
	// Location.Layer is filled in by the walker.
	Packages []inventory.Package `json:"packages,omitempty"`
	// Owned lists paths (clean, no leading slash) that the packages of an OS
	// package database own; language packages found in owned files are not
	// reported again.
	Owned []string `json:"owned,omitempty"`
	// Distro is set by catalogers of release files.
	Distro *inventory.Distro `json:"distro,omitempty"`
}
