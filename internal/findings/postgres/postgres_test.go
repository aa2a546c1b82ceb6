package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/storetest"
)

var timeCmp = cmpopts.EquateApproxTime(0)

func hours(h float64) time.Time { return storetest.T0.Add(time.Duration(h * float64(time.Hour))) }

// within runs fn and reports whether it returned within d; it keeps
// running otherwise, and done is closed when it returns.
func within(d time.Duration, fn func()) (ok bool, done chan struct{}) {
	done = make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
		return true, done
	case <-time.After(d):
		return false, done
	}
}

// TestLocking pauses a scan of image A in the middle of its transaction
// (rows written, not committed) and checks who waits for it: readers and
// a scan of image B do not and see A's previous state; a second scan of A
// and an exception do, and run once A commits, in order.
func TestLocking(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	a, b := storetest.SyntheticImage("lock", "a"), storetest.SyntheticImage("lock", "b")
	if _, err := s.ApplyScan(ctx, storetest.SyntheticScan(t, a, hours(0), storetest.ManyVulns(10, "old"))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyScan(ctx, storetest.SyntheticScan(t, b, hours(0), storetest.ManyVulns(10, "old"))); err != nil {
		t.Fatal(err)
	}
	before := storetest.Snapshot(t, s, []string{a.Digest}, nil)

	paused, release := make(chan struct{}), make(chan struct{})
	// Only the first chunk written pauses (sync.Once would make the other
	// writers wait too).
	var first atomic.Bool
	testHookChunkWritten = func(int) {
		if first.CompareAndSwap(false, true) {
			close(paused)
			<-release
		}
	}
	defer func() { testHookChunkWritten = nil }()

	scanA1 := storetest.SyntheticScan(t, a, hours(1), storetest.ManyVulns(20, "a1"))
	var errA1 error
	_, doneA1 := within(0, func() { _, errA1 = s.ApplyScan(ctx, scanA1) })
	select {
	case <-paused:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan of A never reached its first written chunk")
	}

	// Not blocked: readers, and a writer of another image.
	var readErr error
	var during storetest.State
	if ok, _ := within(5*time.Second, func() {
		during = storetest.Snapshot(t, s, []string{a.Digest}, nil)
	}); !ok {
		t.Fatal("reading A waited for the scan of A")
	}
	if diff := cmp.Diff(before, during, timeCmp); diff != "" {
		t.Errorf("readers saw the uncommitted scan of A (-before +during):\n%s", diff)
	}
	if ok, _ := within(5*time.Second, func() {
		_, readErr = s.ApplyScan(ctx, storetest.SyntheticScan(t, b, hours(1), storetest.ManyVulns(12, "b1")))
	}); !ok {
		t.Fatal("a scan of B waited for the scan of A")
	}
	if readErr != nil {
		t.Fatal(readErr)
	}

	// Blocked: another scan of A, and an exception.
	scanA2 := storetest.SyntheticScan(t, a, hours(2), storetest.ManyVulns(5, "a2"))
	var chA2 findings.Changes
	var errA2 error
	okA2, doneA2 := within(500*time.Millisecond, func() { chA2, errA2 = s.ApplyScan(ctx, scanA2) })
	if okA2 {
		t.Error("a second scan of A did not wait for the first")
	}
	exc := findings.Exception{ID: "EXC-1", Owner: "alice", Reason: "test", Scope: findings.ExceptionScope{ImageDigest: b.Digest}}
	var errExc error
	okExc, doneExc := within(200*time.Millisecond, func() { errExc = s.PutException(ctx, exc, findings.By{Actor: "alice", At: hours(3)}) })
	if okExc {
		t.Error("putting an exception did not wait for the scan of A")
	}

	close(release)
	for _, d := range []chan struct{}{doneA1, doneA2, doneExc} {
		select {
		case <-d:
		case <-time.After(20 * time.Second):
			t.Fatal("writers did not finish after the scan of A was released")
		}
	}
	for _, err := range []error{errA1, errA2, errExc} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The second scan of A saw the first: it resolves A1's 20 findings.
	if len(chA2.Created) != 5 || len(chA2.Resolved) != 20 {
		t.Errorf("second scan of A: created %d, resolved %d; want 5, 20 (it must run after the first)", len(chA2.Created), len(chA2.Resolved))
	}
	sum, err := s.Summary(ctx, a.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.EvaluatedAt.Equal(hours(2)) {
		t.Errorf("summary of A evaluated at %s, want %s", sum.EvaluatedAt, hours(2))
	}
}

const crashEnv = "VIGIL_PG_CRASH_DSN"

// TestCrashMidWrite kills a process in the middle of ApplyScan (after its
// first chunk of rows) and checks that the database shows the state
// before, and that the next writer of that image is not left waiting.
func TestCrashMidWrite(t *testing.T) {
	img := storetest.SyntheticImage("crash", "1.0")
	next := storetest.NextScan(t, img, 2500)
	if dsn := os.Getenv(crashEnv); dsn != "" {
		// The child: write until the first chunk, then die.
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		testHookChunkWritten = func(int) { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
		_, err = s.ApplyScan(context.Background(), next)
		t.Fatalf("ApplyScan returned (%v) instead of being killed", err)
	}
	s, dsn := openStore(t)
	storetest.WriteBase(t, s, img)
	before := storetest.Snapshot(t, s, []string{img.Digest}, storetest.AtomicityRefs)

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidWrite$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dsn)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed mid-write: %v\n%s", err, out)
	}

	if diff := cmp.Diff(before, storetest.Snapshot(t, s, []string{img.Digest}, storetest.AtomicityRefs), timeCmp); diff != "" {
		t.Fatalf("state after the crash (-before +after):\n%s", diff)
	}
	// A reopened store applies the same scan: the dead transaction's locks
	// are gone.
	s2, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := s2.ApplyScan(ctx, next)
	if err != nil {
		t.Fatalf("ApplyScan after the crash: %v", err)
	}
	if len(ch.Created) != 2500 || len(ch.Resolved) != 30 {
		t.Errorf("ApplyScan after the crash: created %d, resolved %d; want 2500, 30", len(ch.Created), len(ch.Resolved))
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := pg.NewDatabase(t)
	// Concurrent first opens migrate once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	versions := func() []int {
		rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		v, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := make([]int, len(migrations))
	for i := range want {
		want[i] = i + 1
	}
	if diff := cmp.Diff(want, versions()); diff != "" {
		t.Errorf("schema versions (-want +got):\n%s", diff)
	}
	// Reopening changes nothing.
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if diff := cmp.Diff(want, versions()); diff != "" {
		t.Errorf("schema versions after reopening (-want +got):\n%s", diff)
	}
	// A database from a newer Vigil is refused.
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations VALUES ($1, 0)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this Vigil") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema: %v, want a refusal", err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); err == nil || !strings.Contains(err.Error(), "opening findings store on 127.0.0.1:1/none") {
		t.Errorf("Open of an unreachable database: %v", err)
	}
	if _, err := Open(ctx, "postgres://%zz"); err == nil {
		t.Error("Open of a malformed DSN succeeded")
	}
}

// TestAwkwardStrings stores what PostgreSQL text cannot hold as is (NUL,
// invalid UTF-8) and values longer than a btree entry: the scan is
// stored, and filters with the values as given find the finding.
func TestAwkwardStrings(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	img := storetest.SyntheticImage("awkward", "1")
	scan := storetest.SyntheticScan(t, img, hours(0), storetest.ManyVulns(6, "w"))
	random := make([]byte, 6000)
	rand.Read(random)
	long := base64.StdEncoding.EncodeToString(random) // ~8 kB, incompressible
	names := []string{"nul\x00name", "bad\xffutf8", long}
	for i, name := range names {
		f := &scan.Findings[i]
		f.Vulnerabilities[0].VulnerablePackages[0].Name = name
		f.Description = "desc " + name
		f.ProductFields[findings.ProductFieldPackageURL] = "pkg:apk/alpine/" + name
	}
	if _, err := s.ApplyScan(ctx, scan); err != nil {
		t.Fatalf("ApplyScan: %v", err)
	}
	for i, name := range names {
		for _, f := range []findings.Filter{
			{Field: findings.FieldPackageName, Values: []string{name}},
			{Field: findings.FieldPackageURL, Values: []string{"pkg:apk/alpine/" + name}},
		} {
			p, err := s.GetFindings(ctx, findings.Query{Filters: []findings.Filter{f}})
			if err != nil {
				t.Fatalf("GetFindings %s %q: %v", f.Field, trim(name), err)
			}
			if len(p.Findings) != 1 || p.Findings[0].ID != scan.Findings[i].ID {
				t.Errorf("GetFindings %s %q: %d findings, want %s", f.Field, trim(name), len(p.Findings), scan.Findings[i].ID)
			}
		}
	}
	// The long value comes back whole (only its column is cut).
	p, err := s.GetFindings(ctx, findings.Query{Filters: []findings.Filter{{Field: findings.FieldID, Values: []string{scan.Findings[2].ID}}}})
	if err != nil || len(p.Findings) != 1 {
		t.Fatal(err, p)
	}
	if got := p.Findings[0].PackageName(); got != long {
		t.Errorf("long package name came back as %d bytes, want %d", len(got), len(long))
	}
	// Sorting by the awkward column pages through every finding once.
	var got []string
	q := findings.Query{Sort: findings.Sort{Field: findings.SortPackageName}, Limit: 2}
	for {
		p, err := s.GetFindings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Findings {
			got = append(got, f.ID)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if len(got) != len(scan.Findings) {
		t.Errorf("paging by package name gave %d findings, want %d", len(got), len(scan.Findings))
	}
	// An exception scoped by the NUL name suppresses its finding.
	exc := findings.Exception{ID: "EXC-NUL", Owner: "o", Reason: "r", Scope: findings.ExceptionScope{PackageName: names[0]}}
	if err := s.PutException(ctx, exc, findings.By{Actor: "o", At: hours(1)}); err != nil {
		t.Fatal(err)
	}
	p, err = s.GetFindings(ctx, findings.Query{Filters: []findings.Filter{{Field: findings.FieldWorkflowStatus, Values: []string{"SUPPRESSED"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Findings) != 1 || p.Findings[0].ID != scan.Findings[0].ID {
		t.Errorf("suppressed findings: %d, want %s", len(p.Findings), scan.Findings[0].ID)
	}
}

func trim(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

func TestText(t *testing.T) {
	long := strings.Repeat("é", maxColumn) // 2 bytes a rune
	for _, tc := range []struct{ in, text, column string }{
		{"plain", "plain", "plain"},
		{"a\x00b", "a\uFFFDb", "a\uFFFDb"},
		{"a\xff\xfeb", "a\uFFFD\uFFFDb", "a\uFFFD\uFFFDb"},
		{"ok é", "ok é", "ok é"},
		{long, long, long[:maxColumn]},
		{"x" + long, "x" + long, "x" + long[:maxColumn-2]},
	} {
		if got := text(tc.in); got != tc.text {
			t.Errorf("text(%q) = %q, want %q", trim(tc.in), trim(got), trim(tc.text))
		}
		if got := column(tc.in); got != tc.column {
			t.Errorf("column(%q) = %d bytes, want %d", trim(tc.in), len(got), len(tc.column))
		}
	}
}

func TestJSONDoc(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"a\x00b", `"a\ufffdb"`},
		{`a\u0000b`, `"a\\u0000b"`}, // a backslash, then "u0000": kept
		{"\\\x00", `"\\\ufffd"`},
		{map[string]string{"k": "v"}, `{"k":"v"}`},
	} {
		got, err := jsonDoc(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("jsonDoc(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
