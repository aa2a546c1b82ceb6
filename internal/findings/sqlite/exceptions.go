package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
)

// PutException implements findings.Store.
func (s *Store) PutException(ctx context.Context, e findings.Exception, by findings.By) error {
	e, by, err := sqlstore.PrepareException(e, by)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.write(ctx, "putting exception "+e.ID, func(tx *sql.Tx) error {
		digests := map[string]bool{}
		old, found, err := getException(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		scopes := []findings.ExceptionScope{e.Scope}
		if found {
			scopes = append(scopes, old.Scope)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exceptions (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, e.ID, string(doc)); err != nil {
			return fmt.Errorf("writing exception: %w", err)
		}
		for _, sc := range scopes {
			if err := candidateImages(ctx, tx, sc, digests); err != nil {
				return err
			}
		}
		if err := suppressedImages(ctx, tx, e.ID, digests); err != nil {
			return err
		}
		return sqlstore.ReevaluateAll(ctx, txn{tx}, digests, by)
	})
}

// DeleteException implements findings.Store.
func (s *Store) DeleteException(ctx context.Context, id string, by findings.By) error {
	by.At = by.Now()
	return s.write(ctx, "deleting exception "+id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM exceptions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("exception %q: %w", id, findings.ErrNotFound)
		}
		digests := map[string]bool{}
		if err := suppressedImages(ctx, tx, id, digests); err != nil {
			return err
		}
		return sqlstore.ReevaluateAll(ctx, txn{tx}, digests, by)
	})
}

// Exceptions implements findings.Store.
func (s *Store) Exceptions(ctx context.Context) ([]findings.Exception, error) {
	return loadExceptions(ctx, s.db)
}

func getException(ctx context.Context, tx *sql.Tx, id string) (findings.Exception, bool, error) {
	var doc string
	err := tx.QueryRowContext(ctx, `SELECT doc FROM exceptions WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return findings.Exception{}, false, nil
	}
	if err != nil {
		return findings.Exception{}, false, fmt.Errorf("reading exception %q: %w", id, err)
	}
	var e findings.Exception
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return findings.Exception{}, false, fmt.Errorf("decoding exception %q: %w", id, err)
	}
	return e, true, nil
}

// candidateImages adds the images with observed findings an exception's
// scope may cover (a superset: findings.Exception.Covers decides).
func candidateImages(ctx context.Context, tx *sql.Tx, sc findings.ExceptionScope, out map[string]bool) error {
	where := []string{`record_state = 'ACTIVE'`, `compliance_status = 'FAILED'`}
	var args []any
	if sc.VulnerabilityID != "" {
		where = append(where, `instr(vulnerability_ids, ' ' || ? || ' ') > 0`)
		args = append(args, sc.VulnerabilityID)
	}
	if sc.PackageName != "" {
		where = append(where, `package_name = ?`)
		args = append(args, sc.PackageName)
	}
	if sc.PackageURL != "" {
		if strings.Contains(sc.PackageURL, "@") {
			where = append(where, `package_url = ?`)
			args = append(args, sc.PackageURL)
		} else {
			where = append(where, `(package_url = ? OR substr(package_url, 1, length(?) + 1) IN (? || '@', ? || '?', ? || '#'))`)
			args = append(args, sc.PackageURL, sc.PackageURL, sc.PackageURL, sc.PackageURL, sc.PackageURL)
		}
	}
	if sc.Repository != "" {
		where = append(where, `repository = ?`)
		args = append(args, sc.Repository)
	}
	if sc.ImageDigest != "" {
		where = append(where, `image_digest = ?`)
		args = append(args, sc.ImageDigest)
	}
	return collectDigests(ctx, tx, `SELECT DISTINCT image_digest FROM findings WHERE `+strings.Join(where, " AND "), out, args...)
}

func suppressedImages(ctx context.Context, tx *sql.Tx, id string, out map[string]bool) error {
	return collectDigests(ctx, tx, `SELECT DISTINCT image_digest FROM findings WHERE suppressed_by = ?`, out, id)
}

func collectDigests(ctx context.Context, tx *sql.Tx, q string, out map[string]bool, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("selecting images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return err
		}
		out[d] = true
	}
	return rows.Err()
}
