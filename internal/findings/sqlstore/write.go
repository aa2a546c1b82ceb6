package sqlstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Tx is a backend's write transaction, as the steps of a write that both
// backends take use it.
type Tx interface {
	// Findings reads the stored findings of the image digest.
	Findings(ctx context.Context, digest string) ([]findings.Finding, error)
	// Image reads the stored summary of the image digest; ok is false when
	// the image is not stored.
	Image(ctx context.Context, digest string) (sum findings.Summary, ok bool, err error)
	// Exceptions reads all exceptions.
	Exceptions(ctx context.Context) ([]findings.Exception, error)
	// WritePlan writes a plan's findings and history and the image's
	// summary (and, when newInventory, its inventory and package index).
	WritePlan(ctx context.Context, digest string, plan findings.Plan, sum findings.Summary, inv []byte, refs []vulndb.PackageRef, newInventory bool) error
}

// PrepareScan checks a scan and stamps its time, and encodes its inventory
// and package index when it has one.
func PrepareScan(scan findings.ImageScan) (by findings.By, inv []byte, refs []vulndb.PackageRef, err error) {
	digest := scan.Image.Digest
	if digest == "" {
		return findings.By{}, nil, nil, fmt.Errorf("applying scan of %q: %w: image without digest", scan.Image.Reference, findings.ErrInvalidScan)
	}
	by = scan.By
	by.At = by.Now()
	if scan.Inventory != nil {
		if inv, err = findings.EncodeInventory(scan.Inventory); err != nil {
			return findings.By{}, nil, nil, fmt.Errorf("applying scan of %s: %w", digest, err)
		}
		refs = findings.PackageIndex(scan.Inventory)
	}
	return by, inv, refs, nil
}

// ApplyScan evaluates a scan (prepared by PrepareScan) against the image's
// stored findings and the exceptions, and writes the plan.
func ApplyScan(ctx context.Context, tx Tx, scan findings.ImageScan, by findings.By, inv []byte, refs []vulndb.PackageRef) (findings.Changes, error) {
	digest := scan.Image.Digest
	existing, err := tx.Findings(ctx, digest)
	if err != nil {
		return findings.Changes{}, fmt.Errorf("reading findings of %s: %w", digest, err)
	}
	exs, err := tx.Exceptions(ctx)
	if err != nil {
		return findings.Changes{}, err
	}
	plan, err := findings.Evaluate(findings.Observation{
		Image: scan.Image, Existing: existing, Scanned: true, Observed: scan.Findings, Exceptions: exs, By: by,
		Reevaluation: scan.Reevaluation,
	})
	if err != nil {
		return findings.Changes{}, err
	}
	sum := findings.Summarize(scan.Image, plan.Findings, scan.Policy, scan.VulnDB, by.At)
	if err := tx.WritePlan(ctx, digest, plan, sum, inv, refs, scan.Inventory != nil); err != nil {
		return findings.Changes{}, err
	}
	return changes(plan, sum), nil
}

// Archive archives the findings of a stored image.
func Archive(ctx context.Context, tx Tx, digest string, by findings.By) (findings.Changes, error) {
	img, ok, err := tx.Image(ctx, digest)
	if err != nil {
		return findings.Changes{}, err
	}
	if !ok {
		return findings.Changes{}, fmt.Errorf("image %s: %w", digest, findings.ErrNotFound)
	}
	existing, err := tx.Findings(ctx, digest)
	if err != nil {
		return findings.Changes{}, fmt.Errorf("reading findings of %s: %w", digest, err)
	}
	plan := findings.ArchiveFindings(existing, by)
	sum := findings.Summarize(img.Image, plan.Findings, img.Policy, img.VulnDB, by.At)
	if err := tx.WritePlan(ctx, digest, plan, sum, nil, nil, false); err != nil {
		return findings.Changes{}, err
	}
	return changes(plan, sum), nil
}

// changes is what a written plan changed, with the image's new summary.
func changes(plan findings.Plan, sum findings.Summary) findings.Changes {
	ch := plan.Changes
	ch.History = plan.History
	ch.Summary = sum
	return ch
}

// ReevaluateAll re-applies the exceptions to the stored findings of the
// images digests, in digest order.
func ReevaluateAll(ctx context.Context, tx Tx, digests map[string]bool, by findings.By) error {
	exs, err := tx.Exceptions(ctx)
	if err != nil {
		return err
	}
	for _, d := range SortedKeys(digests) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := Reevaluate(ctx, tx, d, exs, by); err != nil {
			return err
		}
	}
	return nil
}

// Reevaluate re-applies the exceptions to one image's stored findings.
func Reevaluate(ctx context.Context, tx Tx, digest string, exs []findings.Exception, by findings.By) error {
	img, ok, err := tx.Image(ctx, digest)
	if err != nil || !ok {
		return err
	}
	existing, err := tx.Findings(ctx, digest)
	if err != nil {
		return fmt.Errorf("reading findings of %s: %w", digest, err)
	}
	plan, err := findings.Evaluate(findings.Observation{Image: img.Image, Existing: existing, Exceptions: exs, By: by})
	if err != nil {
		return err
	}
	if len(plan.Upserts) == 0 {
		return nil
	}
	sum := findings.Summarize(img.Image, plan.Findings, img.Policy, img.VulnDB, by.At)
	return tx.WritePlan(ctx, digest, plan, sum, nil, nil, false)
}

// PrepareException checks an exception and stamps its times: by.At now,
// the creation time by.At when unset, both times in UTC.
func PrepareException(e findings.Exception, by findings.By) (findings.Exception, findings.By, error) {
	if err := e.Validate(); err != nil {
		return findings.Exception{}, findings.By{}, fmt.Errorf("putting exception: %w", err)
	}
	by.At = by.Now()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = by.At
	}
	e.CreatedAt = e.CreatedAt.UTC()
	e.Expires = e.Expires.UTC()
	return e, by, nil
}

// SortedKeys is the keys of m in order.
func SortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
