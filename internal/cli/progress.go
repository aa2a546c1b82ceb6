package cli

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// progress draws one status line on a terminal: layers read and bytes.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	count  int
	done   int
	cached int
	bytes  int64
}

// newProgress returns a progress display when w is a terminal and quiet is
// off, nil otherwise.
func newProgress(w io.Writer, quiet bool) *progress {
	if quiet {
		return nil
	}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: w}
}

func (p *progress) LayerStart(index, count int, size int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count = count
	p.draw()
}

func (p *progress) LayerDone(index int, cached bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if cached {
		p.cached++
	}
	p.draw()
}

func (p *progress) Bytes(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes = n
	p.draw()
}

func (p *progress) draw() {
	fmt.Fprintf(p.w, "\r\033[Klayers %d/%d (%d cached) · %s read", p.done, p.count, p.cached, humanBytes(p.bytes))
}

// finish clears the status line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	fmt.Fprint(p.w, "\r\033[K")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
