package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/sqlstore"
)

// dialect writes placeholders ? and values as they are.
var dialect = sqlstore.Dialect{
	Placeholder: func(int) string { return "?" },
	In: func(col string, vals []string, arg func(any) string) string {
		ps := make([]string, len(vals))
		for i, v := range vals {
			ps[i] = arg(v)
		}
		return col + " IN (" + strings.Join(ps, ", ") + ")"
	},
	True: "1 = 1",
}

// GetFindings implements findings.Store with sqlstore.Select.
func (s *Store) GetFindings(ctx context.Context, q findings.Query) (findings.Page, error) {
	p, where, args, err := sqlstore.Select(q, dialect)
	if err != nil {
		return findings.Page{}, err
	}
	fs, err := loadFindings(ctx, s.db, where, args...)
	if err != nil {
		return findings.Page{}, fmt.Errorf("querying findings: %w", err)
	}
	return sqlstore.Page(p, fs), nil
}
