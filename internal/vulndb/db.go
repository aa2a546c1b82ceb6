package vulndb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the embedded SQL engine, pure Go
)

// SchemaVersion is the database layout this code writes and reads. A
// database from a newer schema is refused with ErrNewerSchema.
const SchemaVersion = 1

// FileName is the database file inside a database directory.
const FileName = "vulndb.sqlite"

// Errors matched with errors.Is.
var (
	ErrNewerSchema = errors.New("database was built by a newer Vigil (schema version too new)")
	ErrCorrupt     = errors.New("not a Vigil vulnerability database, or a corrupt one")
	ErrNotFound    = errors.New("no vulnerability database")
)

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
	name TEXT NOT NULL, location TEXT NOT NULL, fingerprint TEXT NOT NULL,
	records INTEGER NOT NULL, skipped INTEGER NOT NULL, PRIMARY KEY (location, name));
CREATE TABLE advisories (
	rowid INTEGER PRIMARY KEY,
	source TEXT NOT NULL, id TEXT NOT NULL,
	hash TEXT NOT NULL,
	doc BLOB NOT NULL,
	UNIQUE (source, id));
CREATE TABLE affected (
	namespace TEXT NOT NULL, package TEXT NOT NULL,
	advisory INTEGER NOT NULL REFERENCES advisories(rowid));
CREATE TABLE aliases (
	alias TEXT NOT NULL,
	advisory INTEGER NOT NULL REFERENCES advisories(rowid));
`

const indexes = `
CREATE INDEX affected_by_package ON affected (namespace, package);
CREATE INDEX affected_by_advisory ON affected (advisory);
CREATE INDEX aliases_by_alias ON aliases (alias);
`

// SourceInfo describes one imported source.
type SourceInfo struct {
	Name        string `json:"name"`
	Location    string `json:"location"`
	Fingerprint string `json:"fingerprint"`
	Records     int    `json:"records"`
	Skipped     int    `json:"skipped"`
}

// Writer builds a new database file.
type Writer struct {
	pending map[advKey]*Advisory
	merged  map[advKey]bool // records made of several Adds
	db      *sql.DB
	tx      *sql.Tx
	path    string
	adv     *sql.Stmt
	aff     *sql.Stmt
	alias   *sql.Stmt
	count   int
}

// uriEscaper escapes what SQLite reads specially in a URI file name.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// fileURI is path as a SQLite URI ("file:…"): unescaped, a '#' or '?' in
// a directory name would end the path and name another file.
func fileURI(path string) string { return "file:" + uriEscaper.Replace(path) }

// Create starts a new database at path (which must not exist).
func Create(ctx context.Context, path string) (*Writer, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("creating database %s: file exists", path)
	}
	db, err := sql.Open("sqlite", fileURI(path)+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=page_size(8192)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("creating database %s: %w", path, err)
	}
	w := &Writer{db: db, path: path, pending: map[advKey]*Advisory{}, merged: map[advKey]bool{}}
	if err := w.begin(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return w, nil
}

func (w *Writer) begin(ctx context.Context) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w.tx = tx
	if w.adv, err = tx.PrepareContext(ctx, `INSERT INTO advisories (source, id, hash, doc) VALUES (?, ?, ?, ?)
		RETURNING rowid`); err != nil {
		return err
	}
	if w.aff, err = tx.PrepareContext(ctx, `INSERT INTO affected (namespace, package, advisory) VALUES (?, ?, ?)`); err != nil {
		return err
	}
	if w.alias, err = tx.PrepareContext(ctx, `INSERT INTO aliases (alias, advisory) VALUES (?, ?)`); err != nil {
		return err
	}
	return nil
}

// Add stores one advisory. Records with the same source and id (a feed
// that publishes one CVE in several files, as Alpine's per-release secdb
// does) are merged: their affected packages, aliases and references are
// united in one record. Records are kept in memory and written by Close.
func (w *Writer) Add(ctx context.Context, a *Advisory) error {
	for i := range a.Affected {
		if a.Affected[i].Origin == "" {
			a.Affected[i].Origin = a.Origin
		}
	}
	k := advKey{a.Source, a.ID}
	old, ok := w.pending[k]
	if !ok {
		cp := *a
		w.pending[k] = &cp
		return nil
	}
	old.Affected = append(old.Affected, a.Affected...)
	old.Aliases = union(old.Aliases, a.Aliases)
	old.References = union(old.References, a.References)
	old.Severity = unionSeverity(old.Severity, a.Severity)
	// The merged record must not depend on the order its parts arrive in
	// (the builder parses files in parallel): two builds of the same data
	// must be identical, since Diff compares records by hash.
	w.merged[k] = true
	old.Summary = firstText(old.Summary, a.Summary)
	old.Details = firstText(old.Details, a.Details)
	old.Origin = firstText(old.Origin, a.Origin)
	if !a.Published.IsZero() && (old.Published.IsZero() || a.Published.Before(old.Published)) {
		old.Published = a.Published
	}
	if a.Modified.After(old.Modified) {
		old.Modified = a.Modified
	}
	if a.Withdrawn != nil && (old.Withdrawn == nil || a.Withdrawn.Before(*old.Withdrawn)) {
		old.Withdrawn = a.Withdrawn
	}
	return nil
}

// firstText picks, of two texts, the non-empty one that sorts first.
func firstText(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

// canonical sorts the lists of a merged record, which would otherwise be
// in the order its parts were added.
func canonical(a *Advisory) {
	sort.Strings(a.Aliases)
	sort.Strings(a.References)
	sort.Slice(a.Severity, func(i, j int) bool {
		x, y := a.Severity[i], a.Severity[j]
		if x.Type != y.Type {
			return x.Type < y.Type
		}
		if x.Source != y.Source {
			return x.Source < y.Source
		}
		return x.Score < y.Score
	})
	type keyed struct {
		af  Affected
		doc string
	}
	ks := make([]keyed, len(a.Affected))
	for i, af := range a.Affected {
		b, _ := json.Marshal(af)
		ks[i] = keyed{af, string(b)}
	}
	sort.Slice(ks, func(i, j int) bool {
		x, y := ks[i], ks[j]
		if x.af.Namespace != y.af.Namespace {
			return x.af.Namespace < y.af.Namespace
		}
		if x.af.Package != y.af.Package {
			return x.af.Package < y.af.Package
		}
		return x.doc < y.doc
	})
	for i := range ks {
		a.Affected[i] = ks[i].af
	}
}

// flush writes the pending records in (source, id) order.
func (w *Writer) flush(ctx context.Context) error {
	keys := make([]advKey, 0, len(w.pending))
	for k := range w.pending {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].source != keys[j].source {
			return keys[i].source < keys[j].source
		}
		return keys[i].id < keys[j].id
	})
	for i, k := range keys {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a := w.pending[k]
		if w.merged[k] {
			canonical(a)
		}
		doc, err := json.Marshal(a)
		if err != nil {
			return err
		}
		var rowid int64
		if err := w.adv.QueryRowContext(ctx, a.Source, a.ID, hashOf(doc), doc).Scan(&rowid); err != nil {
			return fmt.Errorf("storing advisory %s: %w", a.ID, err)
		}
		if err := w.index(ctx, rowid, a.Affected); err != nil {
			return err
		}
		for _, id := range append([]string{a.ID}, a.Aliases...) {
			if _, err := w.alias.ExecContext(ctx, id, rowid); err != nil {
				return err
			}
		}
		w.count++
	}
	w.pending = nil
	return nil
}

func hashOf(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:16])
}

func (w *Writer) index(ctx context.Context, rowid int64, affected []Affected) error {
	seen := map[[2]string]bool{}
	for _, af := range affected {
		k := [2]string{af.Namespace, af.Package}
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := w.aff.ExecContext(ctx, af.Namespace, af.Package, rowid); err != nil {
			return err
		}
	}
	return nil
}

func union(a, b []string) []string {
	seen := make(map[string]bool, len(a))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			a = append(a, s)
		}
	}
	return a
}

func unionSeverity(a, b []Severity) []Severity {
	for _, s := range b {
		found := false
		for _, t := range a {
			if s == t {
				found = true
				break
			}
		}
		if !found {
			a = append(a, s)
		}
	}
	return a
}

// AddSource records an imported source in the metadata.
func (w *Writer) AddSource(ctx context.Context, s SourceInfo) error {
	_, err := w.tx.ExecContext(ctx, `INSERT OR REPLACE INTO sources (name, location, fingerprint, records, skipped) VALUES (?, ?, ?, ?, ?)`,
		s.Name, s.Location, s.Fingerprint, s.Records, s.Skipped)
	return err
}

// Close finishes the database: indexes, metadata, and a compacted file.
func (w *Writer) Close(ctx context.Context, builtAt time.Time) error {
	defer w.db.Close()
	if err := w.flush(ctx); err != nil {
		return err
	}
	meta := map[string]string{
		"schema_version": strconv.Itoa(SchemaVersion),
		"built_at":       builtAt.UTC().Format(time.RFC3339),
		"advisories":     strconv.Itoa(w.count),
	}
	for k, v := range meta {
		if _, err := w.tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, k, v); err != nil {
			return err
		}
	}
	if _, err := w.tx.ExecContext(ctx, indexes); err != nil {
		return err
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("writing database %s: %w", w.path, err)
	}
	if _, err := w.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("compacting database %s: %w", w.path, err)
	}
	return nil
}

// Abort discards a database being built.
func (w *Writer) Abort() {
	if w.tx != nil {
		_ = w.tx.Rollback()
	}
	w.db.Close()
	os.Remove(w.path)
}

// Info is a database's metadata.
type Info struct {
	Path          string       `json:"path"`
	SchemaVersion int          `json:"schemaVersion"`
	BuiltAt       time.Time    `json:"builtAt"`
	Advisories    int          `json:"advisories"`
	Sources       []SourceInfo `json:"sources"`
	// Namespaces counts advisories per namespace.
	Namespaces map[string]int `json:"namespaces"`
}

// DB is an open, read-only database.
type DB struct {
	db      *sql.DB
	path    string
	info    Info
	get     *sql.Stmt
	byAlias *sql.Stmt
}

// Open opens a database file read-only. It refuses a file from a newer
// schema and anything that is not a Vigil database.
func Open(ctx context.Context, path string) (*DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w at %s: build one with `vigil db build`", ErrNotFound, path)
		}
		return nil, err
	}
	if st.IsDir() {
		path = filepath.Join(path, FileName)
		return Open(ctx, path)
	}
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&_pragma=query_only(1)&_pragma=mmap_size(268435456)")
	if err != nil {
		return nil, err
	}
	d := &DB{db: db, path: path}
	if err := d.readMeta(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if d.get, err = db.PrepareContext(ctx, `SELECT a.doc FROM affected f JOIN advisories a ON a.rowid = f.advisory
		WHERE f.namespace = ? AND f.package = ? ORDER BY a.source, a.id`); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if d.byAlias, err = db.PrepareContext(ctx, `SELECT a.doc FROM aliases x JOIN advisories a ON a.rowid = x.advisory
		WHERE x.alias = ? ORDER BY a.source, a.id`); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return d, nil
}

func (d *DB) readMeta(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
	}
	defer rows.Close()
	meta := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
		}
		meta[k] = v
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
	}
	v, err := strconv.Atoi(meta["schema_version"])
	if err != nil {
		return fmt.Errorf("%w: %s: no schema version", ErrCorrupt, d.path)
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: %s has schema %d, this Vigil reads up to %d: upgrade Vigil or rebuild the database", ErrNewerSchema, d.path, v, SchemaVersion)
	}
	d.info = Info{Path: d.path, SchemaVersion: v, Namespaces: map[string]int{}}
	d.info.BuiltAt, _ = time.Parse(time.RFC3339, meta["built_at"])
	d.info.Advisories, _ = strconv.Atoi(meta["advisories"])
	srows, err := d.db.QueryContext(ctx, `SELECT name, location, fingerprint, records, skipped FROM sources ORDER BY location, name`)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
	}
	defer srows.Close()
	for srows.Next() {
		var s SourceInfo
		if err := srows.Scan(&s.Name, &s.Location, &s.Fingerprint, &s.Records, &s.Skipped); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
		}
		d.info.Sources = append(d.info.Sources, s)
	}
	return srows.Err()
}

// Info returns the database's metadata; with namespaces it also counts
// advisories per namespace (a full scan of the index).
func (d *DB) Info(ctx context.Context, namespaces bool) (Info, error) {
	info := d.info
	if !namespaces {
		return info, nil
	}
	info.Namespaces = map[string]int{}
	rows, err := d.db.QueryContext(ctx, `SELECT namespace, COUNT(DISTINCT advisory) FROM affected GROUP BY namespace`)
	if err != nil {
		return info, fmt.Errorf("%w: %s: %v", ErrCorrupt, d.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns string
		var n int
		if err := rows.Scan(&ns, &n); err != nil {
			return info, err
		}
		info.Namespaces[ns] = n
	}
	return info, rows.Err()
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Lookup returns the advisories that name a package in a namespace (the
// name normalised with NormalizeName), in a stable order.
func (d *DB) Lookup(ctx context.Context, namespace, name string) ([]Advisory, error) {
	rows, err := d.get.QueryContext(ctx, namespace, NormalizeName(namespace, name))
	if err != nil {
		return nil, fmt.Errorf("looking up %s/%s: %w", namespace, name, err)
	}
	return d.decode(rows)
}

// ByAlias returns the advisories whose id or one of whose aliases is id
// (every record of CVE-2024-1234 across feeds).
func (d *DB) ByAlias(ctx context.Context, id string) ([]Advisory, error) {
	rows, err := d.byAlias.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("looking up %s: %w", id, err)
	}
	return d.decode(rows)
}

func (d *DB) decode(rows *sql.Rows) ([]Advisory, error) {
	defer rows.Close()
	var out []Advisory
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var a Advisory
		if err := json.Unmarshal(doc, &a); err != nil {
			return nil, fmt.Errorf("%w: %s: advisory record: %v", ErrCorrupt, d.path, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Namespaces lists every namespace with advisories.
func (d *DB) Namespaces(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT namespace FROM affected`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ns string
		if err := rows.Scan(&ns); err != nil {
			return nil, err
		}
		out = append(out, ns)
	}
	sort.Strings(out)
	return out, rows.Err()
}
