package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

func TestStartConnectStop(t *testing.T) {
	ctx := context.Background()
	t0 := time.Now()
	s, stop, err := StartMain()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	t.Logf("cluster started in %v (bin %s)", time.Since(t0), s.Bin)

	dsn := s.NewDatabase(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", dsn, err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE kv (k text PRIMARY KEY, v jsonb NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO kv VALUES ('b', '{"n": 2}'), ('a', '{"n": 1}'), ('B', '{"n": 3}')`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT k FROM kv ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// The C locale sorts by bytes, like SQLite's BINARY collation.
	if diff := cmp.Diff([]string{"B", "a", "b"}, got); diff != "" {
		t.Errorf("ORDER BY k (-want +got):\n%s", diff)
	}

	// Each call gets its own database: the table is not in the next one.
	other, err := pgx.Connect(ctx, s.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := other.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'kv'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a fresh database holds table kv from another database")
	}
	other.Close(ctx)
	conn.Close(ctx)

	dir := s.Dir
	stop()
	stop() // twice is harmless
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster folder %s still there after stop: %v", dir, err)
	}
	ctx2, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx2, dsn); err == nil {
		c.Close(ctx)
		t.Errorf("server still accepts connections after stop")
	}
}

func TestStartFailsWithoutBinaries(t *testing.T) {
	t.Setenv(EnvBin, t.TempDir())
	_, _, err := StartMain()
	if err == nil {
		t.Fatal("StartMain with no initdb succeeded")
	}
	if want := "apt-get install -y postgresql-15"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestFindBinNewest(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"9/bin/initdb", "9/bin/pg_ctl", "15/bin/initdb", "15/bin/pg_ctl", "16/bin/initdb", "common/bin/initdb"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := findBinIn(root)
	if err != nil {
		t.Fatal(err)
	}
	// 16 has no pg_ctl; 15 beats 9 numerically.
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("findBinIn = %s, want %s", got, want)
	}
	if _, err := findBinIn(t.TempDir()); err == nil || !strings.Contains(err.Error(), "apt-get install -y postgresql-15") {
		t.Errorf("findBinIn(empty) error = %v, want one saying how to install", err)
	}
}

func TestReapOrphans(t *testing.T) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	// Pid 2^22+1 is above Linux's pid_max: no such process.
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte("4194305"), 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(live)
	if err := os.WriteFile(filepath.Join(live, ownerFile), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	reapOrphans()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("orphan %s not removed: %v", dir, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live cluster folder %s removed: %v", live, err)
	}
}
