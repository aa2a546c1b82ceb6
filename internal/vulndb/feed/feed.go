// Package feed defines the advisory feed formats Vigil imports. Each format
// lives in its own package under feed/ and is listed explicitly in
// feed/list; the database builder walks a source (a directory, a zip file or
// a URL), offers every file to the formats, and parses it with the first
// that claims it.
package feed

import (
	"context"
	"fmt"
	"io"
	"strings"

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

// PartialError is returned by Parse along with the advisories it could
// read when some entries of a file had to be skipped (an unparsable version
// in one secfix, say): the file counts as imported, and the builder reports
// the skipped entries as a warning naming the file.
type PartialError struct {
	Skipped int
	Reasons []string
}

func (e *PartialError) Error() string {
	if len(e.Reasons) == 0 {
		return fmt.Sprintf("%d entries skipped", e.Skipped)
	}
	more := ""
	if len(e.Reasons) < e.Skipped {
		more = fmt.Sprintf(" (and %d more)", e.Skipped-len(e.Reasons))
	}
	return fmt.Sprintf("%d entries skipped: %s%s", e.Skipped, strings.Join(e.Reasons, "; "), more)
}
