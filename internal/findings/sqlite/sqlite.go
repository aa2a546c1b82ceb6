// Package sqlite is the embedded findings.Store: one SQLite file
// (findings.sqlite) in Vigil's data directory, through modernc.org/sqlite
// (pure Go).
//
// The database runs in WAL mode: readers never wait for the writer and see
// the last committed state. Each change (a scan, an update, an exception)
// is one write transaction, begun IMMEDIATE so that it holds the write
// lock from its first statement; writers take turns (an in-process lock,
// and a busy timeout across processes). A crash at any point leaves the
// last committed state: SQLite's WAL makes each transaction atomic.
//
// The findings' lifecycle is the pure code of package findings; this
// package only loads, writes and indexes.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	// The "sqlite" database/sql driver, pure Go (also registered by the
	// rpm cataloger and vulndb; importing it again is harmless).
	_ "modernc.org/sqlite"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// FileName is the database's name in the data directory.
const FileName = "findings.sqlite"

// BusyTimeout is how long a writer waits for another process's write
// transaction before failing with SQLITE_BUSY.
const BusyTimeout = 30 * time.Second

// Store is a findings.Store in one SQLite file.
type Store struct {
	db   *sql.DB
	path string
	// wmu serializes this process's writers (SQLite allows one at a time;
	// waiting here is cheaper than the busy handler's polling).
	wmu sync.Mutex
}

var _ findings.Store = (*Store)(nil)

// testHookRowWritten, when set by a test, is called after each finding row
// a write transaction writes (the crash-injection test kills the process
// there).
var testHookRowWritten func(n int)

// Open opens (creating when missing) the store in the data directory dir
// and migrates its schema.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening findings store: creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	dsn := "file:" + uriEscape(path) + fmt.Sprintf("?_txlock=immediate&_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)", BusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening findings store %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := migrate(ctx, db, path); err != nil {
		db.Close()
		return nil, err
	}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("opening findings store %s: journal mode %q, want WAL (%v)", path, mode, err)
	}
	return &Store{db: db, path: path}, nil
}

var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func uriEscape(p string) string { return uriEscaper.Replace(p) }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// write runs fn in one write transaction.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %s: begin: %w", op, s.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %s: commit: %w", op, s.path, err)
	}
	return nil
}

// imageRow is what the images table holds of an image.
type imageRow struct {
	summary findings.Summary
	exists  bool
}

func loadImage(ctx context.Context, tx *sql.Tx, digest string) (imageRow, error) {
	var doc string
	err := tx.QueryRowContext(ctx, `SELECT summary FROM images WHERE digest = ?`, digest).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return imageRow{}, nil
	}
	if err != nil {
		return imageRow{}, fmt.Errorf("reading image %s: %w", digest, err)
	}
	var r imageRow
	if err := json.Unmarshal([]byte(doc), &r.summary); err != nil {
		return imageRow{}, fmt.Errorf("decoding summary of image %s: %w", digest, err)
	}
	r.exists = true
	return r, nil
}

// txn is a write transaction as sqlstore uses it.
type txn struct{ tx *sql.Tx }

var _ sqlstore.Tx = txn{}

func (t txn) Findings(ctx context.Context, digest string) ([]findings.Finding, error) {
	return loadFindings(ctx, t.tx, `image_digest = ?`, digest)
}

func (t txn) Image(ctx context.Context, digest string) (findings.Summary, bool, error) {
	img, err := loadImage(ctx, t.tx, digest)
	return img.summary, img.exists, err
}

func (t txn) Exceptions(ctx context.Context) ([]findings.Exception, error) {
	return loadExceptions(ctx, t.tx)
}

func (t txn) WritePlan(ctx context.Context, digest string, plan findings.Plan, sum findings.Summary, inv []byte, refs []vulndb.PackageRef, newInventory bool) error {
	return writePlan(ctx, t.tx, digest, plan, sum, inv, refs, newInventory)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func loadFindings(ctx context.Context, q queryer, where string, args ...any) ([]findings.Finding, error) {
	rows, err := q.QueryContext(ctx, `SELECT doc FROM findings WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []findings.Finding
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var f findings.Finding
		if err := json.Unmarshal([]byte(doc), &f); err != nil {
			return nil, fmt.Errorf("decoding stored finding: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadExceptions(ctx context.Context, q queryer) ([]findings.Exception, error) {
	rows, err := q.QueryContext(ctx, `SELECT doc FROM exceptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading exceptions: %w", err)
	}
	defer rows.Close()
	var out []findings.Exception
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var e findings.Exception
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, fmt.Errorf("decoding stored exception: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const upsertFinding = `INSERT INTO findings (id, image_digest, severity_label, severity_rank, workflow_status, record_state,
	compliance_status, repository, package_name, package_url, vulnerability_id, vulnerability_ids, suppressed_by,
	created_at, updated_at, first_observed_at, last_observed_at, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET image_digest = excluded.image_digest, severity_label = excluded.severity_label,
	severity_rank = excluded.severity_rank, workflow_status = excluded.workflow_status, record_state = excluded.record_state,
	compliance_status = excluded.compliance_status, repository = excluded.repository, package_name = excluded.package_name,
	package_url = excluded.package_url, vulnerability_id = excluded.vulnerability_id,
	vulnerability_ids = excluded.vulnerability_ids, suppressed_by = excluded.suppressed_by,
	created_at = excluded.created_at, updated_at = excluded.updated_at, first_observed_at = excluded.first_observed_at,
	last_observed_at = excluded.last_observed_at, doc = excluded.doc`

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// vulnerabilityIDs is the vulnerability_ids column: " ID ALIAS… ".
func vulnerabilityIDs(f *findings.Finding) string {
	ids := []string{f.VulnerabilityID()}
	if len(f.Vulnerabilities) > 0 {
		ids = append(ids, f.Vulnerabilities[0].RelatedVulnerabilities...)
	}
	return " " + strings.Join(ids, " ") + " "
}

// writePlan writes a plan's findings and history and the image's summary
// (and, when inv is not nil, its inventory and package index).
func writePlan(ctx context.Context, tx *sql.Tx, digest string, plan findings.Plan, sum findings.Summary, inv []byte, refs []vulndb.PackageRef, newInventory bool) error {
	sumDoc, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	if newInventory {
		_, err = tx.ExecContext(ctx, `INSERT INTO images (digest, summary, inventory, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (digest) DO UPDATE SET summary = excluded.summary, inventory = excluded.inventory, updated_at = excluded.updated_at`,
			digest, string(sumDoc), inv, nanos(sum.EvaluatedAt))
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO images (digest, summary, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (digest) DO UPDATE SET summary = excluded.summary, updated_at = excluded.updated_at`,
			digest, string(sumDoc), nanos(sum.EvaluatedAt))
	}
	if err != nil {
		return fmt.Errorf("writing image %s: %w", digest, err)
	}
	if err := writeFindings(ctx, tx, plan.Upserts); err != nil {
		return err
	}
	if err := writeHistory(ctx, tx, plan.History); err != nil {
		return err
	}
	if newInventory {
		if _, err := tx.ExecContext(ctx, `DELETE FROM package_index WHERE image_digest = ?`, digest); err != nil {
			return fmt.Errorf("writing package index of %s: %w", digest, err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO package_index (namespace, package, image_digest) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range refs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, r.Namespace, r.Package, digest); err != nil {
				return fmt.Errorf("writing package index of %s: %s/%s: %w", digest, r.Namespace, r.Package, err)
			}
		}
	}
	return nil
}

func writeFindings(ctx context.Context, tx *sql.Tx, fs []findings.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, upsertFinding)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range fs {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := &fs[i]
		doc, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("encoding finding %q: %w", f.ID, err)
		}
		_, err = stmt.ExecContext(ctx, f.ID, f.ImageDigest(), string(f.Severity.Label), f.Severity.Label.Rank(),
			string(f.Workflow.Status), string(f.RecordState), string(f.Compliance.Status), f.Repository(),
			f.PackageName(), f.PackageURL(), f.VulnerabilityID(), vulnerabilityIDs(f), f.ProductFields[findings.ProductFieldSuppressedBy],
			nanos(f.CreatedAt), nanos(f.UpdatedAt), nanos(f.FirstObservedAt), nanos(f.LastObservedAt), string(doc))
		if err != nil {
			return fmt.Errorf("writing finding %q: %w", f.ID, err)
		}
		if testHookRowWritten != nil {
			testHookRowWritten(i + 1)
		}
	}
	return nil
}

func writeHistory(ctx context.Context, tx *sql.Tx, hs []findings.HistoryEntry) error {
	if len(hs) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO history (finding_id, at, actor, field, from_value, to_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, h := range hs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, h.FindingID, nanos(h.At), h.Actor, h.Field, h.From, h.To, h.Reason); err != nil {
			return fmt.Errorf("writing history of %q: %w", h.FindingID, err)
		}
	}
	return nil
}

// ApplyScan implements findings.Store.
func (s *Store) ApplyScan(ctx context.Context, scan findings.ImageScan) (findings.Changes, error) {
	by, inv, refs, err := sqlstore.PrepareScan(scan)
	if err != nil {
		return findings.Changes{}, err
	}
	digest := scan.Image.Digest
	var ch findings.Changes
	err = s.write(ctx, "applying scan of "+digest, func(tx *sql.Tx) error {
		ch, err = sqlstore.ApplyScan(ctx, txn{tx}, scan, by, inv, refs)
		return err
	})
	if err != nil {
		return findings.Changes{}, err
	}
	return ch, nil
}

// resummarize recomputes the summaries of images after user updates.
func resummarize(ctx context.Context, tx *sql.Tx, digests map[string]bool, at time.Time) error {
	for _, d := range sqlstore.SortedKeys(digests) {
		img, err := loadImage(ctx, tx, d)
		if err != nil {
			return err
		}
		if !img.exists {
			continue
		}
		fs, err := loadFindings(ctx, tx, `image_digest = ?`, d)
		if err != nil {
			return fmt.Errorf("reading findings of %s: %w", d, err)
		}
		sum := findings.Summarize(img.summary.Image, fs, img.summary.Policy, img.summary.VulnDB, at)
		doc, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE images SET summary = ?, updated_at = ? WHERE digest = ?`, string(doc), nanos(at), d); err != nil {
			return fmt.Errorf("writing summary of %s: %w", d, err)
		}
	}
	return nil
}

// BatchUpdateFindings implements findings.Store.
func (s *Store) BatchUpdateFindings(ctx context.Context, ids []string, u findings.Update, by findings.By) ([]findings.UpdateResult, error) {
	by.At = by.Now()
	results := make([]findings.UpdateResult, len(ids))
	err := s.write(ctx, "updating findings", func(tx *sql.Tx) error {
		touched := map[string]bool{}
		for i, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			results[i] = findings.UpdateResult{ID: id}
			fs, err := loadFindings(ctx, tx, `id = ?`, id)
			if err != nil {
				return fmt.Errorf("reading finding %q: %w", id, err)
			}
			if len(fs) == 0 {
				results[i].Err = fmt.Errorf("finding %q: %w", id, findings.ErrNotFound)
				continue
			}
			nf, hist, err := findings.ApplyUpdate(fs[0], u, by)
			if err != nil {
				results[i].Err = err
				continue
			}
			if len(hist) == 0 {
				continue
			}
			if err := writeFindings(ctx, tx, []findings.Finding{nf}); err != nil {
				return err
			}
			if err := writeHistory(ctx, tx, hist); err != nil {
				return err
			}
			touched[nf.ImageDigest()] = true
		}
		return resummarize(ctx, tx, touched, by.At)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// Archive implements findings.Store.
func (s *Store) Archive(ctx context.Context, digest string, by findings.By) (findings.Changes, error) {
	by.At = by.Now()
	var ch findings.Changes
	err := s.write(ctx, "archiving findings of "+digest, func(tx *sql.Tx) error {
		var err error
		ch, err = sqlstore.Archive(ctx, txn{tx}, digest, by)
		return err
	})
	return ch, err
}

// History implements findings.Store.
func (s *Store) History(ctx context.Context, id string) ([]findings.HistoryEntry, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM findings WHERE id = ?`, id).Scan(&n); err != nil {
		return nil, fmt.Errorf("reading history of %q: %w", id, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("history of %q: %w", id, findings.ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, field, from_value, to_value, reason FROM history WHERE finding_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("reading history of %q: %w", id, err)
	}
	defer rows.Close()
	var out []findings.HistoryEntry
	for rows.Next() {
		h := findings.HistoryEntry{FindingID: id}
		var at int64
		if err := rows.Scan(&at, &h.Actor, &h.Field, &h.From, &h.To, &h.Reason); err != nil {
			return nil, fmt.Errorf("reading history of %q: %w", id, err)
		}
		h.At = time.Unix(0, at).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// Summary implements findings.Store.
func (s *Store) Summary(ctx context.Context, digest string) (findings.Summary, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT summary FROM images WHERE digest = ?`, digest).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return findings.Summary{}, fmt.Errorf("summary of image %s: %w", digest, findings.ErrNotFound)
	}
	if err != nil {
		return findings.Summary{}, fmt.Errorf("reading summary of image %s: %w", digest, err)
	}
	var sum findings.Summary
	if err := json.Unmarshal([]byte(doc), &sum); err != nil {
		return findings.Summary{}, fmt.Errorf("decoding summary of image %s: %w", digest, err)
	}
	return sum, nil
}

// Inventory implements findings.Store.
func (s *Store) Inventory(ctx context.Context, digest string) (*inventory.Inventory, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT inventory FROM images WHERE digest = ?`, digest).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) || err == nil && b == nil {
		return nil, fmt.Errorf("inventory of image %s: %w", digest, findings.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading inventory of image %s: %w", digest, err)
	}
	inv, err := findings.DecodeInventory(b)
	if err != nil {
		return nil, fmt.Errorf("inventory of image %s: %w", digest, err)
	}
	return inv, nil
}

// ImagesWithPackages implements findings.Store.
func (s *Store) ImagesWithPackages(ctx context.Context, refs []vulndb.PackageRef) ([]string, error) {
	const chunk = 400
	seen := map[string]bool{}
	for start := 0; start < len(refs); start += chunk {
		end := min(start+chunk, len(refs))
		var sb strings.Builder
		args := make([]any, 0, 2*(end-start))
		sb.WriteString(`SELECT DISTINCT image_digest FROM package_index WHERE (namespace, package) IN (VALUES `)
		for i, r := range refs[start:end] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?)")
			args = append(args, r.Namespace, r.Package)
		}
		sb.WriteString(")")
		rows, err := s.db.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("looking up images with %d packages: %w", len(refs), err)
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return nil, err
			}
			seen[d] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("looking up images with %d packages: %w", len(refs), err)
		}
	}
	return sqlstore.SortedKeys(seen), nil
}

var _ findings.AgeArchiver = (*Store)(nil)

// ArchiveResolved implements findings.AgeArchiver.
func (s *Store) ArchiveResolved(ctx context.Context, before time.Time, by findings.By) (findings.Changes, error) {
	by.At = by.Now()
	var ch findings.Changes
	err := s.write(ctx, "archiving findings resolved before "+before.UTC().Format(time.RFC3339), func(tx *sql.Tx) error {
		digests := map[string]bool{}
		err := collectDigests(ctx, tx, `SELECT DISTINCT image_digest FROM findings WHERE record_state = 'ACTIVE' AND workflow_status = 'RESOLVED' AND updated_at < ?`, digests, before.UnixNano())
		if err != nil {
			return err
		}
		for _, d := range sqlstore.SortedKeys(digests) {
			if err := ctx.Err(); err != nil {
				return err
			}
			img, err := loadImage(ctx, tx, d)
			if err != nil {
				return err
			}
			existing, err := loadFindings(ctx, tx, `image_digest = ?`, d)
			if err != nil {
				return fmt.Errorf("reading findings of %s: %w", d, err)
			}
			plan := findings.ArchiveResolved(existing, before, by)
			sum := findings.Summarize(img.summary.Image, plan.Findings, img.summary.Policy, img.summary.VulnDB, by.At)
			if err := writePlan(ctx, tx, d, plan, sum, nil, nil, false); err != nil {
				return err
			}
			ch.Archived = append(ch.Archived, plan.Changes.Archived...)
			ch.History = append(ch.History, plan.History...)
		}
		sort.Strings(ch.Archived)
		return nil
	})
	if err != nil {
		return findings.Changes{}, err
	}
	return ch, nil
}
