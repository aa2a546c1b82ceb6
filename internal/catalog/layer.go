package catalog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/vigilhq/vigil/internal/layerfs"
)

// FileResult is one cataloger's result for one file of a layer.
type FileResult struct {
	Path      string `json:"path"`
	Cataloger string `json:"cataloger"`
	Result
}

// LayerResult is everything cataloged in one layer: the layer's index (so
// that layers can be merged without reading them again) and the results per
// file. It depends only on the layer's bytes and the catalogers' names and
// versions, so it can be cached by diffID.
type LayerResult struct {
	Index *layerfs.Index `json:"index"`
	Files []FileResult   `json:"files,omitempty"`
	// Errors are per-file cataloger errors and, if the walk ended early, the
	// walk's error (also in Err).
	Errors []string `json:"errors,omitempty"`
	// Incomplete is set when the walk of the layer ended early.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Walker feeds the files of layers to catalogers.
type Walker struct {
	Catalogers []Cataloger
	Budget     *layerfs.Budget
}

// Layer walks one uncompressed layer stream. Per-file cataloger errors are
// recorded in the result; a walk error (hostile or corrupt layer) is
// returned along with the partial result, which is marked incomplete.
func (w *Walker) Layer(ctx context.Context, r io.Reader, diffID string) (*LayerResult, error) {
	budget := w.Budget
	if budget == nil {
		budget = layerfs.NewBudget(layerfs.Limits{})
	}
	res := &LayerResult{}
	var buf bytes.Buffer
	br := bufio.NewReaderSize(nil, layerfs.SniffBufferSize)
	wanted := make([]Cataloger, 0, len(w.Catalogers))
	visit := func(e layerfs.Entry, content io.Reader) error {
		wanted = wanted[:0]
		sniffers := 0
		for _, c := range w.Catalogers {
			if c.Required(e.Path, e.Mode, e.Size) {
				wanted = append(wanted, c)
				if _, ok := c.(Sniffer); ok {
					sniffers++
				}
			}
		}
		if len(wanted) == 0 {
			return nil
		}
		if e.Size > budget.Limits.MaxFileSize {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %d bytes, over the per-file limit of %d: not cataloged", e.Path, e.Size, budget.Limits.MaxFileSize))
			return nil
		}
		if sniffers > 0 {
			br.Reset(content)
			head, err := br.Peek(min(int(e.Size), catalogSniffLen))
			if err != nil && err != io.EOF {
				return err
			}
			keep := wanted[:0]
			for _, c := range wanted {
				if s, ok := c.(Sniffer); !ok || s.Sniff(head) {
					keep = append(keep, c)
				}
			}
			wanted = keep
			if len(wanted) == 0 {
				return nil
			}
			content = br
		}
		buf.Reset()
		buf.Grow(int(e.Size))
		if _, err := io.CopyN(&buf, content, e.Size); err != nil {
			return err
		}
		in := Input{Path: e.Path, Mode: e.Mode, Size: e.Size, Content: bytes.NewReader(buf.Bytes())}
		for _, c := range wanted {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := catalogOne(ctx, c, in)
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("%s: %s: %v", c.Name(), e.Path, err))
			}
			if len(r.Packages) == 0 && len(r.Owned) == 0 && r.Distro == nil {
				continue
			}
			for i := range r.Packages {
				if r.Packages[i].Location.Path == "" {
					r.Packages[i].Location.Path = e.Path
				}
				r.Packages[i].Cataloger = c.Name()
			}
			res.Files = append(res.Files, FileResult{Path: e.Path, Cataloger: c.Name(), Result: r})
		}
		return nil
	}
	idx, err := layerfs.Walk(ctx, r, diffID, budget, visit)
	res.Index = idx
	if err != nil {
		res.Incomplete = true
		res.Errors = append(res.Errors, err.Error())
	}
	return res, err
}

const catalogSniffLen = SniffLen

// catalogOne runs one cataloger on one file, turning a panic into an error:
// a cataloger bug must not crash a server.
func catalogOne(ctx context.Context, c Cataloger, in Input) (r Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = Result{}, fmt.Errorf("cataloger panicked: %v", p)
		}
	}()
	return c.Catalog(ctx, in)
}

// Key returns the cache key of a layer's result for a set of catalogers:
// the diffID plus every cataloger's name and version.
func Key(diffID string, cats []Cataloger) string {
	names := make([]string, 0, len(cats))
	for _, c := range cats {
		names = append(names, fmt.Sprintf("%s@%d", c.Name(), c.Version()))
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString(diffID)
	for _, n := range names {
		b.WriteByte('|')
		b.WriteString(n)
	}
	return b.String()
}

// IsWalkError reports whether err is a layer walk error (as opposed to a
// cancelled context).
func IsWalkError(err error) bool {
	var le *layerfs.Error
	return errors.As(err, &le)
}
