package headerdb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// walkSQLite reads the header blobs of an SQLite database ("SELECT blob
// FROM Packages", as go-rpmdb does), through the database/sql driver
// registered as "sqlite". SQLite needs a file: the content is written to
// the parser's temporary directory, where SQLite may add -wal and -shm
// files.
func walkSQLite(ctx context.Context, r io.ReaderAt, size int64, p *parser, rd *reader) error {
	dir, err := p.tempDir()
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "rpmdb.sqlite")
	if err := writeFile(file, io.NewSectionReader(r, 0, size)); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", file)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT blob FROM Packages")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			rd.skip(fmt.Errorf("sqlite: row %d: %w", n, err))
			continue
		}
		if err := rd.header(blob); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

func writeFile(name string, r io.Reader) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("creating a temporary file: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("writing a temporary file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing a temporary file: %w", err)
	}
	return nil
}
