package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/postgres"
	"github.com/vigilhq/vigil/internal/findings/sqlite"
	"github.com/vigilhq/vigil/internal/pgtest"
)

// backend opens fresh findings stores of one kind, and copies of them.
type backend interface {
	// open opens a new, empty store.
	open(ctx context.Context) (*handle, error)
	// clone closes h's store and opens a copy of its data as a new store
	// (h itself stays closed but can be cloned again).
	clone(ctx context.Context, h *handle) (*handle, error)
	// stop removes everything the backend made.
	stop()
}

// handle is an open store and where its data lives.
type handle struct {
	findings.Store
	// where is the SQLite data directory or the PostgreSQL database name.
	where string
	// inspect is the command that opens the store's database.
	inspect string
	// size returns the store's size on disk in bytes.
	size   func(ctx context.Context) (int64, error)
	closed bool
}

// close closes the store once.
func (h *handle) close() error {
	if h.closed {
		return nil
	}
	h.closed = true
	return h.Close()
}

// sqliteBackend keeps each store in its own data directory under dir (on
// disk: the default temporary folder is not a tmpfs here).
type sqliteBackend struct {
	dir string
}

func newSQLite(parent string) (*sqliteBackend, error) {
	dir, err := os.MkdirTemp(parent, "vigil-bench-findings-")
	if err != nil {
		return nil, fmt.Errorf("making the SQLite data folder: %w", err)
	}
	return &sqliteBackend{dir: dir}, nil
}

func (b *sqliteBackend) open(ctx context.Context) (*handle, error) {
	dir, err := os.MkdirTemp(b.dir, "store-")
	if err != nil {
		return nil, err
	}
	return b.openDir(ctx, dir)
}

func (b *sqliteBackend) openDir(ctx context.Context, dir string) (*handle, error) {
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &handle{Store: st, where: dir, inspect: "sqlite3 " + filepath.Join(dir, sqlite.FileName), size: func(context.Context) (int64, error) { return dirSize(dir) }}, nil
}

func (b *sqliteBackend) clone(ctx context.Context, h *handle) (*handle, error) {
	if err := h.close(); err != nil {
		return nil, fmt.Errorf("closing the SQLite store in %s: %w", h.where, err)
	}
	dir, err := os.MkdirTemp(b.dir, "clone-")
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the WAL into the main file;
	// copy whatever is left anyway.
	for _, suffix := range []string{"", "-wal"} {
		name := sqlite.FileName + suffix
		if err := copyFile(filepath.Join(h.where, name), filepath.Join(dir, name)); err != nil && !(suffix != "" && errors.Is(err, os.ErrNotExist)) {
			return nil, fmt.Errorf("copying the SQLite store: %w", err)
		}
	}
	return b.openDir(ctx, dir)
}

func (b *sqliteBackend) stop() { os.RemoveAll(b.dir) }

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s to %s: %w", from, to, err)
	}
	return out.Close()
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// postgresBackend is a throwaway PostgreSQL cluster (internal/pgtest:
// initdb and pg_ctl on a free loopback port, fsync off) with one database
// per store.
type postgresBackend struct {
	srv     *pgtest.Server
	stopSrv func()
	clones  int
}

func newPostgres() (*postgresBackend, error) {
	srv, stop, err := pgtest.StartMain()
	if err != nil {
		return nil, err
	}
	return &postgresBackend{srv: srv, stopSrv: stop}, nil
}

func (b *postgresBackend) open(ctx context.Context) (*handle, error) {
	dsn, err := b.srv.CreateDatabase(ctx)
	if err != nil {
		return nil, err
	}
	return b.openDSN(ctx, dsn)
}

func (b *postgresBackend) openDSN(ctx context.Context, dsn string) (*handle, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	name := cfg.Database
	return &handle{Store: st, where: name, inspect: "psql " + dsn, size: func(ctx context.Context) (int64, error) {
		var n int64
		err := b.admin(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, `SELECT pg_database_size($1)`, name).Scan(&n)
		})
		return n, err
	}}, nil
}

func (b *postgresBackend) admin(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := pgx.Connect(ctx, b.srv.AdminDSN())
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", b.srv.AdminDSN(), err)
	}
	defer c.Close(ctx)
	return fn(c)
}

// clone copies the database with CREATE DATABASE … TEMPLATE, which needs
// the template to have no connections: the store is closed first.
func (b *postgresBackend) clone(ctx context.Context, h *handle) (*handle, error) {
	if err := h.close(); err != nil {
		return nil, err
	}
	b.clones++
	name := fmt.Sprintf("clone_%d", b.clones)
	err := b.admin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+h.where)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("copying database %s: %w", h.where, err)
	}
	return b.openDSN(ctx, b.srv.DSN(name))
}

func (b *postgresBackend) stop() { b.stopSrv() }
