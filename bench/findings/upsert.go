package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/report"
)

// corpus is the realistic content of the upsert and list benchmarks' images:
// the real findings of the project's vulnerable test images scanned against
// the full database, all of them in every synthetic image (the test images
// hold too few to fill a hundred per image otherwise), and the real
// inventory of the largest of them (app-bookworm) as each image's stored
// inventory.
type corpus struct {
	// template is a report holding every base image's packages (for the
	// findings' architectures) and every vulnerability found.
	template *report.Report
	inv      *inventory.Inventory
	// sources counts the vulnerabilities per base image.
	sources map[string]int
}

// newCorpus builds the corpus from base images scanned against one
// database; invName names the base whose inventory is stored.
func newCorpus(bases []*baseImage, invName string) (*corpus, error) {
	c := &corpus{sources: map[string]int{}}
	for _, b := range bases {
		if len(b.report.Vulnerabilities) == 0 {
			continue
		}
		c.sources[b.name] = len(b.report.Vulnerabilities)
		if c.template == nil {
			t := *b.report
			t.Packages = nil
			t.Vulnerabilities = nil
			c.template = &t
		}
		c.template.Packages = append(c.template.Packages, b.report.Packages...)
		c.template.Vulnerabilities = append(c.template.Vulnerabilities, b.report.Vulnerabilities...)
		if b.name == invName {
			c.inv = b.inv
		}
	}
	if c.template == nil || c.inv == nil {
		return nil, fmt.Errorf("no vulnerabilities found in the test images, or none in %s", invName)
	}
	// One finding per (package, vulnerability): count what FromReport keeps.
	fs, err := findings.FromReport(c.template, syntheticImage("probe", 0), findings.Options{})
	if err != nil {
		return nil, err
	}
	if len(fs) != len(c.template.Vulnerabilities) {
		return nil, fmt.Errorf("corpus: %d vulnerabilities make %d findings", len(c.template.Vulnerabilities), len(fs))
	}
	return c, nil
}

// perImage is the number of findings of each synthetic image.
func (c *corpus) perImage() int { return len(c.template.Vulnerabilities) }

// scanOf is the ImageScan of the i-th synthetic image of kind at time at,
// with its inventory or without (nil: none is stored).
func (c *corpus) scanOf(kind string, i int, at time.Time, withInventory bool) (findings.ImageScan, error) {
	img := syntheticImage(kind, i)
	var inv *inventory.Inventory
	if withInventory {
		inv = retag(c.inv, img)
	}
	return imageScan(reportFor(c.template, img, c.template.Vulnerabilities, at), img, inv, at)
}

// upsertResult is one run of the upsert benchmark.
type upsertResult struct {
	images, findings int
	// first is the time spent in ApplyScan for the first scans (inserts),
	// rescan for the second scans (updates).
	first, rescan time.Duration
	// created and updated are what the stores reported.
	created, updated int
	size             int64
}

// benchUpsert stores the first scan of images synthetic images, then a
// rescan of each an hour later (the same findings observed again: every
// finding's LastObservedAt and UpdatedAt change), on a fresh store. Only
// the ApplyScan calls are timed; building the scans is not.
func benchUpsert(ctx context.Context, be backend, c *corpus, images int, logf func(string, ...any)) (upsertResult, error) {
	h, err := be.open(ctx)
	if err != nil {
		return upsertResult{}, err
	}
	defer h.close()
	r := upsertResult{images: images}
	t0 := time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)
	for pass, dur := range []*time.Duration{&r.first, &r.rescan} {
		for i := range images {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			at := t0.Add(time.Duration(pass)*time.Hour + time.Duration(i)*time.Second)
			sc, err := c.scanOf("upsert", i, at, true)
			if err != nil {
				return r, err
			}
			start := time.Now()
			ch, err := h.ApplyScan(ctx, sc)
			*dur += time.Since(start)
			if err != nil {
				return r, fmt.Errorf("pass %d, image %d: %w", pass+1, i, err)
			}
			if pass == 0 {
				r.findings += len(sc.Findings)
				r.created += len(ch.Created)
			} else {
				r.updated += len(sc.Findings) - len(ch.Created) - len(ch.Reopened)
			}
		}
		logf("upsert: pass %d: %d images in %s", pass+1, images, *dur)
	}
	if r.created != r.findings {
		return r, fmt.Errorf("upsert: %d findings stored but %d reported created", r.findings, r.created)
	}
	// The rescan must have been written: image 0's findings were last
	// observed by it.
	img := syntheticImage("upsert", 0)
	p, err := h.GetFindings(ctx, findings.Query{Filters: []findings.Filter{{Field: findings.FieldImageDigest, Values: []string{img.Digest}}}, Limit: findings.MaxLimit})
	if err != nil {
		return r, err
	}
	if len(p.Findings) != c.perImage() {
		return r, fmt.Errorf("upsert: image %s has %d findings stored, want %d", img.Digest, len(p.Findings), c.perImage())
	}
	for _, f := range p.Findings {
		if want := t0.Add(time.Hour); !f.LastObservedAt.Equal(want) {
			return r, fmt.Errorf("upsert: finding %s last observed at %s, want the rescan's %s", f.ID, f.LastObservedAt, want)
		}
	}
	if r.size, err = h.size(ctx); err != nil {
		return r, err
	}
	return r, nil
}
