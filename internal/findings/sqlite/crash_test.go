package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/storetest"
)

// The crash test re-executes this test binary as a helper process (the
// standard Go pattern): the helper applies a large scan and is killed with
// SIGKILL, either at a chosen row of the write (a test hook that stops
// it there) or after a delay.
const (
	crashDirEnv  = "VIGIL_FINDINGS_CRASH_DIR"
	crashModeEnv = "VIGIL_FINDINGS_CRASH_MODE"
	crashSize    = 4000
	crashRow     = 1500
)

var crashImage = storetest.SyntheticImage("crash", "1.0")

// TestCrashHelper is the helper process; it does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		return
	}
	s, err := Open(context.Background(), dir)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	scan := storetest.NextScan(t, crashImage, crashSize)
	if os.Getenv(crashModeEnv) == "hook" {
		testHookRowWritten = func(n int) {
			if n == crashRow {
				fmt.Println("MIDWAY")
				select {} // wait for SIGKILL inside the transaction
			}
		}
	}
	fmt.Println("START")
	if _, err := s.ApplyScan(context.Background(), scan); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("DONE")
	os.Exit(0)
}

func crashState(t *testing.T, dir string) storetest.State {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer s.Close()
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(new(string)); err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	return storetest.Snapshot(t, s, []string{crashImage.Digest}, storetest.AtomicityRefs)
}

// TestCrashMidWrite kills a process in the middle of ApplyScan: after
// reopening, the store holds exactly the state before the scan or exactly
// the state after it, never a mix.
func TestCrashMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	// The two acceptable states, from stores that were not interrupted.
	oldDir, newDir := t.TempDir(), t.TempDir()
	for _, d := range []string{oldDir, newDir} {
		s, err := Open(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		storetest.WriteBase(t, s, crashImage)
		if d == newDir {
			if _, err := s.ApplyScan(context.Background(), storetest.NextScan(t, crashImage, crashSize)); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	oldState, newState := crashState(t, oldDir), crashState(t, newDir)
	if cmp.Equal(oldState, newState, cmpopts.EquateApproxTime(0)) {
		t.Fatal("the scan changes nothing: the test would prove nothing")
	}

	runs := []struct {
		mode  string
		delay time.Duration
	}{{"hook", 0}, {"timed", 0}, {"timed", 30 * time.Millisecond}, {"timed", 120 * time.Millisecond}, {"timed", 400 * time.Millisecond}, {"timed", 2 * time.Second}}
	for _, r := range runs {
		t.Run(fmt.Sprintf("%s-%s", r.mode, r.delay), func(t *testing.T) {
			dir := t.TempDir()
			copyStore(t, oldDir, dir)
			got := killHelper(t, dir, r.mode, r.delay)
			state := crashState(t, dir)
			isOld := cmp.Equal(oldState, state, cmpopts.EquateApproxTime(0))
			isNew := cmp.Equal(newState, state, cmpopts.EquateApproxTime(0))
			t.Logf("helper printed %q before the kill; state after reopening: old=%v new=%v", got, isOld, isNew)
			switch {
			case r.mode == "hook" && !isOld:
				t.Errorf("killed inside the transaction, but the state is not the old one:\n%s", cmp.Diff(oldState, state, cmpopts.EquateApproxTime(0)))
			case !isOld && !isNew:
				t.Errorf("state is neither the old nor the new one (-old +got):\n%s", cmp.Diff(oldState, state, cmpopts.EquateApproxTime(0)))
			}
		})
	}
}

// killHelper runs the helper on dir, SIGKILLs it (at MIDWAY in hook mode,
// delay after START otherwise) and returns the lines it printed.
func killHelper(t *testing.T, dir, mode string, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashModeEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	want := "START"
	if mode == "hook" {
		want = "MIDWAY"
	}
	var got []string
	timeout := time.After(20 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break wait
			}
			got = append(got, l)
			if strings.HasPrefix(l, "ERROR") {
				t.Fatalf("helper: %s", l)
			}
			if l == want {
				break wait
			}
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("helper did not print %s in 20s (printed %q)", want, got)
		}
	}
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil {
		t.Logf("kill: %v (the helper may have finished)", err)
	}
	cmd.Wait()
	for l := range lines {
		got = append(got, l)
	}
	return got
}

// copyStore copies a closed store's files.
func copyStore(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadersDuringWrite: while a write transaction is open (stopped
// mid-write by the hook), readers are not blocked and see the last
// committed state.
func TestReadersDuringWrite(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	img := storetest.SyntheticImage("readers", "1.0")
	storetest.WriteBase(t, s, img)
	before := storetest.Snapshot(t, s, []string{img.Digest}, storetest.AtomicityRefs)

	paused, resume := make(chan struct{}), make(chan struct{})
	testHookRowWritten = func(n int) {
		if n == 100 {
			close(paused)
			<-resume
		}
	}
	defer func() { testHookRowWritten = nil }()
	done := make(chan error, 1)
	go func() {
		_, err := s.ApplyScan(ctx, storetest.NextScan(t, img, 300))
		done <- err
	}()
	select {
	case <-paused:
	case err := <-done:
		t.Fatalf("ApplyScan finished before the hook: %v", err)
	}
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.GetFindings(readCtx, findings.Query{Limit: 10}); err != nil {
		t.Fatalf("reading while a write is open: %v", err)
	}
	during := storetest.Snapshot(t, s, []string{img.Digest}, storetest.AtomicityRefs)
	if diff := cmp.Diff(before, during, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("readers see an uncommitted write (-before +during):\n%s", diff)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatalf("ApplyScan: %v", err)
	}
	sum, err := s.Summary(ctx, img.Digest)
	if err != nil || !sum.EvaluatedAt.Equal(time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("summary after the write: %v %v, want evaluated at the scan's time", sum.EvaluatedAt, err)
	}
}

// TestMigrations: a new store records the latest version; reopening
// migrates nothing; a database from a newer Vigil is refused.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var v, n int
	if err := s.db.QueryRow(`SELECT MAX(version), COUNT(*) FROM schema_migrations`).Scan(&v, &n); err != nil {
		t.Fatal(err)
	}
	if v != len(migrations) || n != len(migrations) {
		t.Errorf("schema_migrations: max %d, %d rows; want %d", v, n, len(migrations))
	}
	s.Close()
	if s, err = Open(ctx, dir); err != nil {
		t.Fatalf("reopening: %v", err)
	}
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Errorf("after reopening: %d migrations recorded (%v), want %d", n, err, len(migrations))
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("opening a database of a newer schema: %v, want an error saying so", err)
	}
}
