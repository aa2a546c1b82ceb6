package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are the schema versions, applied in order on Open; version n
// is migrations[n-1]. Never edit one that has shipped: append.
var migrations = []string{
	// 1: images, findings, history, exceptions, package index.
	`
CREATE TABLE images (
	digest     TEXT PRIMARY KEY CHECK (digest <> ''),
	summary    TEXT NOT NULL,            -- findings.Summary JSON (image, policy, vulndb, counts)
	inventory  BLOB,                     -- findings.EncodeInventory (gzip JSON); NULL when never given
	updated_at INTEGER NOT NULL
);

CREATE TABLE findings (
	id                TEXT PRIMARY KEY CHECK (id <> ''),
	image_digest      TEXT NOT NULL REFERENCES images (digest),
	severity_label    TEXT NOT NULL CHECK (severity_label IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
	severity_rank     INTEGER NOT NULL,
	workflow_status   TEXT NOT NULL CHECK (workflow_status IN ('NEW', 'NOTIFIED', 'SUPPRESSED', 'RESOLVED')),
	record_state      TEXT NOT NULL CHECK (record_state IN ('ACTIVE', 'ARCHIVED')),
	compliance_status TEXT NOT NULL,
	repository        TEXT NOT NULL,
	package_name      TEXT NOT NULL,
	package_url       TEXT NOT NULL,
	vulnerability_id  TEXT NOT NULL,
	-- the vulnerability id and its related ids, each between spaces: " CVE-1 GHSA-x "
	vulnerability_ids TEXT NOT NULL,
	suppressed_by     TEXT NOT NULL,
	created_at        INTEGER NOT NULL,  -- Unix nanoseconds, UTC
	updated_at        INTEGER NOT NULL,
	first_observed_at INTEGER NOT NULL,
	last_observed_at  INTEGER NOT NULL,
	doc               TEXT NOT NULL      -- the ASFF JSON
);
CREATE INDEX findings_image ON findings (image_digest);
CREATE INDEX findings_updated ON findings (updated_at, id);
CREATE INDEX findings_created ON findings (created_at, id);
CREATE INDEX findings_first ON findings (first_observed_at, id);
CREATE INDEX findings_last ON findings (last_observed_at, id);
CREATE INDEX findings_severity ON findings (severity_rank, id);
CREATE INDEX findings_vulnerability ON findings (vulnerability_id, id);
CREATE INDEX findings_package ON findings (package_name, id);
CREATE INDEX findings_workflow ON findings (workflow_status, updated_at, id);
CREATE INDEX findings_repository ON findings (repository, updated_at, id);
CREATE INDEX findings_suppressed ON findings (suppressed_by) WHERE suppressed_by <> '';

CREATE TABLE history (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	finding_id TEXT NOT NULL,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	field      TEXT NOT NULL,
	from_value TEXT NOT NULL,
	to_value   TEXT NOT NULL,
	reason     TEXT NOT NULL
);
CREATE INDEX history_finding ON history (finding_id, seq);

CREATE TABLE exceptions (
	id  TEXT PRIMARY KEY CHECK (id <> ''),
	doc TEXT NOT NULL                    -- findings.Exception JSON
);

CREATE TABLE package_index (
	namespace    TEXT NOT NULL,
	package      TEXT NOT NULL,
	image_digest TEXT NOT NULL REFERENCES images (digest),
	PRIMARY KEY (namespace, package, image_digest)
) WITHOUT ROWID;
CREATE INDEX package_index_image ON package_index (image_digest);
`,
}

// migrate brings the schema to the latest version, one transaction per
// version (write-locked from its start, so two processes opening one
// database migrate it once). A database from a newer Vigil is refused.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	for {
		done, err := migrateOne(ctx, db)
		if err != nil {
			return fmt.Errorf("migrating %s: %w", path, err)
		}
		if done {
			return nil
		}
	}
}

func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return false, err
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	switch {
	case cur > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this Vigil's %d", cur, len(migrations))
	case cur == len(migrations):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[cur]); err != nil {
		return false, fmt.Errorf("to version %d: %w", cur+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, cur+1, time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("to version %d: %w", cur+1, err)
	}
	return false, tx.Commit()
}
