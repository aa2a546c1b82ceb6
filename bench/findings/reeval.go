package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/reeval"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// reevalBases are the images whose real inventories the re-evaluation
// benchmark stores under synthetic digests, in turn.
var reevalBases = []string{"alpine-3.10.3", "alpine-3.16.9", "alpine-3.20.3"}

// reevalResult is the re-evaluation benchmark: the setup once, the timed
// re-evaluation once per run (each on a fresh copy of the set-up store).
type reevalResult struct {
	images, storedFindings int
	setup                  time.Duration
	size                   int64
	workers                int
	// diff is the time vulndb.Diff alone takes (part of each run).
	diff time.Duration
	runs []reevalRun
}

type reevalRun struct {
	took time.Duration
	res  reeval.Result
}

// benchReeval records images synthetic images (reeval.Record), each the
// real inventory of one of reevalBases scanned against oldDB under its own
// digest, then times reeval.Reevaluate to newDB, runs times, each on a copy
// of that store.
func benchReeval(ctx context.Context, be backend, bases map[string]*baseImage, oldDB, newDB *vulndb.DB, images, runs, workers int, logf func(string, ...any)) (reevalResult, error) {
	r := reevalResult{images: images, workers: workers}
	h, err := be.open(ctx)
	if err != nil {
		return r, err
	}
	defer h.close()
	t0 := time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	for i := range images {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		b := bases[reevalBases[i%len(reevalBases)]]
		img := syntheticImage("reeval", i)
		at := t0.Add(time.Duration(i) * time.Second)
		rep := reportFor(b.report, img, b.report.Vulnerabilities, at)
		ch, err := reeval.Record(ctx, h, rep, retag(b.inv, img), nil, findings.By{Actor: "bench-scanner", At: at}, reeval.Options{})
		if err != nil {
			return r, fmt.Errorf("recording image %d: %w", i, err)
		}
		r.storedFindings += len(ch.Created)
	}
	r.setup = time.Since(start)
	logf("reeval: stored %d images (%d findings) in %s", images, r.storedFindings, r.setup)
	if r.size, err = h.size(ctx); err != nil {
		return r, err
	}
	start = time.Now()
	if _, err := vulndb.Diff(ctx, oldDB, newDB); err != nil {
		return r, err
	}
	r.diff = time.Since(start)
	for run := range runs {
		c, err := be.clone(ctx, h)
		if err != nil {
			return r, err
		}
		by := findings.By{Actor: "bench-reeval", At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		start := time.Now()
		res, err := reeval.Reevaluate(ctx, c, oldDB, newDB, by, reeval.Options{Workers: workers, Tool: report.Tool{Name: "vigil", Version: "bench"}})
		took := time.Since(start)
		if err == nil {
			err = checkReeval(ctx, c, bases, newDB)
		}
		c.close()
		if err != nil {
			return r, fmt.Errorf("re-evaluation run %d: %w", run+1, err)
		}
		logf("reeval: run %d: %d images in %s (advisories %v, packages %d, totals %+v)", run+1, res.Totals.Images, took, res.Advisories, res.Packages, res.Totals)
		r.runs = append(r.runs, reevalRun{took: took, res: res})
	}
	return r, nil
}

// checkReeval compares, for the first synthetic image of each base, the
// open findings after the re-evaluation with a fresh scan against the new
// database: the benchmark must not time a re-evaluation that did nothing.
func checkReeval(ctx context.Context, st findings.Store, bases map[string]*baseImage, newDB *vulndb.DB) error {
	for i, name := range reevalBases {
		b := &baseImage{name: name, inv: bases[name].inv}
		if err := scanBase(ctx, b, newDB, time.Now()); err != nil {
			return err
		}
		img, err := findings.ImageFromReport(reportFor(b.report, syntheticImage("reeval", i), nil, time.Now()))
		if err != nil {
			return err
		}
		want, err := findings.FromReport(reportFor(b.report, img, b.report.Vulnerabilities, time.Now()), img, findings.Options{})
		if err != nil {
			return err
		}
		p, err := st.GetFindings(ctx, findings.Query{Filters: []findings.Filter{
			{Field: findings.FieldImageDigest, Values: []string{img.Digest}},
			{Field: findings.FieldRecordState, Values: []string{string(findings.RecordActive)}},
		}, Limit: findings.MaxLimit})
		if err != nil {
			return err
		}
		open := map[string]bool{}
		for _, f := range p.Findings {
			if f.Open() {
				open[f.ID] = true
			}
		}
		for _, f := range want {
			if !open[f.ID] {
				return fmt.Errorf("%s (%s): finding %s of a fresh scan against the new database is not open after the re-evaluation", img.Digest, name, f.ID)
			}
		}
		if len(open) != len(want) {
			return fmt.Errorf("%s (%s): %d open findings after the re-evaluation, a fresh scan has %d", img.Digest, name, len(open), len(want))
		}
	}
	return nil
}
