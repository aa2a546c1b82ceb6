package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlite"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/pgtest"
	"github.com/vigilhq/vigil/internal/reeval"
	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/shareddata/secdboracle"
	"github.com/vigilhq/vigil/internal/testimages"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	feedlist "github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// The two real snapshots of Alpine's secdb.
const (
	secdbOld = "distro/alpine-secdb-2024-04-01"
	secdbNew = "distro/alpine-secdb"
)

var (
	oldDBOnce sync.Once
	oldDBPath string
	oldDBErr  error
)

// oldSecdbDB builds (once per test binary) the database of the 2024-04-01
// snapshot, stamped as built then.
func oldSecdbDB(t *testing.T) string {
	t.Helper()
	src := shareddata.Path(t, secdbOld)
	oldDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-secdb-old-")
		if err != nil {
			oldDBErr = err
			return
		}
		oldDBPath = filepath.Join(dir, vulndb.FileName)
		built := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
		_, oldDBErr = build.Build(context.Background(), oldDBPath, []string{src}, build.Options{Formats: feedlist.All(), Now: func() time.Time { return built }})
	})
	if oldDBErr != nil {
		t.Fatal(oldDBErr)
	}
	return oldDBPath
}

// install copies a database file to where a data directory keeps it.
func install(t *testing.T, db, data string) {
	t.Helper()
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(data, "db", vulndb.FileName)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// countingRegistry is go-containerregistry's in-process registry, counting
// the requests it serves.
type countingRegistry struct {
	n atomic.Int64
	h http.Handler
}

func (c *countingRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.h.ServeHTTP(w, r)
}

// pushAlpine serves the three Alpine test images from an in-process
// registry and returns their references by image name.
func pushAlpine(t *testing.T, images []string) (*countingRegistry, map[string]string) {
	t.Helper()
	reg := &countingRegistry{h: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	cache, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, img := range images {
		v1img, err := testimages.Image(context.Background(), img, cache)
		if err != nil {
			t.Fatal(err)
		}
		r := u.Host + "/library/alpine:" + strings.TrimPrefix(img, "alpine-")
		ref, err := name.ParseReference(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, v1img); err != nil {
			t.Fatal(err)
		}
		refs[img] = r
	}
	return reg, refs
}

// secdbFixes reads, straight from a snapshot's secdb JSON files of one
// release, the highest fixed version of every CVE per origin package.
func secdbFixes(t *testing.T, snapshot, release string) map[string]map[string]string {
	return secdboracle.AlpineSecfixes(t, snapshot, release)
}

func cmpAPK(t *testing.T, a, b string) int { return secdboracle.CompareAPK(t, a, b) }

// expectedMatches is what a scan against a snapshot must find: "CVE
// package" → fixed version, for every CVE fixed in a version newer than
// the installed one of the package's origin.
func expectedMatches(t *testing.T, inv *inventory.Inventory, fixes map[string]map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range inv.Packages {
		for id, fixed := range fixes[p.SourceName] {
			if cmpAPK(t, p.Version, fixed) < 0 {
				out[id+" "+p.Name] = fixed
			}
		}
	}
	return out
}

// lifecycleDelta is what moving an image from one expectation to another
// must do to its findings.
type lifecycleDelta struct{ Created, Resolved, Modified []string }

func deltaOf(from, to map[string]string) lifecycleDelta {
	var d lifecycleDelta
	for k, fixed := range to {
		old, ok := from[k]
		switch {
		case !ok:
			d.Created = append(d.Created, k)
		case old != fixed:
			d.Modified = append(d.Modified, k)
		}
	}
	for k := range from {
		if _, ok := to[k]; !ok {
			d.Resolved = append(d.Resolved, k)
		}
	}
	sort.Strings(d.Created)
	sort.Strings(d.Resolved)
	sort.Strings(d.Modified)
	return d
}

// imageFindings reads every finding of an image.
func imageFindings(t *testing.T, store findings.Store, digest string) []findings.Finding {
	t.Helper()
	q := findings.Query{Filters: []findings.Filter{{Field: findings.FieldImageDigest, Values: []string{digest}}}, Sort: findings.Sort{Field: findings.SortID}, Limit: findings.MaxLimit}
	var out []findings.Finding
	for {
		page, err := store.GetFindings(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Findings...)
		if page.Next == "" {
			return out
		}
		q.Cursor = page.Next
	}
}

func findingKey(f *findings.Finding) string { return f.VulnerabilityID() + " " + f.PackageName() }

// observed is an image's findings still observed: key → fixed version.
func observed(fs []findings.Finding) map[string]string {
	out := map[string]string{}
	for i := range fs {
		if fs[i].Compliance.Status == findings.ComplianceFailed && fs[i].RecordState == findings.RecordActive {
			out[findingKey(&fs[i])] = fs[i].FixedInVersion()
		}
	}
	return out
}

func keysOf(ids []string, byID map[string]string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, byID[id])
	}
	sort.Strings(out)
	return out
}

type alpineCase struct {
	image, release string
	failAt         findings.SeverityLabel // "" keeps the default policy
}

var alpineCases = []alpineCase{
	{"alpine-3.10.3", "3.10", findings.SeverityInformational},
	{"alpine-3.16.9", "3.16", ""},
	{"alpine-3.20.3", "3.20", findings.SeverityInformational},
}

// TestReevaluateAlpineSnapshots is the real-data test: the three
// Alpine images are pulled from an in-process registry, scanned against
// the 2024-04-01 secdb and recorded; 'db update --reevaluate' installs the
// 2024-12-31 snapshot. Without a single registry request, each image's
// findings created, resolved and modified are exactly those the two
// snapshots' secdb JSON imply (computed here independently of the
// matcher), each one traces to an advisory vulndb.Diff lists for the
// image's package, and the summaries and compliance follow. Then the
// findings commands run on the result, and re-evaluating back to the old
// build resolves what appeared and reopens what it had resolved.
func TestReevaluateAlpineSnapshots(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	oldDB := oldSecdbDB(t)
	install(t, oldDB, data)
	var names []string
	for _, c := range alpineCases {
		names = append(names, c.image)
	}
	reg, refs := pushAlpine(t, names)

	digests := map[string]string{}
	for _, c := range alpineCases {
		args := []string{"scan", refs[c.image], "--data", data, "--record", "-q", "-f", "json", "--actor", "ci"}
		if c.failAt != "" {
			args = append(args, "--fail-at", strings.ToLower(string(c.failAt)))
		}
		code, stdout, stderr := run(t, args...)
		if code != 0 {
			t.Fatalf("%s: scan --record: exit %d: %s", c.image, code, stderr)
		}
		var rep struct {
			Image struct{ Digest string } `json:"image"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Image.Digest == "" {
			t.Fatalf("%s: report: %v, digest %q", c.image, err, rep.Image.Digest)
		}
		digests[c.image] = rep.Image.Digest
	}
	pulls := reg.n.Load()

	// What the store holds before: the old snapshot's matches, exactly.
	store, err := sqlite.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	invs := map[string]*inventory.Inventory{}
	wantOld, wantNew := map[string]map[string]string{}, map[string]map[string]string{}
	before := map[string]findings.Summary{}
	for _, c := range alpineCases {
		d := digests[c.image]
		inv, err := store.Inventory(ctx, d)
		if err != nil {
			t.Fatalf("%s: stored inventory: %v", c.image, err)
		}
		invs[c.image] = inv
		wantOld[c.image] = expectedMatches(t, inv, secdbFixes(t, secdbOld, c.release))
		wantNew[c.image] = expectedMatches(t, inv, secdbFixes(t, secdbNew, c.release))
		if diff := cmp.Diff(wantOld[c.image], observed(imageFindings(t, store, d))); diff != "" {
			t.Errorf("%s: recorded findings against the old snapshot (-want +got):\n%s", c.image, diff)
		}
		if before[c.image], err = store.Summary(ctx, d); err != nil {
			t.Fatal(err)
		}
		sum := before[c.image]
		if sum.Image.Repository != strings.TrimSuffix(refs[c.image], ":"+strings.TrimPrefix(c.image, "alpine-")) || len(sum.Image.Tags) != 1 {
			t.Errorf("%s: recorded image identity %+v, want repository and tag of %s", c.image, sum.Image, refs[c.image])
		}
	}

	code, stdout, stderr := run(t, "db", "update", "--reevaluate", "--json", "--data", data, "--actor", "ci", shareddata.Path(t, secdbNew))
	if code != 0 {
		t.Fatalf("db update --reevaluate: exit %d: %s", code, stderr)
	}
	var out struct {
		Reevaluation reeval.Result `json:"reevaluation"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("db update --reevaluate --json: %v\n%s", err, stdout)
	}
	res := out.Reevaluation

	// (a) No image was pulled again.
	if n := reg.n.Load(); n != pulls {
		t.Errorf("the registry saw %d requests during re-evaluation; want none", n-pulls)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "db", vulndb.FileName+".prev*")); len(left) > 0 {
		t.Errorf("the previous database was left behind after a successful re-evaluation: %v", left)
	}
	// A failed build changes neither the database nor the findings.
	installed, _ := os.ReadFile(filepath.Join(data, "db", vulndb.FileName))
	code, _, stderr = run(t, "db", "update", "--reevaluate", "--data", data, filepath.Join(t.TempDir(), "no-such-source"))
	if code != 1 || !strings.Contains(stderr, "the previous database (if any) and the findings are unchanged") {
		t.Errorf("failed update: exit %d, %q", code, stderr)
	}
	if now, _ := os.ReadFile(filepath.Join(data, "db", vulndb.FileName)); string(now) != string(installed) {
		t.Error("a failed update changed the installed database")
	}
	if left, _ := filepath.Glob(filepath.Join(data, "db", vulndb.FileName+".*")); len(left) > 0 {
		t.Errorf("a failed update left files behind: %v", left)
	}

	newDB, err := vulndb.Open(ctx, filepath.Join(data, "db", vulndb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer newDB.Close()
	newInfo, _ := newDB.Info(ctx, false)
	old, err := vulndb.Open(ctx, oldDB)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	changes, err := vulndb.Diff(ctx, old, newDB)
	if err != nil {
		t.Fatal(err)
	}
	changedFor := map[string]map[vulndb.PackageRef]bool{} // advisory id → packages
	for _, c := range changes {
		if changedFor[c.ID] == nil {
			changedFor[c.ID] = map[vulndb.PackageRef]bool{}
		}
		for _, p := range c.Packages {
			changedFor[c.ID][p] = true
		}
	}
	byDigest := map[string]reeval.Image{}
	for _, img := range res.Images {
		byDigest[img.Digest] = img
	}

	var total lifecycleDelta
	for _, c := range alpineCases {
		d := digests[c.image]
		fs := imageFindings(t, store, d)
		key := map[string]string{}
		origin := map[string]string{}
		for _, p := range invs[c.image].Packages {
			origin[p.Name] = p.SourceName
		}
		for i := range fs {
			key[fs[i].ID] = findingKey(&fs[i])
		}
		// (b) Exactly the changes the two snapshots imply.
		want := deltaOf(wantOld[c.image], wantNew[c.image])
		img, ok := byDigest[d]
		if !ok && (len(want.Created)+len(want.Resolved)+len(want.Modified)) > 0 {
			t.Errorf("%s: not re-evaluated, but the snapshots differ for it: %+v", c.image, want)
		}
		got := lifecycleDelta{Created: keysOf(img.Changes.Created, key), Resolved: keysOf(img.Changes.Resolved, key), Modified: keysOf(img.Changes.Modified, key)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: lifecycle changes (-want +got):\n%s", c.image, diff)
		}
		if len(img.Changes.Reopened) > 0 {
			t.Errorf("%s: reopened %v: nothing was resolved before", c.image, img.Changes.Reopened)
		}
		if diff := cmp.Diff(wantNew[c.image], observed(fs)); diff != "" {
			t.Errorf("%s: findings observed after re-evaluation (-want +got):\n%s", c.image, diff)
		}
		// Every change traces to an advisory vulndb.Diff lists for the
		// package's origin in the image's release.
		for _, k := range append(append(append([]string{}, got.Created...), got.Resolved...), got.Modified...) {
			id, pkg, _ := strings.Cut(k, " ")
			ref := vulndb.PackageRef{Namespace: "alpine:" + c.release, Package: origin[pkg]}
			if !changedFor[id][ref] {
				t.Errorf("%s: %s changed, but the diff has no change of %s naming %v", c.image, k, id, ref)
			}
		}
		total.Created = append(total.Created, got.Created...)
		total.Resolved = append(total.Resolved, got.Resolved...)
		total.Modified = append(total.Modified, got.Modified...)
		t.Logf("%s: %d → %d findings: %d created, %d resolved, %d modified", c.image, len(wantOld[c.image]), len(wantNew[c.image]), len(got.Created), len(got.Resolved), len(got.Modified))

		// (c) The summary and compliance follow. The secdb rates nothing:
		// every finding is INFORMATIONAL (UNKNOWN).
		sum, err := store.Summary(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		open := len(wantNew[c.image])
		wantSum := map[string]any{
			"bySeverity": map[findings.SeverityLabel]int{},
			"byWorkflow": map[findings.WorkflowStatus]int{},
			"compliance": findings.CompliancePassed,
			"policy":     before[c.image].Policy,
			"vulndb":     newInfo.BuiltAt.UTC(),
		}
		if open > 0 {
			wantSum["bySeverity"] = map[findings.SeverityLabel]int{findings.SeverityInformational: open}
			wantSum["byWorkflow"].(map[findings.WorkflowStatus]int)[findings.WorkflowNew] = open
		}
		if n := len(want.Resolved); n > 0 {
			wantSum["byWorkflow"].(map[findings.WorkflowStatus]int)[findings.WorkflowResolved] = n
		}
		if c.failAt == findings.SeverityInformational && open > 0 {
			wantSum["compliance"] = findings.ComplianceFailed
		}
		gotSum := map[string]any{"bySeverity": sum.BySeverity, "byWorkflow": sum.ByWorkflow, "compliance": sum.Compliance, "policy": sum.Policy, "vulndb": sum.VulnDB.BuiltAt.UTC()}
		if diff := cmp.Diff(wantSum, gotSum); diff != "" {
			t.Errorf("%s: summary (-want +got):\n%s", c.image, diff)
		}
		if ok && (img.Changes.Summary.Compliance != sum.Compliance || img.ComplianceBefore != before[c.image].Compliance) {
			t.Errorf("%s: result says compliance %s → %s; store says %s → %s", c.image, img.ComplianceBefore, img.Changes.Summary.Compliance, before[c.image].Compliance, sum.Compliance)
		}
	}
	if res.Totals.Created != len(total.Created) || res.Totals.Resolved != len(total.Resolved) || res.Totals.Modified != len(total.Modified) {
		t.Errorf("totals %+v; the images add up to %d created, %d resolved, %d modified", res.Totals, len(total.Created), len(total.Resolved), len(total.Modified))
	}
	if len(total.Created)+len(total.Resolved)+len(total.Modified) == 0 {
		t.Fatal("the snapshots imply no change on these images: the test proves nothing")
	}
	if before["alpine-3.20.3"].Compliance != findings.CompliancePassed || res.Totals.ComplianceChanged == 0 {
		t.Errorf("alpine-3.20.3 (no secdb for 3.20 on 2024-04-01) should go from PASSED to FAILED; totals %+v", res.Totals)
	}

	t.Run("commands", func(t *testing.T) { findingsCommands(t, data, digests) })

	// Back to the old build: what appeared is resolved; then forward
	// again: it comes back as reopened, not created.
	for _, step := range []struct {
		from, to string
		reopen   bool
	}{{filepath.Join(data, "db", vulndb.FileName), oldDB, false}, {oldDB, filepath.Join(data, "db", vulndb.FileName), true}} {
		code, stdout, stderr := run(t, "findings", "reevaluate", "--data", data, "--from", step.from, "--db", step.to, "--json")
		if code != 0 {
			t.Fatalf("findings reevaluate: exit %d: %s", code, stderr)
		}
		var back reeval.Result
		if err := json.Unmarshal([]byte(stdout), &back); err != nil {
			t.Fatal(err)
		}
		// Back: what was resolved is observed again, what appeared goes.
		// Forward again: what went comes back, what was resolved goes.
		wantReopened, wantResolved := len(total.Resolved), len(total.Created)
		if step.reopen {
			wantReopened, wantResolved = len(total.Created), len(total.Resolved)
		}
		if back.Totals.Created != 0 || back.Totals.Reopened != wantReopened || back.Totals.Resolved != wantResolved || back.Totals.Modified != len(total.Modified) {
			t.Errorf("re-evaluation %s → %s: totals %+v; want none created, %d reopened, %d resolved, %d modified", step.from, step.to, back.Totals, wantReopened, wantResolved, len(total.Modified))
		}
	}
	if n := reg.n.Load(); n != pulls {
		t.Errorf("the registry saw %d requests after the scans; want none", n-pulls)
	}
}

// findingsCommands runs list, show, update and export on a recorded hub.
func findingsCommands(t *testing.T, data string, digests map[string]string) {
	d310 := digests["alpine-3.10.3"]
	listJSON := func(args ...string) findings.Page {
		t.Helper()
		code, stdout, stderr := run(t, append([]string{"findings", "list", "--data", data, "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("findings list %v: exit %d: %s", args, code, stderr)
		}
		var p findings.Page
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatalf("findings list --json: %v", err)
		}
		return p
	}
	all := listJSON("--limit", "1000", "--sort", "Id")
	if len(all.Findings) == 0 || all.Next != "" {
		t.Fatalf("findings list: %d findings, next %q", len(all.Findings), all.Next)
	}
	// Pages of 7 in Id order are the whole list, in order.
	var paged []string
	for cursor := ""; ; {
		p := listJSON("--limit", "7", "--sort", "Id:asc", "--cursor", cursor)
		for _, f := range p.Findings {
			paged = append(paged, f.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	var ids []string
	for _, f := range all.Findings {
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff(ids, paged); diff != "" {
		t.Errorf("pages of 7 (-all +paged):\n%s", diff)
	}
	// Filters.
	only := listJSON("--image", d310, "--severity", "informational", "--workflow", "NEW", "--record-state", "ACTIVE", "--since", "1h", "--limit", "1000")
	if len(only.Findings) == 0 {
		t.Fatal("no NEW finding of alpine-3.10.3")
	}
	for _, f := range only.Findings {
		if f.ImageDigest() != d310 || f.Workflow.Status != findings.WorkflowNew {
			t.Errorf("filtered list holds %s (%s, %s)", f.ID, f.ImageDigest(), f.Workflow.Status)
		}
	}
	pkg := only.Findings[0].PackageName()
	for _, f := range listJSON("--package", pkg, "--vulnerability", only.Findings[0].VulnerabilityID()).Findings {
		if f.PackageName() != pkg {
			t.Errorf("--package %s listed %s", pkg, f.PackageName())
		}
	}
	if n := len(listJSON("--until", "2000-01-01").Findings); n != 0 {
		t.Errorf("--until 2000-01-01: %d findings", n)
	}
	code, stdout, stderr := run(t, "findings", "list", "--data", data, "--image", d310)
	if code != 0 || !strings.Contains(stdout, "SEVERITY") || !strings.Contains(stdout, only.Findings[0].ID) {
		t.Errorf("findings list (table): exit %d: %s\n%s", code, stderr, stdout)
	}

	id := only.Findings[0].ID
	show := func() (findings.Finding, []findings.HistoryEntry) {
		t.Helper()
		code, stdout, stderr := run(t, "findings", "show", id, "--data", data, "--json")
		if code != 0 {
			t.Fatalf("findings show: exit %d: %s", code, stderr)
		}
		var s struct {
			Finding findings.Finding
			History []findings.HistoryEntry
		}
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s.Finding, s.History
	}
	f0, h0 := show()
	if f0.ID != id || len(h0) == 0 || h0[0].Reason != "first observed" || h0[0].Actor != "ci" {
		t.Errorf("show: finding %q, history %+v", f0.ID, h0)
	}

	// Bad input: a clear error, exit 1, nothing changed.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"findings", "list", "--severity", "SEVERE"}, `--severity: unknown value "SEVERE"`},
		{[]string{"findings", "list", "--workflow", "DONE"}, `--workflow: unknown value "DONE"`},
		{[]string{"findings", "list", "--cursor", "not-a-cursor"}, "malformed cursor"},
		{[]string{"findings", "list", "--cursor", all.Findings[0].ID}, "malformed cursor"},
		{[]string{"findings", "list", "--sort", "Colour"}, `unknown field "Colour"`},
		{[]string{"findings", "list", "--since", "last tuesday"}, `--since "last tuesday"`},
		{[]string{"findings", "list", "--limit", "5000"}, "--limit 5000"},
		{[]string{"findings", "show", "vigil/sha256:none/0"}, "not found"},
		{[]string{"findings", "update", id, "--workflow", "DONE"}, `--workflow: unknown status "DONE"`},
		{[]string{"findings", "update", id, "vigil/sha256:none/0", "--workflow", "NOTIFIED"}, `finding "vigil/sha256:none/0": not found`},
		{[]string{"findings", "update", id}, "nothing to update"},
		{[]string{"findings", "export", "--format", "xml"}, `unknown --format "xml"`},
		{[]string{"findings", "export", "--aws-account-id", "12345"}, "12-digit account id"},
	} {
		code, stdout, stderr := run(t, append(tc.args, "--data", data)...)
		if code != 1 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.args[1:], code, stdout, stderr, tc.want)
		}
		oneLine(t, stderr)
	}
	if f, h := show(); f.Workflow != f0.Workflow || f.Note != f0.Note || len(h) != len(h0) {
		t.Errorf("refused updates changed the finding: %s → %s, history %d → %d", f0.Workflow.Status, f.Workflow.Status, len(h0), len(h))
	}

	code, _, stderr = run(t, "findings", "update", id, "--data", data, "--workflow", "notified", "--note", "ticket SEC-1", "--actor", "alice")
	if code != 0 {
		t.Fatalf("findings update: exit %d: %s", code, stderr)
	}
	f1, h1 := show()
	last := h1[len(h1)-1]
	if f1.Workflow.Status != findings.WorkflowNotified || f1.Note.Text != "ticket SEC-1" || f1.Note.UpdatedBy != "alice" || last.Actor != "alice" || len(h1) != len(h0)+2 {
		t.Errorf("after update: workflow %s, note %+v, history %+v", f1.Workflow.Status, f1.Note, h1[len(h0):])
	}
	// NOTIFIED → NEW is Vigil's to make, not a user's: refused, with the
	// other id of the batch left alone too.
	other := only.Findings[len(only.Findings)-1].ID
	code, stdout, stderr = run(t, "findings", "update", other, id, "--data", data, "--workflow", "NEW", "--note", "reset")
	if code != 1 || !strings.Contains(stderr, "NEW is set by Vigil only") || stdout != "" {
		t.Errorf("update to NEW: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	oneLine(t, stderr)
	if f, h := show(); f.Workflow.Status != findings.WorkflowNotified || f.Note.Text != "ticket SEC-1" || len(h) != len(h1) {
		t.Errorf("refused update changed the finding: %s, note %q, history %d → %d", f.Workflow.Status, f.Note.Text, len(h1), len(h))
	}
	if code, stdout, _ := run(t, "findings", "show", other, "--data", data, "--json"); code != 0 || strings.Contains(stdout, "reset") {
		t.Errorf("refused batch changed its other finding %s:\n%s", other, stdout)
	}

	// Exports: every finding, in each format.
	total := len(all.Findings)
	dir := t.TempDir()
	for _, format := range exportFormats {
		file := filepath.Join(dir, "export."+format)
		if code, _, stderr := run(t, "findings", "export", "--data", data, "--format", format, "-o", file, "--aws-account-id", "123456789012", "--aws-region", "eu-west-1"); code != 0 {
			t.Fatalf("export %s: exit %d: %s", format, code, stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		switch format {
		case "asff":
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			sc.Buffer(nil, 64<<20)
			lines := 0
			for sc.Scan() {
				lines++
				var req struct{ Findings []types.AwsSecurityFinding }
				if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
					t.Fatalf("asff line %d: %v", lines, err)
				}
				if len(req.Findings) == 0 || len(req.Findings) > 100 {
					t.Errorf("asff line %d: %d findings; BatchImportFindings takes 1 to 100", lines, len(req.Findings))
				}
				for _, f := range req.Findings {
					if f.SchemaVersion == nil || f.Id == nil || f.ProductArn == nil || f.GeneratorId == nil || f.AwsAccountId == nil ||
						len(f.Types) == 0 || f.CreatedAt == nil || f.UpdatedAt == nil || f.Severity == nil || f.Title == nil || f.Description == nil || len(f.Resources) == 0 {
						t.Fatalf("asff finding %v lacks a required field", f.Id)
					}
					if *f.AwsAccountId != "123456789012" || *f.ProductArn != "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default" {
						t.Errorf("asff finding %s: account %s, product %s", *f.Id, *f.AwsAccountId, *f.ProductArn)
					}
					if p := f.FindingProviderFields; p == nil || p.Severity == nil || p.Severity.Label != f.Severity.Label || len(p.Types) == 0 {
						t.Errorf("asff finding %s: FindingProviderFields %+v do not carry the severity and types", *f.Id, p)
					}
				}
				n += len(req.Findings)
			}
			if want := (total + 99) / 100; lines != want {
				t.Errorf("asff: %d lines for %d findings, want %d", lines, total, want)
			}
		case "json":
			var fs []findings.Finding
			if err := json.Unmarshal(b, &fs); err != nil {
				t.Fatal(err)
			}
			n = len(fs)
		case "csv":
			rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(csvHeader, rows[0]); diff != "" {
				t.Errorf("csv header (-want +got):\n%s", diff)
			}
			n = len(rows) - 1
		case "sarif":
			var doc struct {
				Version string
				Runs    []struct {
					Results []struct {
						Kind                string
						PartialFingerprints map[string]string
					}
				}
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
				t.Fatalf("sarif: version %q, %d runs", doc.Version, len(doc.Runs))
			}
			for _, r := range doc.Runs[0].Results {
				if r.PartialFingerprints["vigilFindingId/v1"] == "" || (r.Kind != "fail" && r.Kind != "pass") {
					t.Errorf("sarif result %+v", r)
				}
			}
			n = len(doc.Runs[0].Results)
		}
		if n != total {
			t.Errorf("export %s: %d findings, want %d", format, n, total)
		}
		t.Logf("export %s: %d findings, %d bytes", format, n, len(b))
	}
}

// TestRecordPostgres records a scan in a PostgreSQL hub (a throwaway
// cluster) and reads it back; a first 'db update --reevaluate' has
// nothing to re-evaluate.
func TestRecordPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	data := t.TempDir()
	code, stdout, stderr := run(t, "db", "update", "--reevaluate", "--json", "--data", data, "--postgres", dsn, shareddata.Path(t, secdbOld))
	if code != 0 {
		t.Fatalf("db update --reevaluate (first install): exit %d: %s", code, stderr)
	}
	var out struct{ Reevaluation reeval.Result }
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || !out.Reevaluation.FirstInstall {
		t.Errorf("first install: %v, %+v", err, out.Reevaluation)
	}
	img := "docker-archive:" + imagePath(t, "alpine-3.10.3")
	if code, _, stderr := run(t, "scan", img, "--data", data, "--postgres", dsn, "--record", "-f", "json"); code != 0 {
		t.Fatalf("scan --record --postgres: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = run(t, "findings", "list", "--postgres", dsn, "--json", "--limit", "1000")
	if code != 0 {
		t.Fatalf("findings list --postgres: exit %d: %s", code, stderr)
	}
	var page findings.Page
	if err := json.Unmarshal([]byte(stdout), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Findings) == 0 {
		t.Fatal("no findings recorded for Alpine 3.10.3")
	}
	// A docker-archive has no manifest digest: the image id identifies it.
	for _, f := range page.Findings {
		if !strings.HasPrefix(f.ImageDigest(), "sha256:") || f.Resources[0].Type != findings.ResourceTypeContainer {
			t.Fatalf("finding %s: image %q, resource %s", f.ID, f.ImageDigest(), f.Resources[0].Type)
		}
	}
	if code, _, stderr := run(t, "findings", "list", "--postgres", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); code != 1 || !strings.Contains(stderr, "opening findings store") {
		t.Errorf("unreachable PostgreSQL: exit %d, %q", code, stderr)
	}
}

// TestASFFBatches: the asff export splits findings into request bodies of
// at most 100, and moves only placeholder-account findings to the given
// account.
func TestASFFBatches(t *testing.T) {
	ecr := findings.Finding{ID: "ecr", AwsAccountID: "111122223333", Region: "us-west-2", ProductARN: "arn:aws:securityhub:us-west-2:111122223333:product/111122223333/default"}
	var buf strings.Builder
	e := &asffExporter{w: &buf}
	rw, err := newRewriter("123456789012", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		f := findings.Finding{ID: "f" + strings.Repeat("x", i%3) + string(rune('a'+i%26)), AwsAccountID: findings.DefaultAccountID, Region: findings.DefaultRegion,
			Resources: []findings.Resource{{Type: findings.ResourceTypeContainer, Region: findings.DefaultRegion}}}
		if i == 0 {
			f = ecr
		}
		rw.apply(&f)
		if err := e.add(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.close(); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var req struct{ Findings []findings.Finding }
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		sizes = append(sizes, len(req.Findings))
		for _, f := range req.Findings {
			want := "123456789012"
			if f.ID == "ecr" {
				want = "111122223333"
			}
			if f.AwsAccountID != want || (f.ID != "ecr" && (f.Region != "eu-west-1" || f.Resources[0].Region != "eu-west-1" || f.ProductARN != "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default")) {
				t.Errorf("finding %s: account %s, region %s, product %s", f.ID, f.AwsAccountID, f.Region, f.ProductARN)
			}
		}
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	if got := csvSafe("=HYPERLINK(\"x\")"); got != "'=HYPERLINK(\"x\")" {
		t.Errorf("csvSafe = %q", got)
	}
}
