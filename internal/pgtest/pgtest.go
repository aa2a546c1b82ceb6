// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb and
// pg_ctl from the newest server installed under /usr/lib/postgresql, a
// temporary folder, a free loopback port, and a fresh database per caller.
// It is for tests and benchmarks only; production code must not import it.
//
// One cluster per test binary is the cheap way to use it:
//
//	var pg *pgtest.Server
//
//	func TestMain(m *testing.M) {
//		srv, stop, err := pgtest.StartMain()
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		pg = srv
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
//
//	func TestX(t *testing.T) { dsn := pg.NewDatabase(t) … }
//
// Start(t) gives a test its own cluster instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvBin overrides the folder holding initdb, pg_ctl and postgres.
const EnvBin = "VIGIL_PGBIN"

// installHint tells the reader how to get the server binaries.
const installHint = "the PostgreSQL server is needed for this test: apt-get install -y postgresql-15 (or run scripts/deps.sh, which .ci/run calls)"

// Server is a running throwaway cluster.
type Server struct {
	// Bin is the folder of the server binaries used.
	Bin string
	// Dir holds the cluster (Dir/data), its log (Dir/log) and its socket.
	Dir string
	// Port is the loopback TCP port the server listens on.
	Port int
	// runAs is the user the server runs as when the process is root.
	runAs string
}

// Start starts a cluster that lives until t ends. It fails the test, never
// skips it, when the server binaries are missing or the cluster won't start.
func Start(t testing.TB) *Server {
	t.Helper()
	s, stop, err := StartMain()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// StartMain starts a cluster for a whole test binary (call it from TestMain).
// The returned stop function stops the cluster and removes its folder; it is
// safe to call more than once.
func StartMain() (*Server, func(), error) {
	bin, err := FindBin()
	if err != nil {
		return nil, nil, err
	}
	if err := checkDevNull(); err != nil {
		return nil, nil, err
	}
	reapOrphans()
	s := &Server{Bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		s.runAs = "postgres"
	}
	// The server's Unix socket lives in Dir: keep its path under the
	// 107-byte limit even with a long $TMPDIR.
	parent := os.TempDir()
	if len(parent) > 60 {
		parent = "/tmp"
	}
	s.Dir, err = os.MkdirTemp(parent, "pgtest-")
	if err != nil {
		return nil, nil, fmt.Errorf("pgtest: making the cluster folder: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(s.Dir)
		return nil, nil, fmt.Errorf("pgtest: recording the owner of %s: %w", s.Dir, err)
	}
	if err := s.chown(); err != nil {
		os.RemoveAll(s.Dir)
		return nil, nil, err
	}
	if err := s.initdb(); err != nil {
		os.RemoveAll(s.Dir)
		return nil, nil, err
	}
	// A free port can be taken between our probe and the server's bind:
	// try a few.
	for attempt := 0; ; attempt++ {
		s.Port, err = freePort()
		if err == nil {
			err = s.start()
		}
		if err == nil {
			break
		}
		if attempt == 2 {
			s.stop()
			return nil, nil, err
		}
	}
	var once sync.Once
	return s, func() { once.Do(s.stop) }, nil
}

// stop stops the server, if it runs, and removes the cluster's folder.
func (s *Server) stop() {
	if _, err := os.Stat(filepath.Join(s.dataDir(), "postmaster.pid")); err == nil {
		_ = s.run("pg_ctl", "-D", s.dataDir(), "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(s.Dir)
}

// FindBin returns the server binaries' folder: $VIGIL_PGBIN, or the newest
// /usr/lib/postgresql/<major>/bin holding initdb.
func FindBin() (string, error) {
	if d := os.Getenv(EnvBin); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("pgtest: %s=%s has no initdb (%s): %w", EnvBin, d, installHint, err)
		}
		return d, nil
	}
	return findBinIn("/usr/lib/postgresql")
}

// findBinIn returns the newest root/<major>/bin holding initdb and pg_ctl.
func findBinIn(root string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(root, "*", "bin", "initdb"))
	type cand struct {
		major int
		dir   string
	}
	var cands []cand
	for _, m := range matches {
		dir := filepath.Dir(m)
		major, err := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err != nil {
			continue
		}
		cands = append(cands, cand{major, dir})
	}
	if len(cands) == 0 {
		return "", fmt.Errorf("pgtest: no initdb under %s/*/bin: %s", root, installHint)
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].major > cands[j].major })
	return cands[0].dir, nil
}

// AdminDSN is the DSN of the cluster's postgres database as the superuser.
func (s *Server) AdminDSN() string { return s.DSN("postgres") }

// DSN is the pgx connection string for database db on the cluster.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// CreateDatabase creates a fresh, uniquely named database and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := "t_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, s.AdminDSN())
	if err != nil {
		return "", fmt.Errorf("pgtest: connecting to %s: %w", s.AdminDSN(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: creating database %s: %w", name, err)
	}
	return s.DSN(name), nil
}

// NewDatabase creates a fresh database for t and returns its DSN; it fails
// the test when it can't.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := s.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }
func (s *Server) logPath() string { return filepath.Join(s.Dir, "log") }

func (s *Server) chown() error {
	if s.runAs == "" {
		return nil
	}
	u, err := user.Lookup(s.runAs)
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs the %q user that the PostgreSQL packages create (%s): %w", s.runAs, installHint, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.Dir, uid, gid); err != nil {
		return fmt.Errorf("pgtest: chown %s to %s: %w", s.Dir, s.runAs, err)
	}
	return nil
}

func (s *Server) initdb() error {
	// --no-sync and the C locale: fast, and byte-order collation like
	// SQLite's BINARY.
	err := s.run("initdb", "-D", s.dataDir(), "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if err != nil {
		return fmt.Errorf("pgtest: initdb in %s: %w", s.Dir, err)
	}
	return nil
}

func (s *Server) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off", s.Port, s.Dir)
	if err := s.run("pg_ctl", "-D", s.dataDir(), "-l", s.logPath(), "-o", opts, "-t", "60", "-w", "start"); err != nil {
		log, _ := os.ReadFile(s.logPath())
		return fmt.Errorf("pgtest: starting the cluster on port %d: %w\nserver log:\n%s", s.Port, err, tail(string(log), 2000))
	}
	return nil
}

// run runs a server binary, as s.runAs when set, and returns its output in
// the error when it fails.
func (s *Server) run(prog string, args ...string) error {
	path := filepath.Join(s.Bin, prog)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	// The postgres user may not be able to enter the test's directory.
	cmd.Dir = s.Dir
	// pg_ctl -l sends the server's output to the log, so the pipes close
	// when pg_ctl exits.
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, tail(string(out), 2000))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// ownerFile, in a cluster's folder, holds the pid of the test binary that
// started it.
const ownerFile = "owner.pid"

// reapOrphans stops and removes the clusters left by test binaries that died
// before their cleanup ran (go test -timeout kills them), found by their
// owner file naming a process that no longer exists.
func reapOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pgtest-*"))
	if os.TempDir() != "/tmp" {
		more, _ := filepath.Glob("/tmp/pgtest-*")
		dirs = append(dirs, more...)
	}
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processExists(pid) {
			continue
		}
		s := &Server{Dir: dir}
		if bin, err := FindBin(); err == nil {
			s.Bin = bin
		}
		if os.Geteuid() == 0 {
			s.runAs = "postgres"
		}
		if _, err := os.Stat(filepath.Join(s.dataDir(), "postmaster.pid")); err == nil && s.Bin != "" {
			_ = s.run("pg_ctl", "-D", s.dataDir(), "-m", "immediate", "-w", "stop")
		}
		os.RemoveAll(dir)
	}
}

func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// checkDevNull fails early, and clearly, when /dev/null is not the null
// device: initdb's shell commands redirect to it and fail obscurely
// otherwise (a program that renames a file onto an output path of
// /dev/null replaces the device with a root-only regular file).
func checkDevNull() error {
	fi, err := os.Stat(os.DevNull)
	if err != nil {
		return fmt.Errorf("pgtest: %s: %w", os.DevNull, err)
	}
	if fi.Mode()&os.ModeCharDevice == 0 || fi.Mode().Perm()&0o006 != 0o006 {
		return fmt.Errorf("pgtest: %s is not the null device (mode %v), so initdb would fail: a program replaced it; restore it as root with: mknod -m 666 /dev/null.new c 1 3 && mv /dev/null.new /dev/null", os.DevNull, fi.Mode())
	}
	return nil
}
