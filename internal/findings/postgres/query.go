package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
)

// dialect writes placeholders $n, compares text and columns as they are
// stored (see text.go) and matches a set of values as one text array.
var dialect = sqlstore.Dialect{
	Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	In: func(col string, vals []string, arg func(any) string) string {
		return col + " = ANY(" + arg(vals) + "::text[])"
	},
	ID:     text,
	Column: column,
	True:   "true",
}

// GetFindings implements findings.Store with sqlstore.Select. One
// statement: one snapshot.
func (s *Store) GetFindings(ctx context.Context, q findings.Query) (findings.Page, error) {
	p, where, args, err := sqlstore.Select(q, dialect)
	if err != nil {
		return findings.Page{}, err
	}
	fs, err := loadFindings(ctx, s.pool, where, args...)
	if err != nil {
		return findings.Page{}, fmt.Errorf("querying findings: %w", err)
	}
	return sqlstore.Page(p, fs), nil
}
