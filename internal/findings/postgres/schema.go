package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema versions, applied in order on Open; version n
// is migrations[n-1]. Never edit one that has shipped: append.
//
// The tables mirror the SQLite backend's (findings/sqlite/schema.go): the
// ASFF document plus the columns queries filter and sort on. Times are Unix
// nanoseconds (0 for none), as there and in findings.SortKey. Text columns
// that queries compare or sort use the "C" collation: bytewise, like
// SQLite's BINARY and Go's strings.Compare, whatever the database's default.
var migrations = []string{
	// 1: images, findings, history, exceptions, package index.
	`
CREATE TABLE images (
	digest     text COLLATE "C" PRIMARY KEY CHECK (digest <> ''),
	summary    jsonb NOT NULL,           -- findings.Summary
	inventory  bytea,                    -- findings.EncodeInventory (gzip JSON); NULL when never given
	updated_at bigint NOT NULL
);

CREATE TABLE findings (
	id                text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	image_digest      text COLLATE "C" NOT NULL REFERENCES images (digest),
	severity_label    text NOT NULL CHECK (severity_label IN ('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
	severity_rank     smallint NOT NULL,
	workflow_status   text NOT NULL CHECK (workflow_status IN ('NEW', 'NOTIFIED', 'SUPPRESSED', 'RESOLVED')),
	record_state      text NOT NULL CHECK (record_state IN ('ACTIVE', 'ARCHIVED')),
	compliance_status text NOT NULL,
	repository        text COLLATE "C" NOT NULL,
	package_name      text COLLATE "C" NOT NULL,
	package_url       text COLLATE "C" NOT NULL,
	vulnerability_id  text COLLATE "C" NOT NULL,
	-- the vulnerability id and its related ids
	vulnerability_ids text[] COLLATE "C" NOT NULL,
	suppressed_by     text COLLATE "C" NOT NULL,
	created_at        bigint NOT NULL,   -- Unix nanoseconds, UTC
	updated_at        bigint NOT NULL,
	first_observed_at bigint NOT NULL,
	last_observed_at  bigint NOT NULL,
	doc               jsonb NOT NULL     -- the ASFF finding
);
CREATE INDEX findings_image ON findings (image_digest);
CREATE INDEX findings_updated ON findings (updated_at, id);
CREATE INDEX findings_created ON findings (created_at, id);
CREATE INDEX findings_first ON findings (first_observed_at, id);
CREATE INDEX findings_last ON findings (last_observed_at, id);
CREATE INDEX findings_severity ON findings (severity_rank, id);
CREATE INDEX findings_vulnerability ON findings (vulnerability_id, id);
CREATE INDEX findings_vulnerability_ids ON findings USING gin (vulnerability_ids);
CREATE INDEX findings_package ON findings (package_name, id);
CREATE INDEX findings_package_url ON findings (package_url);
CREATE INDEX findings_workflow ON findings (workflow_status, updated_at, id);
CREATE INDEX findings_repository ON findings (repository, updated_at, id);
CREATE INDEX findings_suppressed ON findings (suppressed_by) WHERE suppressed_by <> '';

CREATE TABLE history (
	seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	finding_id text COLLATE "C" NOT NULL,
	at         bigint NOT NULL,
	actor      text NOT NULL,
	field      text NOT NULL,
	from_value text NOT NULL,
	to_value   text NOT NULL,
	reason     text NOT NULL
);
CREATE INDEX history_finding ON history (finding_id, seq);

CREATE TABLE exceptions (
	id  text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	doc jsonb NOT NULL                   -- findings.Exception
);

CREATE TABLE package_index (
	namespace    text COLLATE "C" NOT NULL,
	package      text COLLATE "C" NOT NULL,
	image_digest text COLLATE "C" NOT NULL REFERENCES images (digest),
	PRIMARY KEY (namespace, package, image_digest)
);
CREATE INDEX package_index_image ON package_index (image_digest);
`,
}

// migrateLock is the advisory lock key that serializes migrations: two
// processes opening one database migrate it once.
const migrateLock int64 = 0x76696769_6c6d6967 // "vigilmig"

// migrate brings the schema to the latest version, one transaction per
// version. A database from a newer Vigil is refused.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	for {
		done, err := migrateOne(ctx, pool)
		if err != nil {
			return fmt.Errorf("migrating the findings schema: %w", err)
		}
		if done {
			return nil
		}
	}
}

func migrateOne(ctx context.Context, pool *pgxpool.Pool) (done bool, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)`); err != nil {
		return false, err
	}
	var cur int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	switch {
	case cur > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this Vigil's %d", cur, len(migrations))
	case cur == len(migrations):
		return true, tx.Commit(ctx)
	}
	// The simple protocol runs a multi-statement script.
	if _, err := tx.Exec(ctx, migrations[cur], pgx.QueryExecModeSimpleProtocol); err != nil {
		return false, fmt.Errorf("to version %d: %w", cur+1, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, cur+1, time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("to version %d: %w", cur+1, err)
	}
	return false, tx.Commit(ctx)
}
