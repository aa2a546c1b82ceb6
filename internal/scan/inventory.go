// Package scan orchestrates one scan: it opens an image source, walks its
// layers through the catalogers (reusing cached layer results), and merges
// them into the image's inventory.
package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/layerfs"
)

// LayerCache stores layer results by key (see catalog.Key).
type LayerCache interface {
	Get(ctx context.Context, key string) (*catalog.LayerResult, bool)
	Put(ctx context.Context, key string, r *catalog.LayerResult) error
}

// Progress is told what a scan is doing, for a display on a terminal.
type Progress interface {
	// LayerStart is called when a layer starts to be read.
	LayerStart(index, count int, size int64)
	// LayerDone is called when a layer has been read or found in the cache.
	LayerDone(index int, cached bool)
	// Bytes reports uncompressed bytes read so far over the whole image.
	Bytes(n int64)
}

// Options configure an inventory scan.
type Options struct {
	Catalogers []catalog.Cataloger
	Limits     layerfs.Limits
	Cache      LayerCache
	Progress   Progress
	Logger     *slog.Logger
	// Parallel is the number of layers read at once; default 2.
	Parallel int
}

// IncompleteError reports layers whose walk ended early (hostile or corrupt
// content). The inventory built from the rest comes with it.
type IncompleteError struct {
	Errs []error
}

func (e *IncompleteError) Error() string {
	if len(e.Errs) == 1 {
		return "inventory incomplete: " + e.Errs[0].Error()
	}
	return fmt.Sprintf("inventory incomplete: %v (and %d more)", e.Errs[0], len(e.Errs)-1)
}

func (e *IncompleteError) Unwrap() []error { return e.Errs }

// Inventory catalogs an opened image. If a layer cannot be read completely
// the returned error is an *IncompleteError and the inventory of what could
// be read is returned with it.
func Inventory(ctx context.Context, img *imagesrc.Image, opts Options) (*inventory.Inventory, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = 2
	}
	budget := layerfs.NewBudget(opts.Limits)
	walker := &catalog.Walker{Catalogers: opts.Catalogers, Budget: budget}
	results := make([]*catalog.LayerResult, len(img.Layers))
	errs := make([]error, len(img.Layers))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, l := range img.Layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			results[i], errs[i] = readLayer(ctx, walker, l, len(img.Layers), opts, log)
			if opts.Progress != nil {
				opts.Progress.Bytes(budget.Bytes())
			}
		}()
	}
	wg.Wait()

	var walkErrs []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		if catalog.IsWalkError(err) {
			walkErrs = append(walkErrs, err)
			continue
		}
		return nil, fmt.Errorf("layer %d (%s): %w", i, img.Layers[i].DiffID, err)
	}

	merged := catalog.Merge(results)
	inv := &inventory.Inventory{
		Source:   img.Source,
		Distro:   merged.Distro,
		Packages: merged.Packages,
		Errors:   merged.Errors,
	}
	for _, l := range img.Layers {
		inv.Layers = append(inv.Layers, l.Layer)
	}
	if inv.Packages == nil {
		inv.Packages = []inventory.Package{}
	}
	if len(walkErrs) > 0 {
		return inv, &IncompleteError{Errs: walkErrs}
	}
	return inv, nil
}

func readLayer(ctx context.Context, w *catalog.Walker, l imagesrc.Layer, count int, opts Options, log *slog.Logger) (*catalog.LayerResult, error) {
	key := ""
	if opts.Cache != nil && l.DiffID != "" {
		key = catalog.Key(l.DiffID, opts.Catalogers)
		if r, ok := opts.Cache.Get(ctx, key); ok {
			log.Debug("layer cache hit", "layer", l.DiffID)
			if opts.Progress != nil {
				opts.Progress.LayerDone(l.Index, true)
			}
			return r, nil
		}
	}
	if opts.Progress != nil {
		opts.Progress.LayerStart(l.Index, count, l.Size)
	}
	rc, err := l.Open()
	if err != nil {
		return nil, fmt.Errorf("opening layer: %w", err)
	}
	defer rc.Close()
	id := l.DiffID
	if id == "" {
		id = fmt.Sprintf("#%d", l.Index)
	}
	r, err := w.Layer(ctx, rc, id)
	if r != nil && r.Index != nil && l.DiffID == "" {
		r.Index.DiffID = ""
	}
	if opts.Progress != nil {
		opts.Progress.LayerDone(l.Index, false)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		log.Warn("layer walk ended early", "layer", id, "err", err)
		return r, err
	}
	if key != "" {
		if err := opts.Cache.Put(ctx, key, r); err != nil {
			log.Warn("storing layer result in cache", "layer", l.DiffID, "err", err)
		}
	}
	return r, nil
}
