package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/internal/findings"
)

// filterColumns maps filter fields to columns.
var filterColumns = map[findings.FilterField]string{
	findings.FieldID:               "id",
	findings.FieldSeverityLabel:    "severity_label",
	findings.FieldWorkflowStatus:   "workflow_status",
	findings.FieldRecordState:      "record_state",
	findings.FieldComplianceStatus: "compliance_status",
	findings.FieldRepository:       "repository",
	findings.FieldImageDigest:      "image_digest",
	findings.FieldPackageName:      "package_name",
	findings.FieldPackageURL:       "package_url",
	findings.FieldVulnerabilityID:  "vulnerability_id",
	findings.FieldCreatedAt:        "created_at",
	findings.FieldUpdatedAt:        "updated_at",
	findings.FieldFirstObservedAt:  "first_observed_at",
	findings.FieldLastObservedAt:   "last_observed_at",
}

// sortColumns maps sort fields to columns.
var sortColumns = map[findings.SortField]string{
	findings.SortUpdatedAt:       "updated_at",
	findings.SortCreatedAt:       "created_at",
	findings.SortFirstObservedAt: "first_observed_at",
	findings.SortLastObservedAt:  "last_observed_at",
	findings.SortSeverity:        "severity_rank",
	findings.SortID:              "id",
	findings.SortVulnerabilityID: "vulnerability_id",
	findings.SortPackageName:     "package_name",
	findings.SortImageDigest:     "image_digest",
}

// GetFindings implements findings.Store: keyset pagination on (sort
// column, id), so a page never repeats or skips a finding because others
// were added or changed before the cursor. One statement: one snapshot.
func (s *Store) GetFindings(ctx context.Context, q findings.Query) (findings.Page, error) {
	p, err := q.Prepare()
	if err != nil {
		return findings.Page{}, fmt.Errorf("querying findings: %w", err)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, f := range p.Filters {
		col, ok := filterColumns[f.Field]
		if !ok {
			return findings.Page{}, fmt.Errorf("querying findings: %w: filter field %q", findings.ErrInvalidQuery, f.Field)
		}
		if f.Field.IsDate() {
			where = append(where, col+" <> 0")
			if !f.Start.IsZero() {
				where = append(where, col+" >= "+arg(f.Start.UnixNano()))
			}
			if !f.End.IsZero() {
				where = append(where, col+" < "+arg(f.End.UnixNano()))
			}
			continue
		}
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			if col == "id" {
				vals[i] = text(v)
			} else {
				vals[i] = column(v)
			}
		}
		where = append(where, col+" = ANY("+arg(vals)+"::text[])")
	}
	col, ok := sortColumns[p.Sort.Field]
	if !ok {
		return findings.Page{}, fmt.Errorf("querying findings: %w: sort field %q", findings.ErrInvalidQuery, p.Sort.Field)
	}
	dir, cmp := "ASC", ">"
	if p.Sort.Desc {
		dir, cmp = "DESC", "<"
	}
	if p.After != nil {
		var key any = column(p.After.Key.S)
		if p.Sort.Field.IsNumeric() {
			key = p.After.Key.N
		}
		if col == "id" {
			where = append(where, "id "+cmp+" "+arg(text(p.After.ID)))
		} else {
			where = append(where, "("+col+", id) "+cmp+" ("+arg(key)+", "+arg(text(p.After.ID))+")")
		}
	}
	cond := "true"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	order := col + " " + dir
	if col != "id" {
		order += ", id " + dir
	}
	fs, err := loadFindings(ctx, s.pool, cond+" ORDER BY "+order+fmt.Sprintf(" LIMIT %d", p.Limit+1), args...)
	if err != nil {
		return findings.Page{}, fmt.Errorf("querying findings: %w", err)
	}
	page := findings.Page{Findings: fs}
	if page.Findings == nil {
		page.Findings = []findings.Finding{}
	}
	if len(fs) > p.Limit {
		page.Findings = fs[:p.Limit]
		page.Next = p.Next(&page.Findings[p.Limit-1])
	}
	return page, nil
}
