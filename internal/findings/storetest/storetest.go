package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Run runs the conformance suite. open returns a new, empty store; the
// suite closes it.
func Run(t *testing.T, open func(t *testing.T) findings.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s findings.Store)
	}{
		{"Lifecycle", testLifecycle},
		{"UserStatusAcrossRescans", testUserStatusAcrossRescans},
		{"Archive", testArchive},
		{"ArchiveByAge", testArchiveByAge},
		{"Exceptions", testExceptions},
		{"BatchUpdate", testBatchUpdate},
		{"QueryFiltersSortPagination", testQuery},
		{"CursorStability", testCursorStability},
		{"BadQueries", testBadQueries},
		{"Summary", testSummary},
		{"InventoryAndPackageIndex", testInventoryIndex},
		{"InvalidScanChangesNothing", testInvalidScan},
		{"CancelledMidWriteChangesNothing", func(t *testing.T, s findings.Store) { testCancelledMidWrite(t, s, open) }},
		{"ConcurrentWriters", testConcurrentWriters},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			c.fn(t, s)
		})
	}
}

// timeCmp compares times by instant.
var timeCmp = cmpopts.EquateApproxTime(0)

func apply(t testing.TB, s findings.Store, scan findings.ImageScan) findings.Changes {
	t.Helper()
	ch, err := s.ApplyScan(context.Background(), scan)
	if err != nil {
		t.Fatalf("ApplyScan(%s at %s): %v", scan.Image.Digest, scan.By.At.Format(time.RFC3339), err)
	}
	return ch
}

func get(t *testing.T, s findings.Store, id string) findings.Finding {
	t.Helper()
	p, err := s.GetFindings(context.Background(), findings.Query{Filters: []findings.Filter{{Field: findings.FieldID, Values: []string{id}}}})
	if err != nil {
		t.Fatalf("GetFindings(Id=%s): %v", id, err)
	}
	if len(p.Findings) != 1 {
		t.Fatalf("GetFindings(Id=%s): %d findings, want 1", id, len(p.Findings))
	}
	return p.Findings[0]
}

func history(t testing.TB, s findings.Store, id string) []findings.HistoryEntry {
	t.Helper()
	h, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatalf("History(%s): %v", id, err)
	}
	return h
}

func summary(t *testing.T, s findings.Store, digest string) findings.Summary {
	t.Helper()
	sum, err := s.Summary(context.Background(), digest)
	if err != nil {
		t.Fatalf("Summary(%s): %v", digest, err)
	}
	return sum
}

// all returns every finding, by id, paging with the store's cursor.
func all(t testing.TB, s findings.Store) []findings.Finding {
	t.Helper()
	var out []findings.Finding
	q := findings.Query{Sort: findings.Sort{Field: findings.SortID}, Limit: findings.MaxLimit}
	for {
		p, err := s.GetFindings(context.Background(), q)
		if err != nil {
			t.Fatalf("GetFindings: %v", err)
		}
		out = append(out, p.Findings...)
		if p.Next == "" {
			return out
		}
		q.Cursor = p.Next
	}
}

// State is everything a store shows of some images, to compare before
// and after a write.
type State struct {
	Findings   []findings.Finding
	History    map[string][]findings.HistoryEntry
	Summaries  map[string]findings.Summary
	Inventory  map[string]*inventory.Inventory
	Index      map[string][]string
	Exceptions []findings.Exception
}

// Snapshot reads the State of a store: every finding with its history,
// the summaries and inventories of the images, the package index for
// refs, and the exceptions.
func Snapshot(t testing.TB, s findings.Store, digests []string, refs []vulndb.PackageRef) State {
	t.Helper()
	ctx := context.Background()
	st := State{Findings: all(t, s), History: map[string][]findings.HistoryEntry{}, Summaries: map[string]findings.Summary{},
		Inventory: map[string]*inventory.Inventory{}, Index: map[string][]string{}}
	for _, f := range st.Findings {
		st.History[f.ID] = history(t, s, f.ID)
	}
	for _, d := range digests {
		if sum, err := s.Summary(ctx, d); err == nil {
			st.Summaries[d] = sum
		} else if !errors.Is(err, findings.ErrNotFound) {
			t.Fatalf("Summary(%s): %v", d, err)
		}
		if inv, err := s.Inventory(ctx, d); err == nil {
			st.Inventory[d] = inv
		} else if !errors.Is(err, findings.ErrNotFound) {
			t.Fatalf("Inventory(%s): %v", d, err)
		}
	}
	for _, r := range refs {
		ds, err := s.ImagesWithPackages(ctx, []vulndb.PackageRef{r})
		if err != nil {
			t.Fatalf("ImagesWithPackages: %v", err)
		}
		st.Index[r.Namespace+"/"+r.Package] = ds
	}
	exs, err := s.Exceptions(ctx)
	if err != nil {
		t.Fatalf("Exceptions: %v", err)
	}
	st.Exceptions = exs
	return st
}

func ids(img findings.Image, vs ...Vuln) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = FindingID(img, v)
	}
	sort.Strings(out)
	return out
}

func changeLists(ch findings.Changes) findings.Changes {
	return findings.Changes{Created: ch.Created, Reopened: ch.Reopened, Resolved: ch.Resolved, Modified: ch.Modified,
		Suppressed: ch.Suppressed, Unsuppressed: ch.Unsuppressed, Archived: ch.Archived}
}

type lifecycleWant struct {
	Workflow                        findings.WorkflowStatus
	Record                          findings.RecordState
	Compliance                      findings.ComplianceStatus
	Severity                        findings.SeverityLabel
	Created, First, Last, UpdatedAt time.Time
}

func lifecycleOf(f findings.Finding) lifecycleWant {
	return lifecycleWant{f.Workflow.Status, f.RecordState, f.Compliance.Status, f.Severity.Label, f.CreatedAt, f.FirstObservedAt, f.LastObservedAt, f.UpdatedAt}
}

func checkLifecycle(t *testing.T, s findings.Store, id string, want lifecycleWant) {
	t.Helper()
	if diff := cmp.Diff(want, lifecycleOf(get(t, s, id)), timeCmp); diff != "" {
		t.Errorf("finding %s (-want +got):\n%s", id, diff)
	}
}

func entry(id string, h float64, actor, field, from, to, reason string) findings.HistoryEntry {
	return findings.HistoryEntry{FindingID: id, At: at(h), Actor: actor, Field: field, From: from, To: to, Reason: reason}
}

var (
	vulnA = Vuln{"openssl", "3.0.1-r0", "CVE-2099-0001", "HIGH", "3.0.2-r0"}
	vulnB = Vuln{"zlib", "1.2.11-r0", "CVE-2099-0002", "MEDIUM", ""}
	vulnC = Vuln{"musl", "1.2.3-r0", "CVE-2099-0003", "LOW", "1.2.4-r0"}
)

// testLifecycle: new → observed again → resolved → reappears as NEW; ids
// stable, no duplicates, severity changes recorded.
func testLifecycle(t *testing.T, s findings.Store) {
	img := SyntheticImage("lifecycle", "1.0")
	a, b, c := vulnA, vulnB, vulnC
	idA, idB, idC := FindingID(img, a), FindingID(img, b), FindingID(img, c)

	ch := apply(t, s, SyntheticScan(t, img, at(0), []Vuln{a, b}))
	if diff := cmp.Diff(findings.Changes{Created: ids(img, a, b)}, changeLists(ch)); diff != "" {
		t.Errorf("first scan changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"NEW", "ACTIVE", "FAILED", "HIGH", at(0), at(0), at(0), at(0)})

	a2 := a
	a2.Severity, a2.Fixed = "CRITICAL", "3.0.3-r0"
	ch = apply(t, s, SyntheticScan(t, img, at(1), []Vuln{a2, c}))
	if diff := cmp.Diff(findings.Changes{Created: []string{idC}, Resolved: []string{idB}, Modified: []string{idA}}, changeLists(ch)); diff != "" {
		t.Errorf("second scan changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"NEW", "ACTIVE", "FAILED", "CRITICAL", at(0), at(0), at(1), at(1)})
	checkLifecycle(t, s, idB, lifecycleWant{"RESOLVED", "ACTIVE", "PASSED", "MEDIUM", at(0), at(0), at(0), at(1)})
	if fa := get(t, s, idA); fa.FixedInVersion() != "3.0.3-r0" {
		got := fa.FixedInVersion()
		t.Errorf("FixedInVersion = %q, want the new observation's 3.0.3-r0", got)
	}

	ch = apply(t, s, SyntheticScan(t, img, at(2), []Vuln{a2, b, c}))
	if diff := cmp.Diff(findings.Changes{Reopened: []string{idB}}, changeLists(ch)); diff != "" {
		t.Errorf("third scan changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idB, lifecycleWant{"NEW", "ACTIVE", "FAILED", "MEDIUM", at(0), at(0), at(2), at(2)})

	if got := all(t, s); len(got) != 3 {
		t.Errorf("%d findings stored after three scans of 3 distinct vulnerabilities, want 3", len(got))
	}
	wantB := []findings.HistoryEntry{
		entry(idB, 0, "scanner", "Workflow.Status", "", "NEW", "first observed"),
		entry(idB, 1, "scanner", "Compliance.Status", "FAILED", "PASSED", "not observed"),
		entry(idB, 1, "scanner", "Workflow.Status", "NEW", "RESOLVED", "not observed"),
		entry(idB, 2, "scanner", "Compliance.Status", "PASSED", "FAILED", "observed again"),
		entry(idB, 2, "scanner", "Workflow.Status", "RESOLVED", "NEW", "observed again"),
	}
	if diff := cmp.Diff(wantB, history(t, s, idB), timeCmp); diff != "" {
		t.Errorf("history of the finding that came back (-want +got):\n%s", diff)
	}
	wantA := []findings.HistoryEntry{
		entry(idA, 0, "scanner", "Workflow.Status", "", "NEW", "first observed"),
		entry(idA, 1, "scanner", "Severity.Label", "HIGH", "CRITICAL", "observed with another severity"),
		entry(idA, 1, "scanner", "Vulnerabilities.VulnerablePackages.FixedInVersion", "3.0.2-r0", "3.0.3-r0", "observed with another fix"),
	}
	if diff := cmp.Diff(wantA, history(t, s, idA), timeCmp); diff != "" {
		t.Errorf("history of the finding whose severity changed (-want +got):\n%s", diff)
	}
	if _, err := s.History(context.Background(), "vigil/sha256:none/none"); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("History(unknown) error = %v, want ErrNotFound", err)
	}
}

// testUserStatusAcrossRescans: Security Hub keeps a user's NOTIFIED or
// RESOLVED while the finding is observed, and resets it to NEW when it
// comes back after being gone.
func testUserStatusAcrossRescans(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img := SyntheticImage("user-status", "1.0")
	a, b := vulnA, vulnB
	idA, idB := FindingID(img, a), FindingID(img, b)
	apply(t, s, SyntheticScan(t, img, at(0), []Vuln{a, b}))
	for id, st := range map[string]findings.WorkflowStatus{idA: "NOTIFIED", idB: "RESOLVED"} {
		res, err := s.BatchUpdateFindings(ctx, []string{id}, findings.Update{Workflow: st}, findings.By{Actor: "alice", At: at(0.5)})
		if err != nil || res[0].Err != nil {
			t.Fatalf("BatchUpdateFindings(%s → %s): %v %v", id, st, err, res)
		}
	}
	apply(t, s, SyntheticScan(t, img, at(1), []Vuln{a, b}))
	checkLifecycle(t, s, idA, lifecycleWant{"NOTIFIED", "ACTIVE", "FAILED", "HIGH", at(0), at(0), at(1), at(1)})
	checkLifecycle(t, s, idB, lifecycleWant{"RESOLVED", "ACTIVE", "FAILED", "MEDIUM", at(0), at(0), at(1), at(1)})

	ch := apply(t, s, SyntheticScan(t, img, at(2), nil))
	if diff := cmp.Diff(findings.Changes{Resolved: ids(img, a, b)}, changeLists(ch)); diff != "" {
		t.Errorf("empty scan changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"RESOLVED", "ACTIVE", "PASSED", "HIGH", at(0), at(0), at(1), at(2)})

	ch = apply(t, s, SyntheticScan(t, img, at(3), []Vuln{a, b}))
	if diff := cmp.Diff(findings.Changes{Reopened: ids(img, a, b)}, changeLists(ch)); diff != "" {
		t.Errorf("rescan changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"NEW", "ACTIVE", "FAILED", "HIGH", at(0), at(0), at(3), at(3)})
	checkLifecycle(t, s, idB, lifecycleWant{"NEW", "ACTIVE", "FAILED", "MEDIUM", at(0), at(0), at(3), at(3)})
}

// testArchive: Archive sets ACTIVE findings ARCHIVED; observed again they
// are ACTIVE and NEW, except a SUPPRESSED one, which stays SUPPRESSED.
func testArchive(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img := SyntheticImage("archive", "1.0")
	a, b := vulnA, vulnB
	idA, idB := FindingID(img, a), FindingID(img, b)
	apply(t, s, SyntheticScan(t, img, at(0), []Vuln{a, b}))
	if res, err := s.BatchUpdateFindings(ctx, []string{idB}, findings.Update{Workflow: "SUPPRESSED"}, findings.By{Actor: "alice", At: at(0.5)}); err != nil || res[0].Err != nil {
		t.Fatalf("BatchUpdateFindings: %v %v", err, res)
	}
	ch, err := s.Archive(ctx, img.Digest, findings.By{Actor: "janitor", At: at(1)})
	if err != nil {
		t.Fatalf("Archive: %v", err)
	}
	if diff := cmp.Diff(findings.Changes{Archived: ids(img, a, b)}, changeLists(ch)); diff != "" {
		t.Errorf("Archive changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"NEW", "ARCHIVED", "FAILED", "HIGH", at(0), at(0), at(0), at(1)})
	sum := summary(t, s, img.Digest)
	if sum.Archived != 2 || len(sum.ByWorkflow) != 0 || len(sum.BySeverity) != 0 || sum.Compliance != findings.CompliancePassed {
		t.Errorf("summary after Archive = %+v, want 2 archived, no active, PASSED", sum)
	}
	if _, err := s.Archive(ctx, "sha256:unknown", findings.By{Actor: "janitor", At: at(1)}); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("Archive(unknown) error = %v, want ErrNotFound", err)
	}
	ch = apply(t, s, SyntheticScan(t, img, at(2), []Vuln{a, b}))
	if diff := cmp.Diff(findings.Changes{Reopened: ids(img, a, b)}, changeLists(ch)); diff != "" {
		t.Errorf("rescan after Archive changes (-want +got):\n%s", diff)
	}
	checkLifecycle(t, s, idA, lifecycleWant{"NEW", "ACTIVE", "FAILED", "HIGH", at(0), at(0), at(2), at(2)})
	checkLifecycle(t, s, idB, lifecycleWant{"SUPPRESSED", "ACTIVE", "FAILED", "MEDIUM", at(0), at(0), at(2), at(2)})
	h := history(t, s, idA)
	want := []findings.HistoryEntry{
		entry(idA, 0, "scanner", "Workflow.Status", "", "NEW", "first observed"),
		entry(idA, 1, "janitor", "RecordState", "ACTIVE", "ARCHIVED", "archived"),
		entry(idA, 2, "scanner", "RecordState", "ARCHIVED", "ACTIVE", "observed again"),
	}
	if diff := cmp.Diff(want, h, timeCmp); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// testArchiveByAge: findings RESOLVED before the cutoff are archived,
// across images; newer ones and open ones are not (findings.AgeArchiver,
// optional).
func testArchiveByAge(t *testing.T, s findings.Store) {
	aa, ok := s.(findings.AgeArchiver)
	if !ok {
		t.Skip("the store does not implement findings.AgeArchiver")
	}
	img1, img2 := SyntheticImage("age-one", "1.0"), SyntheticImage("age-two", "1.0")
	a, b, c := vulnA, vulnB, vulnC
	apply(t, s, SyntheticScan(t, img1, at(0), []Vuln{a, b, c}))
	apply(t, s, SyntheticScan(t, img2, at(0), []Vuln{a, c}))
	apply(t, s, SyntheticScan(t, img1, at(1), []Vuln{b, c})) // a resolved at 1
	apply(t, s, SyntheticScan(t, img2, at(1), []Vuln{a}))    // c resolved at 1
	apply(t, s, SyntheticScan(t, img1, at(3), []Vuln{c}))    // b resolved at 3
	ch, err := aa.ArchiveResolved(context.Background(), at(2), findings.By{Actor: "janitor", At: at(4)})
	if err != nil {
		t.Fatalf("ArchiveResolved: %v", err)
	}
	want := sorted(FindingID(img1, a), FindingID(img2, c))
	if diff := cmp.Diff(findings.Changes{Archived: want}, changeLists(ch)); diff != "" {
		t.Errorf("ArchiveResolved changes (-want +got):\n%s", diff)
	}
	if len(ch.History) != 2 || ch.History[0].Actor != "janitor" || ch.History[0].To != "ARCHIVED" {
		t.Errorf("history = %+v, want 2 entries by janitor", ch.History)
	}
	checkLifecycle(t, s, FindingID(img1, b), lifecycleWant{"RESOLVED", "ACTIVE", "PASSED", "MEDIUM", at(0), at(0), at(1), at(3)})
	checkLifecycle(t, s, FindingID(img1, a), lifecycleWant{"RESOLVED", "ARCHIVED", "PASSED", "HIGH", at(0), at(0), at(0), at(4)})
	if got := summary(t, s, img2.Digest); got.Archived != 1 || got.ByWorkflow["NEW"] != 1 || !got.EvaluatedAt.Equal(at(4)) {
		t.Errorf("img2 summary after ArchiveResolved = %+v, want 1 archived, 1 NEW, evaluated at %s", got, at(4))
	}
}

// testExceptions: scoped exceptions suppress at once, at scan time, until
// they expire or are deleted; the status before is restored.
func testExceptions(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img1, img2 := SyntheticImage("exc-one", "1.0"), SyntheticImage("exc-two", "1.0")
	a, b, c := vulnA, vulnB, vulnC
	apply(t, s, SyntheticScan(t, img1, at(0), []Vuln{a, b}))
	apply(t, s, SyntheticScan(t, img2, at(0), []Vuln{a, b}))
	a1, a2 := FindingID(img1, a), FindingID(img2, a)
	b1, b2 := FindingID(img1, b), FindingID(img2, b)
	if res, err := s.BatchUpdateFindings(ctx, []string{a1}, findings.Update{Workflow: "NOTIFIED"}, findings.By{Actor: "bob", At: at(0.1)}); err != nil || res[0].Err != nil {
		t.Fatalf("BatchUpdateFindings: %v %v", err, res)
	}
	if got := summary(t, s, img1.Digest).Compliance; got != findings.ComplianceFailed {
		t.Fatalf("img1 compliance before the exception = %s, want FAILED (a HIGH finding is open)", got)
	}

	exc1 := findings.Exception{ID: "EXC-1", Scope: findings.ExceptionScope{VulnerabilityID: a.ID, Repository: img1.Repository},
		Owner: "alice", Reason: "accepted until the base image is patched", Expires: at(2)}
	if err := s.PutException(ctx, exc1, findings.By{Actor: "alice", At: at(0.2)}); err != nil {
		t.Fatalf("PutException: %v", err)
	}
	f := get(t, s, a1)
	if f.Workflow.Status != "SUPPRESSED" || f.ProductFields[findings.ProductFieldSuppressedBy] != "EXC-1" {
		t.Errorf("finding in scope: workflow %s, suppressed by %q; want SUPPRESSED by EXC-1", f.Workflow.Status, f.ProductFields[findings.ProductFieldSuppressedBy])
	}
	if got := get(t, s, a2).Workflow.Status; got != "NEW" {
		t.Errorf("same vulnerability in another repository: %s, want NEW (out of scope)", got)
	}
	if got := summary(t, s, img1.Digest).Compliance; got != findings.CompliancePassed {
		t.Errorf("img1 compliance with its HIGH finding suppressed = %s, want PASSED", got)
	}
	if got := summary(t, s, img2.Digest).Compliance; got != findings.ComplianceFailed {
		t.Errorf("img2 compliance = %s, want FAILED", got)
	}
	h := history(t, s, a1)
	if last := h[len(h)-1]; last.Actor != "alice" || last.Field != "Workflow.Status" || last.From != "NOTIFIED" || last.To != "SUPPRESSED" || !last.At.Equal(at(0.2)) {
		t.Errorf("last history entry = %+v, want alice NOTIFIED → SUPPRESSED at %s", last, at(0.2))
	}

	before := get(t, s, a1)
	res, err := s.BatchUpdateFindings(ctx, []string{a1}, findings.Update{Workflow: "RESOLVED"}, findings.By{Actor: "bob", At: at(0.3)})
	if err != nil || !errors.Is(res[0].Err, findings.ErrTransition) {
		t.Errorf("resolving a finding an exception suppresses: %v %v, want ErrTransition", err, res)
	}
	if diff := cmp.Diff(before, get(t, s, a1), timeCmp); diff != "" {
		t.Errorf("refused update changed the finding (-before +after):\n%s", diff)
	}

	apply(t, s, SyntheticScan(t, img1, at(1), []Vuln{a, b}))
	if got := get(t, s, a1).Workflow.Status; got != "SUPPRESSED" {
		t.Errorf("rescan while the exception holds: %s, want SUPPRESSED", got)
	}
	ch := apply(t, s, SyntheticScan(t, img1, at(3), []Vuln{a, b}))
	if diff := cmp.Diff(findings.Changes{Unsuppressed: []string{a1}}, changeLists(ch)); diff != "" {
		t.Errorf("rescan after expiry changes (-want +got):\n%s", diff)
	}
	if got := get(t, s, a1).Workflow.Status; got != "NOTIFIED" {
		t.Errorf("after the exception expired: %s, want NOTIFIED (its status before)", got)
	}
	if got := summary(t, s, img1.Digest).Compliance; got != findings.ComplianceFailed {
		t.Errorf("img1 compliance after expiry = %s, want FAILED", got)
	}

	// A package URL without a version covers every version, in every image.
	exc2 := findings.Exception{ID: "EXC-2", Scope: findings.ExceptionScope{PackageURL: "pkg:apk/alpine/zlib"}, Owner: "carol", Reason: "not reachable"}
	if err := s.PutException(ctx, exc2, findings.By{Actor: "carol", At: at(4)}); err != nil {
		t.Fatalf("PutException: %v", err)
	}
	for _, id := range []string{b1, b2} {
		if got := get(t, s, id).Workflow.Status; got != "SUPPRESSED" {
			t.Errorf("%s under a versionless PURL exception: %s, want SUPPRESSED", id, got)
		}
	}
	exs, err := s.Exceptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"EXC-1", "EXC-2"}, exIDs(exs)); diff != "" {
		t.Errorf("Exceptions (-want +got):\n%s", diff)
	}
	if !exs[0].Expires.Equal(at(2)) || exs[0].Owner != "alice" || exs[0].Reason != exc1.Reason {
		t.Errorf("stored exception = %+v, want %+v", exs[0], exc1)
	}
	if err := s.DeleteException(ctx, "EXC-2", findings.By{Actor: "carol", At: at(5)}); err != nil {
		t.Fatalf("DeleteException: %v", err)
	}
	for _, id := range []string{b1, b2} {
		f := get(t, s, id)
		if f.Workflow.Status != "NEW" || f.ProductFields[findings.ProductFieldSuppressedBy] != "" {
			t.Errorf("%s after its exception was deleted: %s (by %q), want NEW", id, f.Workflow.Status, f.ProductFields[findings.ProductFieldSuppressedBy])
		}
	}
	if err := s.DeleteException(ctx, "EXC-2", findings.By{Actor: "carol", At: at(5)}); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("deleting a missing exception: %v, want ErrNotFound", err)
	}
	if err := s.PutException(ctx, findings.Exception{ID: "EXC-3", Reason: "no owner"}, findings.By{Actor: "x"}); !errors.Is(err, findings.ErrInvalidException) {
		t.Errorf("exception without owner: %v, want ErrInvalidException", err)
	}

	// An exception applies to findings first seen after it.
	exc4 := findings.Exception{ID: "EXC-4", Scope: findings.ExceptionScope{ImageDigest: img2.Digest, VulnerabilityID: c.ID}, Owner: "dan", Reason: "false positive"}
	if err := s.PutException(ctx, exc4, findings.By{Actor: "dan", At: at(6)}); err != nil {
		t.Fatal(err)
	}
	ch = apply(t, s, SyntheticScan(t, img2, at(7), []Vuln{a, b, c}))
	c2 := FindingID(img2, c)
	if diff := cmp.Diff(findings.Changes{Created: []string{c2}, Suppressed: []string{c2}}, changeLists(ch)); diff != "" {
		t.Errorf("scan with a new finding under an exception (-want +got):\n%s", diff)
	}
	want := []findings.HistoryEntry{
		entry(c2, 7, "scanner", "Workflow.Status", "", "NEW", "first observed"),
		entry(c2, 7, "scanner", "Workflow.Status", "NEW", "SUPPRESSED", "exception EXC-4 (dan: false positive)"),
	}
	if diff := cmp.Diff(want, history(t, s, c2), timeCmp); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func exIDs(exs []findings.Exception) []string {
	var out []string
	for _, e := range exs {
		out = append(out, e.ID)
	}
	return out
}

// testBatchUpdate: allowed transitions, per-id results, notes, history with
// the actor, and no change on a refused transition.
func testBatchUpdate(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img := SyntheticImage("batch", "1.0")
	a, b := vulnA, vulnB
	idA, idB := FindingID(img, a), FindingID(img, b)
	apply(t, s, SyntheticScan(t, img, at(0), []Vuln{a, b}))

	note := "ticket SEC-1"
	res, err := s.BatchUpdateFindings(ctx, []string{idA, "vigil/sha256:none/none", idB}, findings.Update{Workflow: "NOTIFIED", Note: &note}, findings.By{Actor: "bob", At: at(1)})
	if err != nil {
		t.Fatalf("BatchUpdateFindings: %v", err)
	}
	if len(res) != 3 || res[0].Err != nil || !errors.Is(res[1].Err, findings.ErrNotFound) || res[2].Err != nil || res[1].ID != "vigil/sha256:none/none" {
		t.Errorf("results = %+v, want ok, ErrNotFound, ok", res)
	}
	f := get(t, s, idA)
	if f.Workflow.Status != "NOTIFIED" {
		t.Errorf("workflow = %s, want NOTIFIED", f.Workflow.Status)
	}
	if diff := cmp.Diff(findings.Note{Text: note, UpdatedBy: "bob", UpdatedAt: at(1)}, f.Note, timeCmp); diff != "" {
		t.Errorf("note (-want +got):\n%s", diff)
	}
	if !f.UpdatedAt.Equal(at(0)) {
		t.Errorf("UpdatedAt = %s, want %s: a user update is not a provider update", f.UpdatedAt, at(0))
	}

	for _, bad := range []findings.WorkflowStatus{"NEW", "DONE"} {
		before, beforeH := get(t, s, idA), history(t, s, idA)
		res, err := s.BatchUpdateFindings(ctx, []string{idA}, findings.Update{Workflow: bad, Note: &note}, findings.By{Actor: "bob", At: at(2)})
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, findings.ErrTransition) {
			t.Errorf("NOTIFIED → %s: %v %+v, want ErrTransition", bad, err, res)
		}
		if diff := cmp.Diff(before, get(t, s, idA), timeCmp); diff != "" {
			t.Errorf("refused NOTIFIED → %s changed the finding (-before +after):\n%s", bad, diff)
		}
		if diff := cmp.Diff(beforeH, history(t, s, idA), timeCmp); diff != "" {
			t.Errorf("refused NOTIFIED → %s changed the history (-before +after):\n%s", bad, diff)
		}
	}

	if res, err := s.BatchUpdateFindings(ctx, []string{idA}, findings.Update{Workflow: "SUPPRESSED"}, findings.By{Actor: "carol", At: at(3)}); err != nil || res[0].Err != nil {
		t.Fatalf("NOTIFIED → SUPPRESSED: %v %v", err, res)
	}
	sum := summary(t, s, img.Digest)
	if sum.Compliance != findings.CompliancePassed {
		t.Errorf("compliance with the only HIGH finding suppressed by a user = %s, want PASSED", sum.Compliance)
	}
	if diff := cmp.Diff(map[findings.WorkflowStatus]int{"SUPPRESSED": 1, "NOTIFIED": 1}, sum.ByWorkflow); diff != "" {
		t.Errorf("ByWorkflow (-want +got):\n%s", diff)
	}
	if res, err := s.BatchUpdateFindings(ctx, []string{idA}, findings.Update{Workflow: "RESOLVED"}, findings.By{Actor: "carol", At: at(4)}); err != nil || res[0].Err != nil {
		t.Fatalf("SUPPRESSED → RESOLVED: %v %v", err, res)
	}
	want := []findings.HistoryEntry{
		entry(idA, 0, "scanner", "Workflow.Status", "", "NEW", "first observed"),
		entry(idA, 1, "bob", "Workflow.Status", "NEW", "NOTIFIED", "user update"),
		entry(idA, 1, "bob", "Note.Text", "", note, "user update"),
		entry(idA, 3, "carol", "Workflow.Status", "NOTIFIED", "SUPPRESSED", "user update"),
		entry(idA, 4, "carol", "Workflow.Status", "SUPPRESSED", "RESOLVED", "user update"),
	}
	if diff := cmp.Diff(want, history(t, s, idA), timeCmp); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// queryData stores three images of synthetic findings with varied
// severities, states and times; it returns all findings.
func queryData(t *testing.T, s findings.Store) []findings.Image {
	ctx := context.Background()
	var imgs []findings.Image
	for i, name := range []string{"q-one", "q-two", "q-three"} {
		img := SyntheticImage(name, "1.0")
		imgs = append(imgs, img)
		vs := ManyVulns(25, name[:3])
		apply(t, s, SyntheticScan(t, img, at(float64(i)), vs))
		if i == 0 {
			// Rescan without every third finding: RESOLVED ones, later times.
			var keep []Vuln
			for j, v := range vs {
				if j%3 != 0 {
					keep = append(keep, v)
				}
			}
			apply(t, s, SyntheticScan(t, img, at(5), keep))
		}
	}
	id := FindingID(imgs[1], ManyVulns(25, "q-t")[4])
	if res, err := s.BatchUpdateFindings(ctx, []string{id}, findings.Update{Workflow: "NOTIFIED"}, findings.By{Actor: "bob", At: at(6)}); err != nil || res[0].Err != nil {
		t.Fatalf("BatchUpdateFindings: %v %v", err, res)
	}
	return imgs
}

// pages pages through a query, checking page sizes and cursors.
func pages(t *testing.T, s findings.Store, q findings.Query) []string {
	t.Helper()
	var out []string
	for n := 0; ; n++ {
		p, err := s.GetFindings(context.Background(), q)
		if err != nil {
			t.Fatalf("GetFindings(%+v): %v", q, err)
		}
		if len(p.Findings) > q.Limit {
			t.Fatalf("page of %d findings, limit %d", len(p.Findings), q.Limit)
		}
		if p.Next != "" && len(p.Findings) != q.Limit {
			t.Fatalf("short page (%d of %d) with a next cursor", len(p.Findings), q.Limit)
		}
		for _, f := range p.Findings {
			out = append(out, f.ID)
		}
		if p.Next == "" {
			return out
		}
		if n > 1000 {
			t.Fatal("more than 1000 pages")
		}
		q.Cursor = p.Next
	}
}

// reference applies the filters and sort in memory.
func reference(fs []findings.Finding, q findings.Query) []string {
	var sel []findings.Finding
	for i := range fs {
		ok := true
		for _, f := range q.Filters {
			ok = ok && f.Matches(&fs[i])
		}
		if ok {
			sel = append(sel, fs[i])
		}
	}
	srt := q.Sort
	if srt.Field == "" {
		srt = findings.DefaultSort
	}
	sort.SliceStable(sel, func(i, j int) bool { return srt.Compare(&sel[i], &sel[j]) < 0 })
	out := []string{}
	for _, f := range sel {
		out = append(out, f.ID)
	}
	return out
}

func testQuery(t *testing.T, s findings.Store) {
	imgs := queryData(t, s)
	everything := all(t, s)
	if len(everything) != 75 {
		t.Fatalf("%d findings stored, want 75", len(everything))
	}
	pkg := everything[10].PackageName()
	str := func(f findings.FilterField, vs ...string) findings.Filter {
		return findings.Filter{Field: f, Values: vs}
	}
	queries := []findings.Query{
		{},
		{Filters: []findings.Filter{str(findings.FieldSeverityLabel, "HIGH", "CRITICAL")}, Sort: findings.Sort{Field: findings.SortSeverity, Desc: true}},
		{Filters: []findings.Filter{str(findings.FieldWorkflowStatus, "RESOLVED")}},
		{Filters: []findings.Filter{str(findings.FieldWorkflowStatus, "NOTIFIED")}},
		{Filters: []findings.Filter{str(findings.FieldRepository, imgs[1].Repository)}, Sort: findings.Sort{Field: findings.SortPackageName}},
		{Filters: []findings.Filter{str(findings.FieldImageDigest, imgs[0].Digest), str(findings.FieldComplianceStatus, "FAILED")}, Sort: findings.Sort{Field: findings.SortLastObservedAt}},
		{Filters: []findings.Filter{str(findings.FieldVulnerabilityID, everything[3].VulnerabilityID(), everything[40].VulnerabilityID())}},
		{Filters: []findings.Filter{str(findings.FieldPackageName, pkg)}, Sort: findings.Sort{Field: findings.SortID, Desc: true}},
		{Filters: []findings.Filter{str(findings.FieldPackageURL, everything[7].PackageURL())}},
		{Filters: []findings.Filter{str(findings.FieldRecordState, "ACTIVE")}, Sort: findings.Sort{Field: findings.SortVulnerabilityID}},
		{Filters: []findings.Filter{{Field: findings.FieldFirstObservedAt, Start: at(1), End: at(2)}}, Sort: findings.Sort{Field: findings.SortFirstObservedAt}},
		{Filters: []findings.Filter{{Field: findings.FieldLastObservedAt, Start: at(2)}}, Sort: findings.Sort{Field: findings.SortCreatedAt, Desc: true}},
		{Filters: []findings.Filter{{Field: findings.FieldUpdatedAt, End: at(5)}}, Sort: findings.Sort{Field: findings.SortImageDigest, Desc: true}},
		{Filters: []findings.Filter{{Field: findings.FieldCreatedAt, Start: at(0), End: at(100)}, str(findings.FieldSeverityLabel, "INFORMATIONAL")}, Sort: findings.Sort{Field: findings.SortUpdatedAt}},
		{Filters: []findings.Filter{str(findings.FieldSeverityLabel, "LOW")}, Sort: findings.Sort{Field: findings.SortSeverity}},
		{Filters: []findings.Filter{str(findings.FieldImageDigest, "sha256:nothing")}},
	}
	nonEmpty := 0
	for i, q := range queries {
		for _, limit := range []int{1, 7, 100} {
			q.Limit = limit
			want := reference(everything, q)
			got := pages(t, s, q)
			if got == nil {
				got = []string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("query %d %+v, limit %d (-want +got):\n%s", i, q.Filters, limit, diff)
			}
			if len(want) > 0 && limit == 7 {
				nonEmpty++
			}
		}
	}
	if nonEmpty < len(queries)-1 {
		t.Errorf("only %d of %d queries select anything: the data does not exercise them", nonEmpty, len(queries))
	}
}

// testCursorStability: findings added or updated while a client pages do
// not make it see one twice or miss one that did not change.
func testCursorStability(t *testing.T, s findings.Store) {
	imgs := queryData(t, s)
	for _, srt := range []findings.Sort{{Field: findings.SortID}, {Field: findings.SortUpdatedAt, Desc: true}, {Field: findings.SortSeverity, Desc: true}} {
		before := all(t, s)
		q := findings.Query{Sort: srt, Limit: 6}
		p, err := s.GetFindings(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, f := range p.Findings {
			seen[f.ID]++
		}
		// Between pages: a new image, and a rescan of another.
		img := SyntheticImage("cursor-"+string(srt.Field), "1.0")
		apply(t, s, SyntheticScan(t, img, at(10), ManyVulns(9, "new")))
		apply(t, s, SyntheticScan(t, imgs[2], at(11), ManyVulns(25, "q-t")))
		q.Cursor = p.Next
		for q.Cursor != "" {
			p, err = s.GetFindings(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Findings {
				seen[f.ID]++
			}
			q.Cursor = p.Next
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("sort %v: %s seen %d times", srt, id, n)
			}
		}
		for _, f := range before {
			// A finding whose sort key changed may move across the cursor;
			// every other one must be seen.
			if f.ImageDigest() == imgs[2].Digest && srt.Field == findings.SortUpdatedAt {
				continue
			}
			if seen[f.ID] == 0 {
				t.Errorf("sort %v: %s missed", srt, f.ID)
			}
		}
	}
}

func testBadQueries(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img := SyntheticImage("bad-queries", "1.0")
	apply(t, s, SyntheticScan(t, img, at(0), ManyVulns(5, "bad")))
	p, err := s.GetFindings(ctx, findings.Query{Limit: 2})
	if err != nil || p.Next == "" {
		t.Fatalf("GetFindings: %v (next %q)", err, p.Next)
	}
	other, err := s.GetFindings(ctx, findings.Query{Limit: 2, Sort: findings.Sort{Field: findings.SortID}})
	if err != nil || other.Next == "" {
		t.Fatalf("GetFindings: %v", err)
	}
	bad := map[string]findings.Query{
		"unknown filter field":       {Filters: []findings.Filter{{Field: "Colour", Values: []string{"red"}}}},
		"unknown sort field":         {Sort: findings.Sort{Field: "Colour"}},
		"bad severity value":         {Filters: []findings.Filter{{Field: findings.FieldSeverityLabel, Values: []string{"SEVERE"}}}},
		"string filter no values":    {Filters: []findings.Filter{{Field: findings.FieldPackageName}}},
		"date filter with values":    {Filters: []findings.Filter{{Field: findings.FieldUpdatedAt, Values: []string{"yesterday"}}}},
		"date filter without bounds": {Filters: []findings.Filter{{Field: findings.FieldUpdatedAt}}},
		"date range reversed":        {Filters: []findings.Filter{{Field: findings.FieldUpdatedAt, Start: at(2), End: at(1)}}},
		"negative limit":             {Limit: -1},
		"limit too large":            {Limit: findings.MaxLimit + 1},
		"cursor not base64":          {Limit: 2, Cursor: "%%%not-a-cursor"},
		"cursor not json":            {Limit: 2, Cursor: "bm90IGpzb24"},
		"cursor empty json":          {Limit: 2, Cursor: "e30"},
		"cursor of another query":    {Limit: 2, Cursor: other.Next},
		"cursor, filters changed":    {Limit: 2, Cursor: p.Next, Filters: []findings.Filter{{Field: findings.FieldSeverityLabel, Values: []string{"HIGH"}}}},
	}
	for name, q := range bad {
		_, err := s.GetFindings(ctx, q)
		if !errors.Is(err, findings.ErrInvalidQuery) {
			t.Errorf("%s: error = %v, want ErrInvalidQuery", name, err)
		}
	}
	// The good cursor still works.
	if _, err := s.GetFindings(ctx, findings.Query{Limit: 2, Cursor: p.Next}); err != nil {
		t.Errorf("valid cursor: %v", err)
	}
}

func testSummary(t *testing.T, s findings.Store) {
	img := SyntheticImage("summary", "1.0")
	vs := []Vuln{
		{"a", "1-r0", "CVE-2099-1001", "CRITICAL", "2-r0"},
		{"b", "1-r0", "CVE-2099-1002", "HIGH", ""},
		{"c", "1-r0", "CVE-2099-1003", "HIGH", ""},
		{"d", "1-r0", "CVE-2099-1004", "LOW", ""},
		{"e", "1-r0", "CVE-2099-1005", "NEGLIGIBLE", ""},
	}
	scan := SyntheticScan(t, img, at(0), vs)
	ch := apply(t, s, scan)
	want := findings.Summary{
		Image:       img,
		BySeverity:  map[findings.SeverityLabel]int{"CRITICAL": 1, "HIGH": 2, "LOW": 1, "INFORMATIONAL": 1},
		ByWorkflow:  map[findings.WorkflowStatus]int{"NEW": 5},
		Compliance:  findings.ComplianceFailed,
		Policy:      findings.Policy{FailAt: findings.SeverityHigh},
		VulnDB:      scan.VulnDB,
		EvaluatedAt: at(0),
	}
	if diff := cmp.Diff(want, summary(t, s, img.Digest), timeCmp); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, ch.Summary, timeCmp); diff != "" {
		t.Errorf("Changes.Summary (-want +got):\n%s", diff)
	}
	// Only HIGH and below, policy failing at CRITICAL: PASSED.
	scan = SyntheticScan(t, img, at(1), vs[1:])
	scan.Policy = findings.Policy{FailAt: findings.SeverityCritical}
	apply(t, s, scan)
	sum := summary(t, s, img.Digest)
	if sum.Compliance != findings.CompliancePassed || sum.Policy.FailAt != findings.SeverityCritical {
		t.Errorf("HIGH findings under a CRITICAL policy: %s (policy %s), want PASSED", sum.Compliance, sum.Policy.FailAt)
	}
	if diff := cmp.Diff(map[findings.WorkflowStatus]int{"NEW": 4, "RESOLVED": 1}, sum.ByWorkflow); diff != "" {
		t.Errorf("ByWorkflow (-want +got):\n%s", diff)
	}
	// Default policy, only LOW and below: PASSED.
	apply(t, s, SyntheticScan(t, img, at(2), vs[3:]))
	if got := summary(t, s, img.Digest).Compliance; got != findings.CompliancePassed {
		t.Errorf("only LOW findings: %s, want PASSED", got)
	}
	if _, err := s.Summary(context.Background(), "sha256:unknown"); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("Summary(unknown) error = %v, want ErrNotFound", err)
	}
}

func testInventoryIndex(t *testing.T, s findings.Store) {
	ctx := context.Background()
	img1, img2 := SyntheticImage("inv-one", "1.0"), SyntheticImage("inv-two", "1.0")
	scan1 := SyntheticScan(t, img1, at(0), []Vuln{vulnA}, "zlib", "busybox")
	apply(t, s, scan1)
	apply(t, s, SyntheticScan(t, img2, at(0), []Vuln{vulnC}, "zlib"))
	ref := func(name string) vulndb.PackageRef { return vulndb.PackageRef{Namespace: "alpine:3.20", Package: name} }
	lookups := []struct {
		refs []vulndb.PackageRef
		want []string
	}{
		{[]vulndb.PackageRef{ref("zlib")}, sorted(img1.Digest, img2.Digest)},
		{[]vulndb.PackageRef{ref("openssl")}, []string{img1.Digest}},
		{[]vulndb.PackageRef{ref("busybox"), ref("musl")}, sorted(img1.Digest, img2.Digest)},
		{[]vulndb.PackageRef{{Namespace: "alpine:3.19", Package: "zlib"}}, nil},
		{nil, nil},
	}
	for _, l := range lookups {
		got, err := s.ImagesWithPackages(ctx, l.refs)
		if err != nil {
			t.Fatalf("ImagesWithPackages(%v): %v", l.refs, err)
		}
		if diff := cmp.Diff(l.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ImagesWithPackages(%v) (-want +got):\n%s", l.refs, diff)
		}
	}
	many := make([]vulndb.PackageRef, 0, 2000)
	for i := range 2000 {
		many = append(many, ref(fmt.Sprintf("absent%04d", i)))
	}
	many = append(many, ref("musl"))
	if got, err := s.ImagesWithPackages(ctx, many); err != nil || !slices.Equal(got, []string{img2.Digest}) {
		t.Errorf("ImagesWithPackages(2001 refs) = %v, %v; want [%s]", got, err, img2.Digest)
	}
	inv, err := s.Inventory(ctx, img1.Digest)
	if err != nil {
		t.Fatalf("Inventory: %v", err)
	}
	if diff := cmp.Diff(scan1.Inventory, inv); diff != "" {
		t.Errorf("stored inventory (-want +got):\n%s", diff)
	}
	// A re-evaluation (no inventory) keeps the stored one.
	re := SyntheticScan(t, img1, at(1), nil)
	re.Inventory = nil
	apply(t, s, re)
	if inv, err := s.Inventory(ctx, img1.Digest); err != nil || len(inv.Packages) != 3 {
		t.Errorf("inventory after a scan without one: %v, %v; want the stored one", inv, err)
	}
	// A new inventory replaces the index entries.
	apply(t, s, SyntheticScan(t, img1, at(2), nil, "zlib"))
	if got, _ := s.ImagesWithPackages(ctx, []vulndb.PackageRef{ref("openssl")}); len(got) != 0 {
		t.Errorf("openssl removed from img1, index still gives %v", got)
	}
	if _, err := s.Inventory(ctx, "sha256:unknown"); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("Inventory(unknown) error = %v, want ErrNotFound", err)
	}
}

func sorted(s ...string) []string { sort.Strings(s); return s }

// WriteBase writes the state atomicity tests start from: a scan, an
// exception and a user update; the same calls on two stores give the same
// state.
func WriteBase(t testing.TB, s findings.Store, img findings.Image) {
	ctx := context.Background()
	apply(t, s, SyntheticScan(t, img, at(0), ManyVulns(60, "base"), "zlib"))
	exc := findings.Exception{ID: "EXC-BASE", Scope: findings.ExceptionScope{PackageName: "pkg002"}, Owner: "alice", Reason: "synthetic"}
	if err := s.PutException(ctx, exc, findings.By{Actor: "alice", At: at(0.5)}); err != nil {
		t.Fatal(err)
	}
	id := FindingID(img, ManyVulns(60, "base")[1])
	if res, err := s.BatchUpdateFindings(ctx, []string{id}, findings.Update{Workflow: "NOTIFIED"}, findings.By{Actor: "bob", At: at(0.6)}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
}

// NextScan is the scan atomicity tests apply over WriteBase: it resolves
// half of the base findings, adds n, and replaces the inventory.
func NextScan(t testing.TB, img findings.Image, n int) findings.ImageScan {
	vs := append(ManyVulns(60, "base")[30:], ManyVulns(n, "next")...)
	return SyntheticScan(t, img, at(1), vs, "busybox")
}

// AtomicityRefs are the package index entries Snapshot reads after
// WriteBase and NextScan.
var AtomicityRefs = []vulndb.PackageRef{{Namespace: "alpine:3.20", Package: "zlib"}, {Namespace: "alpine:3.20", Package: "busybox"}, {Namespace: "alpine:3.20", Package: "pkg000"}}

func testInvalidScan(t *testing.T, s findings.Store) {
	img := SyntheticImage("invalid", "1.0")
	WriteBase(t, s, img)
	before := Snapshot(t, s, []string{img.Digest}, AtomicityRefs)
	other := SyntheticImage("other", "1.0")
	for name, mutate := range map[string]func(sc *findings.ImageScan){
		"finding of another image": func(sc *findings.ImageScan) {
			sc.Findings = append(sc.Findings, SyntheticScan(t, other, at(1), []Vuln{vulnA}).Findings...)
		},
		"duplicate id":       func(sc *findings.ImageScan) { sc.Findings = append(sc.Findings, sc.Findings[len(sc.Findings)/2]) },
		"empty id":           func(sc *findings.ImageScan) { sc.Findings[len(sc.Findings)-1].ID = "" },
		"bad severity label": func(sc *findings.ImageScan) { sc.Findings[len(sc.Findings)-1].Severity.Label = "SEVERE" },
	} {
		sc := NextScan(t, img, 300)
		mutate(&sc)
		if _, err := s.ApplyScan(context.Background(), sc); !errors.Is(err, findings.ErrInvalidScan) {
			t.Errorf("%s: error = %v, want ErrInvalidScan", name, err)
		}
		if diff := cmp.Diff(before, Snapshot(t, s, []string{img.Digest}, AtomicityRefs), timeCmp); diff != "" {
			t.Errorf("%s: state changed (-before +after):\n%s", name, diff)
		}
	}
	if _, err := s.ApplyScan(context.Background(), findings.ImageScan{}); !errors.Is(err, findings.ErrInvalidScan) {
		t.Errorf("scan without image digest: %v, want ErrInvalidScan", err)
	}
}

// countdownCtx is cancelled after its Err method has been asked n times:
// a store that checks ctx in its write loop fails at a chosen point.
type countdownCtx struct {
	context.Context
	left atomic.Int64
	done chan struct{}
	once sync.Once
}

func newCountdown(n int64) *countdownCtx {
	c := &countdownCtx{Context: context.Background(), done: make(chan struct{})}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		c.once.Do(func() { close(c.done) })
		return context.Canceled
	}
	return nil
}

func (c *countdownCtx) Done() <-chan struct{} { return c.done }

// testCancelledMidWrite cancels ApplyScan at growing points of its work:
// every failed attempt leaves the old state, the one that succeeds gives
// exactly the state a reference store reaches.
func testCancelledMidWrite(t *testing.T, s findings.Store, open func(t *testing.T) findings.Store) {
	img := SyntheticImage("cancel", "1.0")
	WriteBase(t, s, img)
	before := Snapshot(t, s, []string{img.Digest}, AtomicityRefs)
	sc := NextScan(t, img, 300)
	failures := 0
	var n int64
	for n = 1; n < 1<<22; n = n*3/2 + 1 {
		_, err := s.ApplyScan(newCountdown(n), sc)
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ApplyScan cancelled after %d ctx checks: %v, want context.Canceled", n, err)
		}
		failures++
		if diff := cmp.Diff(before, Snapshot(t, s, []string{img.Digest}, AtomicityRefs), timeCmp); diff != "" {
			t.Fatalf("ApplyScan cancelled after %d ctx checks left a partial state (-before +after):\n%s", n, diff)
		}
	}
	if failures < 5 {
		t.Errorf("ApplyScan of %d findings failed only %d times before it succeeded at %d ctx checks: it does not check ctx while writing", len(sc.Findings), failures, n)
	}
	ref := open(t)
	defer ref.Close()
	WriteBase(t, ref, img)
	apply(t, ref, sc)
	if diff := cmp.Diff(Snapshot(t, ref, []string{img.Digest}, AtomicityRefs), Snapshot(t, s, []string{img.Digest}, AtomicityRefs), timeCmp); diff != "" {
		t.Errorf("state after the successful attempt (-reference +got):\n%s", diff)
	}
}

// testConcurrentWriters: writers of different images and readers at once,
// without errors, ending in the state of the last scans.
func testConcurrentWriters(t *testing.T, s findings.Store) {
	ctx := context.Background()
	const writers, scans = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*scans+100)
	stop := make(chan struct{})
	var readerWG sync.WaitGroup
	readerWG.Add(1)
	go func() {
		defer readerWG.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.GetFindings(ctx, findings.Query{Limit: 50}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for w := range writers {
		img := SyntheticImage("concurrent", string(rune('a'+w)))
		var scs []findings.ImageScan
		for i := range scans {
			scs = append(scs, SyntheticScan(t, img, at(float64(i)), ManyVulns(40+i, "c")))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, sc := range scs {
				if _, err := s.ApplyScan(ctx, sc); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readerWG.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent use: %v", err)
	}
	for w := range writers {
		img := SyntheticImage("concurrent", string(rune('a'+w)))
		sum := summary(t, s, img.Digest)
		if !sum.EvaluatedAt.Equal(at(scans-1)) || sum.ByWorkflow["NEW"] != 40+scans-1 {
			t.Errorf("image %d after concurrent scans: evaluated %s, %v; want %s, %d NEW", w, sum.EvaluatedAt, sum.ByWorkflow, at(scans-1), 40+scans-1)
		}
	}
}
