// Package sqlstore holds what the SQL findings backends (sqlite, postgres)
// share: the SQL condition a findings.Query becomes, the page made of the
// rows it selects, and the steps of a write that do not depend on the
// driver. It holds no database handle: each backend runs the SQL through
// its own driver. It must not import the backends.
package sqlstore

import (
	"fmt"
	"strings"

	"github.com/vigilhq/vigil/internal/findings"
)

// Dialect is what the backends' SQL differs in.
type Dialect struct {
	// Placeholder is the placeholder of the n-th argument (from 1).
	Placeholder func(n int) string
	// In is the condition "col is one of vals"; arg adds an argument and
	// returns its placeholder.
	In func(col string, vals []string, arg func(any) string) string
	// ID and Column are how a string compared with the id column and with
	// any other column is written (a filter value, a cursor key); nil
	// writes it as is.
	ID, Column func(string) string
	// True is a condition that always holds.
	True string
}

// FilterColumns maps filter fields to columns.
var FilterColumns = map[findings.FilterField]string{
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

// SortColumns maps sort fields to columns.
var SortColumns = map[findings.SortField]string{
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

// Select prepares q and writes what follows WHERE in the statement that
// selects a page of it: keyset pagination on (sort column, id), so a page
// never repeats or skips a finding because others were added or changed
// before the cursor. The statement selects one finding more than the page
// holds, which tells Page whether there is a next page.
func Select(q findings.Query, d Dialect) (p findings.Prepared, where string, args []any, err error) {
	p, err = q.Prepare()
	if err != nil {
		return findings.Prepared{}, "", nil, fmt.Errorf("querying findings: %w", err)
	}
	arg := func(v any) string {
		args = append(args, v)
		return d.Placeholder(len(args))
	}
	value := func(col, v string) string {
		f := d.Column
		if col == "id" {
			f = d.ID
		}
		if f == nil {
			return v
		}
		return f(v)
	}
	var conds []string
	for _, f := range p.Filters {
		col, ok := FilterColumns[f.Field]
		if !ok {
			return findings.Prepared{}, "", nil, fmt.Errorf("querying findings: %w: filter field %q", findings.ErrInvalidQuery, f.Field)
		}
		if f.Field.IsDate() {
			conds = append(conds, col+" <> 0")
			if !f.Start.IsZero() {
				conds = append(conds, col+" >= "+arg(f.Start.UnixNano()))
			}
			if !f.End.IsZero() {
				conds = append(conds, col+" < "+arg(f.End.UnixNano()))
			}
			continue
		}
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			vals[i] = value(col, v)
		}
		conds = append(conds, d.In(col, vals, arg))
	}
	col, ok := SortColumns[p.Sort.Field]
	if !ok {
		return findings.Prepared{}, "", nil, fmt.Errorf("querying findings: %w: sort field %q", findings.ErrInvalidQuery, p.Sort.Field)
	}
	dir, cmp := "ASC", ">"
	if p.Sort.Desc {
		dir, cmp = "DESC", "<"
	}
	if p.After != nil {
		var key any = value(col, p.After.Key.S)
		if p.Sort.Field.IsNumeric() {
			key = p.After.Key.N
		}
		if col == "id" {
			conds = append(conds, "id "+cmp+" "+arg(value("id", p.After.ID)))
		} else {
			conds = append(conds, "("+col+", id) "+cmp+" ("+arg(key)+", "+arg(value("id", p.After.ID))+")")
		}
	}
	cond := d.True
	if len(conds) > 0 {
		cond = strings.Join(conds, " AND ")
	}
	order := col + " " + dir
	if col != "id" {
		order += ", id " + dir
	}
	return p, cond + " ORDER BY " + order + fmt.Sprintf(" LIMIT %d", p.Limit+1), args, nil
}

// Page is the page of p made of the findings its statement selected.
func Page(p findings.Prepared, fs []findings.Finding) findings.Page {
	page := findings.Page{Findings: fs}
	if page.Findings == nil {
		page.Findings = []findings.Finding{}
	}
	if len(fs) > p.Limit {
		page.Findings = fs[:p.Limit]
		page.Next = p.Next(&page.Findings[p.Limit-1])
	}
	return page
}
