package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
)

// PutException implements findings.Store.
func (s *Store) PutException(ctx context.Context, e findings.Exception, by findings.By) error {
	e, by, err := sqlstore.PrepareException(e, by)
	if err != nil {
		return err
	}
	doc, err := jsonDoc(e)
	if err != nil {
		return err
	}
	return s.write(ctx, "putting exception "+e.ID, true, func(tx pgx.Tx) error {
		digests := map[string]bool{}
		old, found, err := getException(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		scopes := []findings.ExceptionScope{e.Scope}
		if found {
			scopes = append(scopes, old.Scope)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO exceptions (id, doc) VALUES ($1, $2::text::jsonb) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, column(e.ID), doc); err != nil {
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
	return s.write(ctx, "deleting exception "+id, true, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM exceptions WHERE id = $1`, column(id))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
	return loadExceptions(ctx, s.pool)
}

func getException(ctx context.Context, tx pgx.Tx, id string) (findings.Exception, bool, error) {
	var doc []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM exceptions WHERE id = $1`, column(id)).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return findings.Exception{}, false, nil
	}
	if err != nil {
		return findings.Exception{}, false, fmt.Errorf("reading exception %q: %w", id, err)
	}
	var e findings.Exception
	if err := json.Unmarshal(doc, &e); err != nil {
		return findings.Exception{}, false, fmt.Errorf("decoding exception %q: %w", id, err)
	}
	return e, true, nil
}

// candidateImages adds the images with observed findings an exception's
// scope may cover (a superset: findings.Exception.Covers decides). A scope
// value longer than the columns keep adds no condition.
func candidateImages(ctx context.Context, tx pgx.Tx, sc findings.ExceptionScope, out map[string]bool) error {
	where := []string{`record_state = 'ACTIVE'`, `compliance_status = 'FAILED'`}
	var args []any
	arg := func(v string) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	fits := func(v string) bool { return v != "" && len(text(v)) < maxColumn }
	if fits(sc.VulnerabilityID) {
		where = append(where, `vulnerability_ids @> ARRAY[`+arg(text(sc.VulnerabilityID))+`::text]`)
	}
	if fits(sc.PackageName) {
		where = append(where, `package_name = `+arg(text(sc.PackageName)))
	}
	if fits(sc.PackageURL) {
		v := text(sc.PackageURL)
		if strings.Contains(v, "@") {
			where = append(where, `package_url = `+arg(v))
		} else {
			a := arg(v)
			where = append(where, `(package_url = `+a+` OR left(package_url, length(`+a+`) + 1) IN (`+a+` || '@', `+a+` || '?', `+a+` || '#'))`)
		}
	}
	if fits(sc.Repository) {
		where = append(where, `repository = `+arg(text(sc.Repository)))
	}
	if fits(sc.ImageDigest) {
		where = append(where, `image_digest = `+arg(text(sc.ImageDigest)))
	}
	return collectDigests(ctx, tx, `SELECT DISTINCT image_digest FROM findings WHERE `+strings.Join(where, " AND "), out, args...)
}

func suppressedImages(ctx context.Context, tx pgx.Tx, id string, out map[string]bool) error {
	return collectDigests(ctx, tx, `SELECT DISTINCT image_digest FROM findings WHERE suppressed_by = $1`, out, column(id))
}

func collectDigests(ctx context.Context, tx pgx.Tx, q string, out map[string]bool, args ...any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("finding images an exception covers: %w", err)
	}
	ds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("finding images an exception covers: %w", err)
	}
	for _, d := range ds {
		out[d] = true
	}
	return nil
}
