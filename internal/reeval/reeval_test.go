package reeval_test

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlite"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/reeval"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/testimages"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
)

var tool = report.Tool{Name: "vigil", Version: "test"}

var (
	invMu    sync.Mutex
	invCache = map[string]*inventory.Inventory{}
)

// inventoryOf catalogs a test image (docker-archive: no manifest digest,
// the image id names it).
func inventoryOf(t *testing.T, name string) *inventory.Inventory {
	t.Helper()
	invMu.Lock()
	defer invMu.Unlock()
	if inv, ok := invCache[name]; ok {
		return inv
	}
	cache, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testimages.Build(context.Background(), name, cache)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagesrc.Open(context.Background(), "docker-archive:"+p, imagesrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	inv, err := scan.Inventory(context.Background(), img, scan.Options{Catalogers: list.All()})
	if err != nil {
		t.Fatal(err)
	}
	invCache[name] = inv
	return inv
}

// secfix is an advisory as the Alpine secdb feed writes it: one id fixed
// in one origin package of one release.
func secfix(id, release, pkg, fixed string) vulndb.Advisory {
	return vulndb.Advisory{
		ID:         id,
		Source:     "alpine-secdb",
		References: []string{"https://security.alpinelinux.org/vuln/" + id},
		Affected: []vulndb.Affected{{
			Namespace: "alpine:" + release, Package: pkg, Scheme: version.APK, Status: vulndb.StatusFixed,
			Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: fixed}}}},
		}},
	}
}

// makeDB writes a database of the advisories.
func makeDB(t *testing.T, builtAt time.Time, advs ...vulndb.Advisory) *vulndb.DB {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), vulndb.FileName)
	w, err := vulndb.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range advs {
		a := advs[i]
		if err := w.Add(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx, builtAt); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// spy counts what re-evaluation asks of the store.
type spy struct {
	findings.Store
	mu          sync.Mutex
	inventories map[string]int
	lookups     int
}

func (s *spy) Inventory(ctx context.Context, digest string) (*inventory.Inventory, error) {
	s.mu.Lock()
	s.inventories[digest]++
	s.mu.Unlock()
	return s.Store.Inventory(ctx, digest)
}

func (s *spy) ImagesWithPackages(ctx context.Context, refs []vulndb.PackageRef) ([]string, error) {
	s.mu.Lock()
	s.lookups++
	s.mu.Unlock()
	return s.Store.ImagesWithPackages(ctx, refs)
}

func openStore(t *testing.T) *spy {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &spy{Store: st, inventories: map[string]int{}}
}

// record scans an inventory against a database and records it.
func record(t *testing.T, store findings.Store, inv *inventory.Inventory, db *vulndb.DB, policy *findings.Policy, at time.Time) findings.Changes {
	t.Helper()
	ctx := context.Background()
	ms, errs, err := scan.Match(ctx, inv, db)
	if err != nil || len(errs) > 0 {
		t.Fatalf("matching: %v %v", err, errs)
	}
	info, _ := db.Info(ctx, false)
	rep := scan.NewReport(inv, ms, info, tool, at)
	ch, err := reeval.Record(ctx, store, rep, inv, policy, findings.By{Actor: "test", At: at}, reeval.Options{Tool: tool})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// keys names findings by "vulnerability package".
func keys(t *testing.T, store findings.Store, ids []string) []string {
	t.Helper()
	if len(ids) == 0 {
		return nil
	}
	page, err := store.GetFindings(context.Background(), findings.Query{Filters: []findings.Filter{{Field: findings.FieldID, Values: ids}}, Limit: findings.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range page.Findings {
		out = append(out, page.Findings[i].VulnerabilityID()+" "+page.Findings[i].PackageName())
	}
	sort.Strings(out)
	return out
}

// byOrigin names, for each id, the image's packages built from origin.
func byOrigin(inv *inventory.Inventory, idOrigin ...string) []string {
	var out []string
	for i := 0; i < len(idOrigin); i += 2 {
		for _, p := range inv.Packages {
			if p.SourceName == idOrigin[i+1] {
				out = append(out, idOrigin[i]+" "+p.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

var (
	t0 = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	t1 = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
)

// TestLifecycle: on Alpine 3.10.3 (musl 1.1.22-r3, busybox 1.30.1-r2,
// openssl 1.1.1d-r0), real secdb fixes for 3.10 are added, withdrawn and
// moved between two builds (the move to 1.1.22-r5 is the test's own).
// Findings are created, resolved and modified accordingly; an image whose
// packages no change names (Debian) is not even read.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	alp := inventoryOf(t, "alpine-3.10.3")
	deb := inventoryOf(t, "debian-bookworm")
	stable := secfix("CVE-2020-1971", "3.10", "openssl", "1.1.1i-r0")
	old := makeDB(t, t0,
		secfix("CVE-2020-28928", "3.10", "musl", "1.1.22-r4"),
		secfix("CVE-2021-28831", "3.10", "busybox", "1.30.1-r5"),
		stable)
	new := makeDB(t, t1,
		secfix("CVE-2020-28928", "3.10", "musl", "1.1.22-r5"),
		secfix("CVE-2020-1967", "3.10", "openssl", "1.1.1g-r0"),
		stable)
	store := openStore(t)
	low := findings.Policy{FailAt: findings.SeverityLow}
	first := record(t, store, alp, old, &low, t0)
	// A rescan without a policy keeps the image's.
	if again := record(t, store, alp, old, nil, t0.Add(time.Hour)); again.Summary.Policy != low || len(again.Created)+len(again.Resolved)+len(again.Modified) != 0 {
		t.Fatalf("rescan: policy %+v, changes %+v", again.Summary.Policy, again)
	}
	record(t, store, deb, old, nil, t0)
	alpDigest, debDigest := first.Summary.Image.Digest, deb.Source.ImageID

	res, err := reeval.Reevaluate(ctx, store, old, new, findings.By{Actor: "db update", At: t1}, reeval.Options{Tool: tool, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Digest != alpDigest {
		t.Fatalf("re-evaluated %+v; want only %s", res.Images, alpDigest)
	}
	if store.inventories[debDigest] != 0 || store.lookups != 1 {
		t.Errorf("read the inventory of the Debian image %d times, looked the index up %d times; want 0 and 1", store.inventories[debDigest], store.lookups)
	}
	ch := res.Images[0].Changes
	got := map[string][]string{"created": keys(t, store, ch.Created), "resolved": keys(t, store, ch.Resolved), "modified": keys(t, store, ch.Modified), "reopened": keys(t, store, ch.Reopened)}
	want := map[string][]string{
		"created":  byOrigin(alp, "CVE-2020-1967", "openssl"),
		"resolved": byOrigin(alp, "CVE-2021-28831", "busybox"),
		"modified": byOrigin(alp, "CVE-2020-28928", "musl"),
		"reopened": nil,
	}
	for _, k := range []string{"created", "resolved", "modified"} {
		if len(want[k]) == 0 {
			t.Fatalf("no %s finding expected: the image lacks the package", k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	sum := ch.Summary
	if sum.VulnDB.BuiltAt != t1 || sum.Policy != low || sum.ByWorkflow[findings.WorkflowResolved] != len(want["resolved"]) || sum.EvaluatedAt != t1 {
		t.Errorf("summary %+v", sum)
	}
	wantTotals := reeval.Totals{Images: 1, Created: len(want["created"]), Resolved: len(want["resolved"]), Modified: len(want["modified"])}
	if sum.Compliance == findings.ComplianceFailed {
		wantTotals.Failed = 1
	}
	if diff := cmp.Diff(wantTotals, res.Totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if res.Advisories[vulndb.Added] != 1 || res.Advisories[vulndb.Removed] != 1 || res.Advisories[vulndb.Changed] != 1 || res.From != t0 || res.To != t1 {
		t.Errorf("result header %+v", res)
	}

	// The same build again: nothing to do, nothing read.
	store.inventories = map[string]int{}
	res, err = reeval.Reevaluate(ctx, store, new, new, findings.By{}, reeval.Options{})
	if err != nil || len(res.Images) != 0 || len(store.inventories) != 0 {
		t.Errorf("new → new: %v, %+v, inventories read %v", err, res, store.inventories)
	}
}

// TestBorrowedSeverity: Alpine's secdb rates nothing, so a finding takes
// the rating of another feed's record of the same CVE. When only that
// record changes (it names a Debian package: no Alpine package changes),
// the image is still re-evaluated and its finding changes severity; the
// compliance follows. An image recorded without inventory is skipped.
func TestBorrowedSeverity(t *testing.T) {
	ctx := context.Background()
	alp := inventoryOf(t, "alpine-3.10.3")
	secdb := secfix("CVE-2020-1971", "3.10", "openssl", "1.1.1i-r0")
	rated := vulndb.Advisory{
		ID: "CVE-2020-1971", Source: "osv",
		Severity: []vulndb.Severity{{Type: vulndb.SeverityCVSSv3, Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", Source: "nvd"}},
		Affected: []vulndb.Affected{{Namespace: "debian:10", Package: "openssl", Scheme: version.Dpkg, Status: vulndb.StatusFixed,
			Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "1.1.1d-0+deb10u4"}}}}}},
	}
	old := makeDB(t, t0, secdb)
	new := makeDB(t, t1, secdb, rated)
	store := openStore(t)
	medium := findings.Policy{FailAt: findings.SeverityMedium}
	first := record(t, store, alp, old, &medium, t0)
	if first.Summary.Compliance != findings.CompliancePassed || first.Summary.BySeverity[findings.SeverityInformational] == 0 {
		t.Fatalf("before: %+v", first.Summary)
	}
	// The same findings under another digest, recorded without inventory.
	ms, _, _ := scan.Match(ctx, alp, old)
	info, _ := old.Info(ctx, false)
	rep := scan.NewReport(alp, ms, info, tool, t0)
	rep.Image.ImageID = "sha256:" + strings.Repeat("b", 64)
	img, err := findings.ImageFromReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := findings.FromReport(rep, img, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ApplyScan(ctx, findings.ImageScan{Image: img, Findings: fs, By: findings.By{At: t0}}); err != nil {
		t.Fatal(err)
	}

	res, err := reeval.Reevaluate(ctx, store, old, new, findings.By{Actor: "db update", At: t1}, reeval.Options{Tool: tool})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || len(res.Skipped) != 1 || res.Skipped[0] != img.Digest {
		t.Fatalf("images %+v, skipped %v", res.Images, res.Skipped)
	}
	ch := res.Images[0].Changes
	if diff := cmp.Diff(byOrigin(alp, "CVE-2020-1971", "openssl"), keys(t, store, ch.Modified)); diff != "" {
		t.Errorf("modified (-want +got):\n%s", diff)
	}
	page, err := store.GetFindings(ctx, findings.Query{Filters: []findings.Filter{{Field: findings.FieldID, Values: ch.Modified}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range page.Findings {
		if f.Severity.Label != findings.SeverityMedium {
			t.Errorf("%s: severity %s, want MEDIUM from the NVD vector", f.ID, f.Severity.Label)
		}
	}
	if ch.Summary.Compliance != findings.ComplianceFailed || res.Images[0].ComplianceBefore != findings.CompliancePassed || res.Totals.ComplianceChanged != 1 {
		t.Errorf("compliance %s → %s, totals %+v", res.Images[0].ComplianceBefore, ch.Summary.Compliance, res.Totals)
	}
}

// failing is a store that must not be used.
type failing struct{ findings.Store }

func (failing) ImagesWithPackages(context.Context, []vulndb.PackageRef) ([]string, error) {
	return nil, errors.New("store used")
}

func (failing) GetFindings(context.Context, findings.Query) (findings.Page, error) {
	return findings.Page{}, errors.New("store used")
}

func TestFirstInstall(t *testing.T) {
	new := makeDB(t, t1, secfix("CVE-2020-1971", "3.10", "openssl", "1.1.1i-r0"))
	res, err := reeval.Reevaluate(context.Background(), failing{}, nil, new, findings.By{}, reeval.Options{})
	if err != nil || !res.FirstInstall || len(res.Images) != 0 || res.To != t1 {
		t.Errorf("first install: %v, %+v", err, res)
	}
	if _, err := reeval.Reevaluate(context.Background(), failing{}, new, nil, findings.By{}, reeval.Options{}); err == nil {
		t.Error("no new database: no error")
	}
}

// TestStoreErrorStops: a store failure is returned, naming the step.
func TestStoreErrorStops(t *testing.T) {
	old := makeDB(t, t0, secfix("CVE-2020-1971", "3.10", "openssl", "1.1.1i-r0"))
	new := makeDB(t, t1, secfix("CVE-2020-1971", "3.10", "openssl", "1.1.1j-r0"))
	_, err := reeval.Reevaluate(context.Background(), failing{}, old, new, findings.By{}, reeval.Options{})
	if err == nil || !strings.Contains(err.Error(), "re-evaluating findings: store used") {
		t.Errorf("err = %v", err)
	}
}
