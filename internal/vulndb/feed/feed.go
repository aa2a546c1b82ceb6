// Package feed defines the advisory feed formats Vigil imports. Each format
// lives in its own package under feed/ and is listed explicitly in
// feed/list; the database builder walks a source (a directory, a zip file or
// a URL), offers every file to the formats, and parses it with the first
// that claims it.
package feed

import (
	"context"
	"io"

	"github.com/vigilhq/vigil/internal/vulndb"
)

// Format parses one advisory file format.
type Format interface {
	// Name is stable: it appears in build reports and database metadata.
	Name() string
	// Version is bumped whenever the format's output changes.
	Version() int
	// Match reports, from the file's path inside its source (slash
	// separated) and its first bytes (up to HeadLen), whether the file is of
	// this format. It must be cheap.
	Match(path string, head []byte) bool
	// Parse reads one file. A file holding several records returns them all;
	// an error means the file is malformed (it is skipped with a warning
	// naming it, and counted).
	Parse(ctx context.Context, path string, r io.Reader) ([]vulndb.Advisory, error)
}

// HeadLen is how many leading bytes Match is shown.
const HeadLen = 1024
