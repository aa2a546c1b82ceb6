// Package reeval keeps the findings hub current without pulling images
// again. Record stores one scan's findings and its inventory; Reevaluate,
// run when a new vulnerability database is installed, diffs the two
// builds, finds the recorded images a change touches through the store's
// package index (never a scan of all images), re-matches their stored
// inventories against the new database and lets the findings lifecycle
// create, resolve and modify findings.
//
// It must not import imagesrc, layerfs or anything else that reaches a
// registry: re-evaluation reads only the store and the two databases.
package reeval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Options configure Record and Reevaluate.
type Options struct {
	// Findings say whom the findings belong to (account, region, product
	// ARN); give Reevaluate the same as Record so that a re-evaluated
	// finding is the one a fresh scan would record.
	Findings findings.Options
	// Tool names the scanner in the reports re-evaluation builds.
	Tool report.Tool
	// Workers re-match images in parallel (writes to the store take
	// turns); 0 means GOMAXPROCS.
	Workers int
	// Logger is told about each image; nil logs nothing.
	Logger *slog.Logger
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Record stores the findings of a scan report of an image, with its
// inventory (kept, compressed, for re-evaluation). The report must be
// complete: every match of the scan, before any display filter, or the
// next re-evaluation would see the filtered ones appear. A nil policy
// keeps the image's current policy (the default one for a new image).
func Record(ctx context.Context, store findings.Store, rep *report.Report, inv *inventory.Inventory, policy *findings.Policy, by findings.By, opts Options) (findings.Changes, error) {
	if inv == nil {
		return findings.Changes{}, fmt.Errorf("recording scan of %q: no inventory", rep.Image.Reference)
	}
	img, err := findings.ImageFromReport(rep)
	if err != nil {
		return findings.Changes{}, fmt.Errorf("recording scan: %w", err)
	}
	fs, err := findings.FromReport(rep, img, opts.Findings)
	if err != nil {
		return findings.Changes{}, fmt.Errorf("recording scan of %s: %w", img.Digest, err)
	}
	var p findings.Policy
	if policy != nil {
		p = *policy
	} else if sum, err := store.Summary(ctx, img.Digest); err == nil {
		p = sum.Policy
	} else if !errors.Is(err, findings.ErrNotFound) {
		return findings.Changes{}, fmt.Errorf("recording scan of %s: %w", img.Digest, err)
	}
	return store.ApplyScan(ctx, findings.ImageScan{
		Image:     img,
		Inventory: inv,
		Findings:  fs,
		VulnDB:    findings.VulnDB{BuiltAt: rep.Database.BuiltAt, Advisories: rep.Database.Advisories},
		Policy:    p,
		By:        by,
	})
}

// Result is what a re-evaluation did.
type Result struct {
	// FirstInstall is set when there was no previous database: nothing
	// was re-evaluated.
	FirstInstall bool `json:"firstInstall,omitempty"`
	// From and To are the build times of the old and new database.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to"`
	// Advisories counts the diff's changes by kind.
	Advisories map[vulndb.ChangeKind]int `json:"advisories"`
	// Packages is how many (namespace, package) pairs the changes name.
	Packages int `json:"packages"`
	// Images are the re-evaluated images, by digest.
	Images []Image `json:"images"`
	// Skipped are images the index named but that could not be
	// re-evaluated (recorded without an inventory), by digest.
	Skipped  []string      `json:"skipped,omitempty"`
	Totals   Totals        `json:"totals"`
	Duration time.Duration `json:"duration"`
}

// Image is the re-evaluation of one image.
type Image struct {
	Digest string `json:"digest"`
	// Changes are the store's account of the new observation; its
	// Summary is the image's summary afterwards.
	Changes findings.Changes `json:"changes"`
	// ComplianceBefore is the image's compliance status before.
	ComplianceBefore findings.ComplianceStatus `json:"complianceBefore"`
	// Errors are the matches that could not be evaluated (scan.Match).
	Errors []string `json:"errors,omitempty"`
}

// Totals add the images' changes up.
type Totals struct {
	Images   int `json:"images"`
	Created  int `json:"created"`
	Reopened int `json:"reopened"`
	Resolved int `json:"resolved"`
	Modified int `json:"modified"`
	// Failed counts the images FAILED afterwards; ComplianceChanged those whose
	// compliance status changed.
	Failed            int `json:"failed"`
	ComplianceChanged int `json:"complianceChanged"`
}

// Reevaluate brings the recorded findings from the database old to new.
// It reads vulndb.Diff(old, new), looks up the images whose inventory
// holds a package a change names (Store.ImagesWithPackages), and for each
// re-matches its stored inventory against new and applies the result as a
// new observation (Store.ApplyScan with a nil Inventory): findings appear,
// are resolved, or change severity or fix, and the image's summary and
// compliance follow. The image's identity and policy are the stored ones.
//
// Severities borrowed from another feed's record of the same CVE (see
// scan.Match) can change without any package of the image changing: for a
// changed advisory that carries a rating, the images with an observed
// finding of its id or one of its aliases are re-evaluated too.
//
// A nil old (a first install) re-evaluates nothing. Each image is one
// store transaction: an error stops the re-evaluation, and the images done
// so far (in the returned Result) stay done; running it again finishes
// the rest. By.At, when zero, is set once for all images.
func Reevaluate(ctx context.Context, store findings.Store, old, new *vulndb.DB, by findings.By, opts Options) (Result, error) {
	start := time.Now()
	if new == nil {
		return Result{}, errors.New("re-evaluating findings: no new database")
	}
	newInfo, err := new.Info(ctx, false)
	if err != nil {
		return Result{}, fmt.Errorf("re-evaluating findings: reading %s: %w", new.Path(), err)
	}
	res := Result{To: newInfo.BuiltAt, Advisories: map[vulndb.ChangeKind]int{}, Images: []Image{}}
	if old == nil {
		res.FirstInstall = true
		res.Duration = time.Since(start)
		return res, nil
	}
	oldInfo, err := old.Info(ctx, false)
	if err != nil {
		return res, fmt.Errorf("re-evaluating findings: reading %s: %w", old.Path(), err)
	}
	res.From = oldInfo.BuiltAt
	changes, err := vulndb.Diff(ctx, old, new)
	if err != nil {
		return res, fmt.Errorf("re-evaluating findings: diff of %s and %s: %w", old.Path(), new.Path(), err)
	}
	refs := packageRefs(changes)
	res.Packages = len(refs)
	for _, c := range changes {
		res.Advisories[c.Kind]++
	}
	if by.At.IsZero() {
		by.At = time.Now()
	}
	// Phase 1: the images whose packages a change names. Meanwhile, the
	// images that only borrow a changed rating are looked up (reading the
	// advisories costs about as much as a thousand images): those images
	// are not touched by phase 1, so the look-up sees their state as it was.
	var pkgDigests []string
	if len(refs) > 0 {
		if pkgDigests, err = store.ImagesWithPackages(ctx, refs); err != nil {
			return res, fmt.Errorf("re-evaluating findings: %w", err)
		}
	}
	type lookup struct {
		digests []string
		err     error
	}
	lctx, stopLookup := context.WithCancel(ctx)
	defer stopLookup()
	rated := make(chan lookup, 1)
	go func() {
		ds, err := imagesBorrowing(lctx, store, old, new, changes, pkgDigests)
		rated <- lookup{ds, err}
	}()
	db := newAdvisories(new)
	out, err := reevaluateImages(ctx, store, db, newInfo, pkgDigests, by, opts)
	if err != nil {
		stopLookup()
	}
	more := <-rated
	if err == nil && more.err != nil {
		err = fmt.Errorf("re-evaluating findings: %w", more.err)
	}
	if err == nil && len(more.digests) > 0 {
		// Phase 2: the images that only borrow a changed rating.
		var out2 []outcome
		out2, err = reevaluateImages(ctx, store, db, newInfo, more.digests, by, opts)
		out = append(out, out2...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].img.Digest < out[j].img.Digest })
	for _, o := range out {
		switch {
		case o.skipped:
			res.Skipped = append(res.Skipped, o.img.Digest)
		case o.done:
			res.Images = append(res.Images, o.img)
			res.Totals.add(o.img)
		}
	}
	res.Duration = time.Since(start)
	return res, err
}

func (t *Totals) add(img Image) {
	ch := img.Changes
	t.Images++
	t.Created += len(ch.Created)
	t.Reopened += len(ch.Reopened)
	t.Resolved += len(ch.Resolved)
	t.Modified += len(ch.Modified)
	if ch.Summary.Compliance == findings.ComplianceFailed {
		t.Failed++
	}
	if ch.Summary.Compliance != img.ComplianceBefore {
		t.ComplianceChanged++
	}
}

// packageRefs lists, once each, the packages the changes name.
func packageRefs(changes []vulndb.Change) []vulndb.PackageRef {
	seen := map[vulndb.PackageRef]bool{}
	var refs []vulndb.PackageRef
	for _, c := range changes {
		for _, p := range c.Packages {
			if !seen[p] {
				seen[p] = true
				refs = append(refs, p)
			}
		}
	}
	return refs
}

// imagesBorrowing returns, sorted, the images outside done with an
// observed finding whose borrowed rating may have changed.
func imagesBorrowing(ctx context.Context, store findings.Store, old, new *vulndb.DB, changes []vulndb.Change, done []string) ([]string, error) {
	ids, err := ratedIDs(ctx, old, new, changes)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	if err := imagesObserving(ctx, store, ids, set); err != nil {
		return nil, err
	}
	for _, d := range done {
		delete(set, d)
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

// ratedIDs returns the ids and aliases of the changed advisories that
// carry a rating in either build: the ids whose borrowed severity may have
// changed. The two builds are read side by side.
func ratedIDs(ctx context.Context, old, new *vulndb.DB, changes []vulndb.Change) ([]string, error) {
	var (
		wg   sync.WaitGroup
		sets [2]map[string]bool
		errs [2]error
	)
	for i, db := range []*vulndb.DB{old, new} {
		skip := vulndb.Added // not in the old build
		if i == 1 {
			skip = vulndb.Removed
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sets[i], errs[i] = ratedIn(ctx, db, changes, skip)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	for id := range sets[1] {
		sets[0][id] = true
	}
	out := make([]string, 0, len(sets[0]))
	for id := range sets[0] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// ratedIn collects the ids and aliases of the changed advisories that
// carry a rating in one build.
func ratedIn(ctx context.Context, db *vulndb.DB, changes []vulndb.Change, skip vulndb.ChangeKind) (map[string]bool, error) {
	set := map[string]bool{}
	for i, c := range changes {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if c.Kind == skip {
			continue
		}
		advs, err := db.ByAlias(ctx, c.ID)
		if err != nil {
			return nil, fmt.Errorf("reading advisory %s/%s in %s: %w", c.Source, c.ID, db.Path(), err)
		}
		for j := range advs {
			a := &advs[j]
			if a.Source != c.Source || a.ID != c.ID || match.Rate(a, &vulndb.Affected{}).Level == match.Unknown {
				continue
			}
			set[a.ID] = true
			for _, al := range a.Aliases {
				set[al] = true
			}
		}
	}
	return set, nil
}

// imagesObserving adds to set the images with an observed (ACTIVE,
// FAILED) finding of one of the vulnerability ids.
func imagesObserving(ctx context.Context, store findings.Store, ids []string, set map[string]bool) error {
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		q := findings.Query{
			Filters: []findings.Filter{
				{Field: findings.FieldVulnerabilityID, Values: ids[start:min(start+chunk, len(ids))]},
				{Field: findings.FieldRecordState, Values: []string{string(findings.RecordActive)}},
				{Field: findings.FieldComplianceStatus, Values: []string{string(findings.ComplianceFailed)}},
			},
			Sort:  findings.Sort{Field: findings.SortID},
			Limit: findings.MaxLimit,
		}
		for {
			page, err := store.GetFindings(ctx, q)
			if err != nil {
				return fmt.Errorf("looking up findings of %d rated advisories: %w", len(ids), err)
			}
			for i := range page.Findings {
				if d := page.Findings[i].ImageDigest(); d != "" {
					set[d] = true
				}
			}
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
	}
	return nil
}

type outcome struct {
	img     Image
	done    bool
	skipped bool
}

// reevaluateImages re-evaluates the images on opts.Workers goroutines; the
// outcomes are in the order of digests. The first error stops the rest.
func reevaluateImages(ctx context.Context, store findings.Store, db scan.Advisories, info vulndb.Info, digests []string, by findings.By, opts Options) ([]outcome, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(digests))
	out := make([]outcome, len(digests))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o, err := reevaluateOne(ctx, store, db, info, digests[i], by, opts)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				out[i] = o
			}
		}()
	}
feed:
	for i := range digests {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	// Only the caller's cancellation is left to report.
	return out, ctx.Err()
}

// reevaluateOne re-matches one image's stored inventory and applies it.
func reevaluateOne(ctx context.Context, store findings.Store, db scan.Advisories, info vulndb.Info, digest string, by findings.By, opts Options) (outcome, error) {
	log := opts.logger().With("digest", digest)
	sum, err := store.Summary(ctx, digest)
	if err != nil {
		return outcome{}, fmt.Errorf("re-evaluating image %s: %w", digest, err)
	}
	inv, err := store.Inventory(ctx, digest)
	if errors.Is(err, findings.ErrNotFound) {
		log.Warn("image recorded without inventory: not re-evaluated")
		return outcome{img: Image{Digest: digest}, skipped: true}, nil
	}
	if err != nil {
		return outcome{}, fmt.Errorf("re-evaluating image %s: %w", digest, err)
	}
	ms, errs, err := scan.Match(ctx, inv, db)
	if err != nil {
		return outcome{}, fmt.Errorf("re-evaluating image %s: matching: %w", digest, err)
	}
	rep := scan.NewReport(inv, ms, info, opts.Tool, by.Now())
	fs, err := findings.FromReport(rep, sum.Image, opts.Findings)
	if err != nil {
		return outcome{}, fmt.Errorf("re-evaluating image %s: %w", digest, err)
	}
	ch, err := store.ApplyScan(ctx, findings.ImageScan{
		Image:    sum.Image,
		Findings: fs,
		VulnDB:   findings.VulnDB{BuiltAt: info.BuiltAt, Advisories: info.Advisories},
		Policy:   sum.Policy,
		By:       by,
		// Nothing was pulled: unchanged findings keep their observation
		// times and are not rewritten.
		Reevaluation: true,
	})
	if err != nil {
		return outcome{}, fmt.Errorf("re-evaluating image %s: %w", digest, err)
	}
	log.Debug("re-evaluated", "created", len(ch.Created), "reopened", len(ch.Reopened), "resolved", len(ch.Resolved), "modified", len(ch.Modified), "compliance", ch.Summary.Compliance)
	return outcome{img: Image{Digest: digest, Changes: ch, ComplianceBefore: sum.Compliance, Errors: errs}, done: true}, nil
}
