// Package postgres is the PostgreSQL findings.Store, through pgx (a
// pgxpool). It holds the same tables as the SQLite backend (findings with
// their ASFF document as jsonb, history, exceptions, images with their
// summary and compressed inventory, the package index) and migrates them
// on Open.
//
// Each change (a scan, an update, an exception) is one READ COMMITTED
// transaction: a failure or a crash at any point leaves the last committed
// state, and readers never wait. Writers take advisory locks, which work
// across processes sharing the database:
//
//   - a scan, an update or an archive takes the store's lock shared, then
//     one lock per image it changes (in key order): writers of different
//     images run side by side, writers of one image take turns;
//   - putting or deleting an exception, which may touch any image, takes
//     the store's lock exclusively.
//
// The findings' lifecycle is the pure code of package findings; this
// package only loads, writes and indexes. It must not import the SQLite
// backend.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Advisory lock keys. The one-key (bigint) and two-key (int, int) lock
// spaces do not overlap.
const (
	// storeLock: shared by per-image writers, exclusive for exceptions.
	storeLock int64 = 0x76696769_6c66696e // "vigilfin"
	// imageLockClass is the first key of per-image locks; the second is
	// a 32-bit hash of the digest (a collision only serializes two images).
	imageLockClass int32 = 0x76696d67 // "vimg"
)

// chunk is how many rows one multi-row statement writes.
const chunk = 1000

// Store is a findings.Store in a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ findings.Store = (*Store)(nil)

// testHookChunkWritten, when set by a test, is called after each chunk of
// finding rows a write transaction writes, with the number written so far
// (the crash test kills the process there).
var testHookChunkWritten func(n int)

// Open connects to the database at dsn (a pgx connection string or URL)
// and migrates its schema.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's error quotes the DSN with its password masked.
		return nil, fmt.Errorf("opening findings store: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening findings store on %s: %w", describeDB(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("opening findings store on %s: %w", describeDB(cfg), err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("opening findings store on %s: %w", describeDB(cfg), err)
	}
	return &Store{pool: pool}, nil
}

// describeDB names the database for errors, without credentials.
func describeDB(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// write runs fn in one transaction, after taking the store's lock
// (exclusive or shared).
func (s *Store) write(ctx context.Context, op string, exclusive bool, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", op, err)
	}
	defer rollback(ctx, tx)
	lock := `SELECT pg_advisory_xact_lock_shared($1)`
	if exclusive {
		lock = `SELECT pg_advisory_xact_lock($1)`
	}
	if _, err := tx.Exec(ctx, lock, storeLock); err != nil {
		return fmt.Errorf("%s: locking the store: %w", op, err)
	}
	if err := fn(tx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

// rollback ends a transaction that was not committed (a no-op after
// Commit), even when ctx is cancelled: a connection whose transaction
// cannot be rolled back is closed, which rolls it back too.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	tx.Rollback(ctx)
}

// lockImages takes the per-image locks of the digests, in key order so
// that two writers never wait for each other in a cycle.
func lockImages(ctx context.Context, tx pgx.Tx, digests ...string) error {
	keys := make([]int32, 0, len(digests))
	for _, d := range digests {
		h := fnv.New32a()
		h.Write([]byte(d))
		keys = append(keys, int32(h.Sum32()))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, imageLockClass, k); err != nil {
			return fmt.Errorf("locking images: %w", err)
		}
	}
	return nil
}

// imageRow is what the images table holds of an image.
type imageRow struct {
	summary findings.Summary
	exists  bool
}

func loadImage(ctx context.Context, tx pgx.Tx, digest string) (imageRow, error) {
	var doc []byte
	err := tx.QueryRow(ctx, `SELECT summary FROM images WHERE digest = $1`, column(digest)).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return imageRow{}, nil
	}
	if err != nil {
		return imageRow{}, fmt.Errorf("reading image %s: %w", digest, err)
	}
	var r imageRow
	if err := json.Unmarshal(doc, &r.summary); err != nil {
		return imageRow{}, fmt.Errorf("decoding summary of image %s: %w", digest, err)
	}
	r.exists = true
	return r, nil
}

// txn is a write transaction as sqlstore uses it.
type txn struct{ tx pgx.Tx }

var _ sqlstore.Tx = txn{}

func (t txn) Findings(ctx context.Context, digest string) ([]findings.Finding, error) {
	return loadFindings(ctx, t.tx, `image_digest = $1`, column(digest))
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

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func loadFindings(ctx context.Context, q querier, where string, args ...any) ([]findings.Finding, error) {
	rows, err := q.Query(ctx, `SELECT doc FROM findings WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []findings.Finding
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var f findings.Finding
		if err := json.Unmarshal(doc, &f); err != nil {
			return nil, fmt.Errorf("decoding stored finding: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadExceptions(ctx context.Context, q querier) ([]findings.Exception, error) {
	rows, err := q.Query(ctx, `SELECT doc FROM exceptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading exceptions: %w", err)
	}
	defer rows.Close()
	var out []findings.Exception
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("reading exceptions: %w", err)
		}
		var e findings.Exception
		if err := json.Unmarshal(doc, &e); err != nil {
			return nil, fmt.Errorf("decoding stored exception: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading exceptions: %w", err)
	}
	return out, nil
}

// upsertFindings writes rows given as parallel arrays, one per column.
const upsertFindings = `INSERT INTO findings (id, image_digest, severity_label, severity_rank, workflow_status, record_state,
	compliance_status, repository, package_name, package_url, vulnerability_id, vulnerability_ids, suppressed_by,
	created_at, updated_at, first_observed_at, last_observed_at, doc)
SELECT id, image_digest, severity_label, severity_rank, workflow_status, record_state,
	compliance_status, repository, package_name, package_url, vulnerability_id,
	ARRAY(SELECT jsonb_array_elements_text(vulnerability_ids::jsonb)), suppressed_by,
	created_at, updated_at, first_observed_at, last_observed_at, doc::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::text[],
	$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::bigint[],
	$17::bigint[], $18::text[])
	AS u (id, image_digest, severity_label, severity_rank, workflow_status, record_state, compliance_status,
	repository, package_name, package_url, vulnerability_id, vulnerability_ids, suppressed_by,
	created_at, updated_at, first_observed_at, last_observed_at, doc)
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

// vulnerabilityIDs is the vulnerability_ids column: the id and its aliases,
// as a JSON array (unnest cannot take a two-dimensional text array apart
// row by row).
func vulnerabilityIDs(f *findings.Finding) string {
	ids := []string{column(f.VulnerabilityID())}
	if len(f.Vulnerabilities) > 0 {
		for _, r := range f.Vulnerabilities[0].RelatedVulnerabilities {
			ids = append(ids, column(r))
		}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// writePlan writes a plan's findings and history and the image's summary
// (and, when newInventory, its inventory and package index).
func writePlan(ctx context.Context, tx pgx.Tx, digest string, plan findings.Plan, sum findings.Summary, inv []byte, refs []vulndb.PackageRef, newInventory bool) error {
	sumDoc, err := jsonDoc(sum)
	if err != nil {
		return err
	}
	if newInventory {
		_, err = tx.Exec(ctx, `INSERT INTO images (digest, summary, inventory, updated_at) VALUES ($1, $2::text::jsonb, $3, $4)
			ON CONFLICT (digest) DO UPDATE SET summary = excluded.summary, inventory = excluded.inventory, updated_at = excluded.updated_at`,
			column(digest), sumDoc, inv, nanos(sum.EvaluatedAt))
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO images (digest, summary, updated_at) VALUES ($1, $2::text::jsonb, $3)
			ON CONFLICT (digest) DO UPDATE SET summary = excluded.summary, updated_at = excluded.updated_at`,
			column(digest), sumDoc, nanos(sum.EvaluatedAt))
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
		if _, err := tx.Exec(ctx, `DELETE FROM package_index WHERE image_digest = $1`, column(digest)); err != nil {
			return fmt.Errorf("writing package index of %s: %w", digest, err)
		}
		for start := 0; start < len(refs); start += chunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			part := refs[start:min(start+chunk, len(refs))]
			ns, pkgs := make([]string, len(part)), make([]string, len(part))
			for i, r := range part {
				if err := ctx.Err(); err != nil {
					return err
				}
				ns[i], pkgs[i] = column(r.Namespace), column(r.Package)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO package_index (namespace, package, image_digest)
				SELECT n, p, $3 FROM unnest($1::text[], $2::text[]) AS u (n, p) ON CONFLICT DO NOTHING`, ns, pkgs, column(digest)); err != nil {
				return fmt.Errorf("writing package index of %s: %w", digest, err)
			}
		}
	}
	return nil
}

func writeFindings(ctx context.Context, tx pgx.Tx, fs []findings.Finding) error {
	for start := 0; start < len(fs); start += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := fs[start:min(start+chunk, len(fs))]
		n := len(part)
		strs := func() []string { return make([]string, n) }
		ids, digests, labels, workflows, states, compliances := strs(), strs(), strs(), strs(), strs(), strs()
		repos, names, purls, vulns, vulnIDs, suppressed, docs := strs(), strs(), strs(), strs(), strs(), strs(), strs()
		ranks := make([]int16, n)
		created, updated, first, last := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		for i := range part {
			if err := ctx.Err(); err != nil {
				return err
			}
			f := &part[i]
			doc, err := jsonDoc(f)
			if err != nil {
				return fmt.Errorf("encoding finding %q: %w", f.ID, err)
			}
			ids[i], digests[i] = column(f.ID), column(f.ImageDigest())
			labels[i], ranks[i] = string(f.Severity.Label), int16(f.Severity.Label.Rank())
			workflows[i], states[i], compliances[i] = string(f.Workflow.Status), string(f.RecordState), column(string(f.Compliance.Status))
			repos[i], names[i], purls[i] = column(f.Repository()), column(f.PackageName()), column(f.PackageURL())
			vulns[i], vulnIDs[i] = column(f.VulnerabilityID()), vulnerabilityIDs(f)
			suppressed[i] = column(f.ProductFields[findings.ProductFieldSuppressedBy])
			created[i], updated[i], first[i], last[i] = nanos(f.CreatedAt), nanos(f.UpdatedAt), nanos(f.FirstObservedAt), nanos(f.LastObservedAt)
			docs[i] = doc
		}
		if _, err := tx.Exec(ctx, upsertFindings, ids, digests, labels, ranks, workflows, states, compliances,
			repos, names, purls, vulns, vulnIDs, suppressed, created, updated, first, last, docs); err != nil {
			return fmt.Errorf("writing findings %q…: %w", part[0].ID, err)
		}
		if testHookChunkWritten != nil {
			testHookChunkWritten(start + n)
		}
	}
	return nil
}

func writeHistory(ctx context.Context, tx pgx.Tx, hs []findings.HistoryEntry) error {
	for start := 0; start < len(hs); start += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := hs[start:min(start+chunk, len(hs))]
		n := len(part)
		ids, actors, fields, froms, tos, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ats := make([]int64, n)
		for i, h := range part {
			if err := ctx.Err(); err != nil {
				return err
			}
			ids[i], ats[i], actors[i], fields[i] = column(h.FindingID), nanos(h.At), text(h.Actor), text(h.Field)
			froms[i], tos[i], reasons[i] = text(h.From), text(h.To), text(h.Reason)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO history (finding_id, at, actor, field, from_value, to_value, reason)
			SELECT f, a, ac, fi, fr, t, r FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
				WITH ORDINALITY AS u (f, a, ac, fi, fr, t, r, n) ORDER BY n`,
			ids, ats, actors, fields, froms, tos, reasons); err != nil {
			return fmt.Errorf("writing history of %q…: %w", part[0].FindingID, err)
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
	err = s.write(ctx, "applying scan of "+digest, false, func(tx pgx.Tx) error {
		if err := lockImages(ctx, tx, digest); err != nil {
			return err
		}
		ch, err = sqlstore.ApplyScan(ctx, txn{tx}, scan, by, inv, refs)
		return err
	})
	if err != nil {
		return findings.Changes{}, err
	}
	return ch, nil
}

// resummarize recomputes the summaries of images after user updates.
func resummarize(ctx context.Context, tx pgx.Tx, digests []string, at time.Time) error {
	for _, d := range digests {
		img, err := loadImage(ctx, tx, d)
		if err != nil {
			return err
		}
		if !img.exists {
			continue
		}
		fs, err := loadFindings(ctx, tx, `image_digest = $1`, column(d))
		if err != nil {
			return fmt.Errorf("reading findings of %s: %w", d, err)
		}
		sum := findings.Summarize(img.summary.Image, fs, img.summary.Policy, img.summary.VulnDB, at)
		doc, err := jsonDoc(sum)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE images SET summary = $1::text::jsonb, updated_at = $2 WHERE digest = $3`, doc, nanos(at), column(d)); err != nil {
			return fmt.Errorf("writing summary of %s: %w", d, err)
		}
	}
	return nil
}

// BatchUpdateFindings implements findings.Store.
func (s *Store) BatchUpdateFindings(ctx context.Context, ids []string, u findings.Update, by findings.By) ([]findings.UpdateResult, error) {
	by.At = by.Now()
	results := make([]findings.UpdateResult, len(ids))
	err := s.write(ctx, "updating findings", false, func(tx pgx.Tx) error {
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = column(id)
		}
		// Lock the images first, then read: a scan of one of them that
		// committed meanwhile is seen.
		rows, err := tx.Query(ctx, `SELECT DISTINCT image_digest FROM findings WHERE id = ANY($1)`, keys)
		if err != nil {
			return fmt.Errorf("reading findings: %w", err)
		}
		digests, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("reading findings: %w", err)
		}
		if err := lockImages(ctx, tx, digests...); err != nil {
			return err
		}
		stored, err := loadFindings(ctx, tx, `id = ANY($1)`, keys)
		if err != nil {
			return fmt.Errorf("reading findings: %w", err)
		}
		byID := make(map[string]*findings.Finding, len(stored))
		for i := range stored {
			byID[column(stored[i].ID)] = &stored[i]
		}
		changed := map[string]bool{}
		var hist []findings.HistoryEntry
		for i, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			results[i] = findings.UpdateResult{ID: id}
			f := byID[keys[i]]
			if f == nil {
				results[i].Err = fmt.Errorf("finding %q: %w", id, findings.ErrNotFound)
				continue
			}
			nf, h, err := findings.ApplyUpdate(*f, u, by)
			if err != nil {
				results[i].Err = err
				continue
			}
			if len(h) == 0 {
				continue
			}
			*f = nf
			changed[keys[i]] = true
			hist = append(hist, h...)
		}
		var upserts []findings.Finding
		touched := map[string]bool{}
		for _, k := range sqlstore.SortedKeys(changed) {
			upserts = append(upserts, *byID[k])
			touched[byID[k].ImageDigest()] = true
		}
		if err := writeFindings(ctx, tx, upserts); err != nil {
			return err
		}
		if err := writeHistory(ctx, tx, hist); err != nil {
			return err
		}
		return resummarize(ctx, tx, sqlstore.SortedKeys(touched), by.At)
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
	err := s.write(ctx, "archiving findings of "+digest, false, func(tx pgx.Tx) error {
		if err := lockImages(ctx, tx, digest); err != nil {
			return err
		}
		var err error
		ch, err = sqlstore.Archive(ctx, txn{tx}, digest, by)
		return err
	})
	return ch, err
}

// History implements findings.Store. Both reads see one snapshot.
func (s *Store) History(ctx context.Context, id string) ([]findings.HistoryEntry, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("reading history of %q: %w", id, err)
	}
	defer rollback(ctx, tx)
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM findings WHERE id = $1)`, column(id)).Scan(&exists); err != nil {
		return nil, fmt.Errorf("reading history of %q: %w", id, err)
	}
	if !exists {
		return nil, fmt.Errorf("history of %q: %w", id, findings.ErrNotFound)
	}
	rows, err := tx.Query(ctx, `SELECT at, actor, field, from_value, to_value, reason FROM history WHERE finding_id = $1 ORDER BY seq`, column(id))
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading history of %q: %w", id, err)
	}
	return out, nil
}

// Summary implements findings.Store.
func (s *Store) Summary(ctx context.Context, digest string) (findings.Summary, error) {
	var doc []byte
	err := s.pool.QueryRow(ctx, `SELECT summary FROM images WHERE digest = $1`, column(digest)).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return findings.Summary{}, fmt.Errorf("summary of image %s: %w", digest, findings.ErrNotFound)
	}
	if err != nil {
		return findings.Summary{}, fmt.Errorf("reading summary of image %s: %w", digest, err)
	}
	var sum findings.Summary
	if err := json.Unmarshal(doc, &sum); err != nil {
		return findings.Summary{}, fmt.Errorf("decoding summary of image %s: %w", digest, err)
	}
	return sum, nil
}

// Inventory implements findings.Store.
func (s *Store) Inventory(ctx context.Context, digest string) (*inventory.Inventory, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT inventory FROM images WHERE digest = $1`, column(digest)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && b == nil {
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
	ns, pkgs := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		ns[i], pkgs[i] = column(r.Namespace), column(r.Package)
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT p.image_digest FROM package_index p
		JOIN unnest($1::text[], $2::text[]) AS r (namespace, package) ON p.namespace = r.namespace AND p.package = r.package`, ns, pkgs)
	if err != nil {
		return nil, fmt.Errorf("looking up images with %d packages: %w", len(refs), err)
	}
	digests, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("looking up images with %d packages: %w", len(refs), err)
	}
	out := make([]string, 0, len(digests))
	out = append(out, digests...)
	sort.Strings(out)
	return out, nil
}
