package postgres

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/vigilhq/vigil/internal/pgtest"
)

// pg is the package's throwaway cluster; each test opens a fresh database.
var pg *pgtest.Server

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		// The child of TestCrashMidWrite: it uses its parent's database
		// and is killed, so it must not start a cluster of its own.
		os.Exit(m.Run())
	}
	srv, stop, err := pgtest.StartMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pg = srv
	code := m.Run()
	stop()
	os.Exit(code)
}

// openStore opens a store on a fresh database, closed when t ends.
func openStore(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := pg.NewDatabase(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}
