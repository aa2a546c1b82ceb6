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

// Warnings is the error Parse returns, together with the advisories that
// did parse, when it skipped some entries of a file it could otherwise
// read (an unparsable version in one secfix, say). The builder tells it from
// an unusable file with errors.As, keeps the advisories and counts
// len(Skipped) in its report.
type Warnings struct {
	// Path is the file, as given to Parse.
	Path string
	// Skipped holds one message per skipped entry.
	Skipped []string
}

func (w *Warnings) Error() string {
	const show = 3
	var b strings.Builder
	fmt.Fprintf(&b, "%s: skipped %d entries", w.Path, len(w.Skipped))
	for i, s := range w.Skipped {
		if i == show {
			fmt.Fprintf(&b, "; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(s)
	}
	return b.String()
}

// Add records one skipped entry.
func (w *Warnings) Add(format string, args ...any) {
	w.Skipped = append(w.Skipped, fmt.Sprintf(format, args...))
}

// Err returns w when it holds a warning, nil otherwise.
func (w *Warnings) Err() error {
	if len(w.Skipped) == 0 {
		return nil
	}
	return w
}
