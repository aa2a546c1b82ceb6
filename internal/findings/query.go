package findings

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Query selects findings in the style of Security Hub's GetFindings:
// filters (all must hold), one sort field (ties broken by Id in the same
// direction) and cursor pagination.
type Query struct {
	Filters []Filter `json:"filters,omitempty"`
	// Sort is the order; the zero Sort is UpdatedAt descending.
	Sort Sort `json:"sort,omitzero"`
	// Limit is the page size: 0 means DefaultLimit; at most MaxLimit.
	Limit int `json:"limit,omitempty"`
	// Cursor is Page.Next of the previous page of the same query (same
	// filters and sort); "" for the first page.
	Cursor string `json:"cursor,omitempty"`
}

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// FilterField names a filterable field.
type FilterField string

// Filterable fields. String fields match when the finding's value equals
// any of Filter.Values; date fields when Start <= value < End (a zero bound
// is open).
const (
	FieldID               FilterField = "Id"
	FieldSeverityLabel    FilterField = "SeverityLabel"
	FieldWorkflowStatus   FilterField = "WorkflowStatus"
	FieldRecordState      FilterField = "RecordState"
	FieldComplianceStatus FilterField = "ComplianceStatus"
	FieldRepository       FilterField = "Repository"
	FieldImageDigest      FilterField = "ImageDigest"
	FieldPackageName      FilterField = "PackageName"
	FieldPackageURL       FilterField = "PackageUrl"
	FieldVulnerabilityID  FilterField = "VulnerabilityId"
	FieldCreatedAt        FilterField = "CreatedAt"
	FieldUpdatedAt        FilterField = "UpdatedAt"
	FieldFirstObservedAt  FilterField = "FirstObservedAt"
	FieldLastObservedAt   FilterField = "LastObservedAt"
)

// FilterFields lists the filterable fields.
var FilterFields = []FilterField{FieldID, FieldSeverityLabel, FieldWorkflowStatus, FieldRecordState,
	FieldComplianceStatus, FieldRepository, FieldImageDigest, FieldPackageName, FieldPackageURL,
	FieldVulnerabilityID, FieldCreatedAt, FieldUpdatedAt, FieldFirstObservedAt, FieldLastObservedAt}

// IsDate reports whether the field is a time.
func (f FilterField) IsDate() bool {
	switch f {
	case FieldCreatedAt, FieldUpdatedAt, FieldFirstObservedAt, FieldLastObservedAt:
		return true
	}
	return false
}

// Filter is one condition of a Query.
type Filter struct {
	Field  FilterField `json:"field"`
	Values []string    `json:"values,omitempty"`
	Start  time.Time   `json:"start,omitzero"`
	End    time.Time   `json:"end,omitzero"`
}

// SortField names a sortable field.
type SortField string

// Sortable fields. SeverityLabel sorts by rank (CRITICAL highest).
const (
	SortUpdatedAt       SortField = "UpdatedAt"
	SortCreatedAt       SortField = "CreatedAt"
	SortFirstObservedAt SortField = "FirstObservedAt"
	SortLastObservedAt  SortField = "LastObservedAt"
	SortSeverity        SortField = "SeverityLabel"
	SortID              SortField = "Id"
	SortVulnerabilityID SortField = "VulnerabilityId"
	SortPackageName     SortField = "PackageName"
	SortImageDigest     SortField = "ImageDigest"
)

// SortFields lists the sortable fields.
var SortFields = []SortField{SortUpdatedAt, SortCreatedAt, SortFirstObservedAt, SortLastObservedAt,
	SortSeverity, SortID, SortVulnerabilityID, SortPackageName, SortImageDigest}

// IsNumeric reports whether the field's SortKey is numeric (N) rather than
// a string (S).
func (s SortField) IsNumeric() bool {
	switch s {
	case SortUpdatedAt, SortCreatedAt, SortFirstObservedAt, SortLastObservedAt, SortSeverity:
		return true
	}
	return false
}

// Sort is a query's order.
type Sort struct {
	Field SortField `json:"field"`
	Desc  bool      `json:"desc,omitempty"`
}

// DefaultSort is the order of a Query with no Sort.
var DefaultSort = Sort{Field: SortUpdatedAt, Desc: true}

// Page is one page of a query's findings.
type Page struct {
	Findings []Finding `json:"findings"`
	// Next is the cursor of the next page; "" on the last page.
	Next string `json:"next,omitempty"`
}

// SortKey is a finding's value of a sort field: N for times (Unix
// nanoseconds, UTC) and severity (SeverityLabel.Rank), S for strings.
type SortKey struct {
	N int64  `json:"n,omitempty"`
	S string `json:"s,omitempty"`
}

// Cursor is a decoded Page.Next: the sort key and id of the last finding
// of the previous page. The next page holds the findings after it in the
// query's order: (key, id) > (Key, ID), or < when descending.
type Cursor struct {
	Key SortKey
	ID  string
}

// Prepared is a validated query: defaults filled in, cursor decoded.
type Prepared struct {
	Filters []Filter
	Sort    Sort
	Limit   int
	// After is nil on the first page.
	After *Cursor
	hash  string
}

// Prepare validates a query: unknown filter or sort fields, bad values and
// malformed cursors are errors wrapping ErrInvalidQuery. Backends call it
// first and build their SQL from the result.
func (q Query) Prepare() (Prepared, error) {
	p := Prepared{Filters: q.Filters, Sort: q.Sort, Limit: q.Limit}
	if p.Sort.Field == "" {
		if p.Sort.Desc {
			return Prepared{}, fmt.Errorf("%w: sort: descending without a field", ErrInvalidQuery)
		}
		p.Sort = DefaultSort
	}
	if !slices.Contains(SortFields, p.Sort.Field) {
		return Prepared{}, fmt.Errorf("%w: unknown sort field %q (known: %s)", ErrInvalidQuery, p.Sort.Field, joinFields(SortFields))
	}
	switch {
	case p.Limit == 0:
		p.Limit = DefaultLimit
	case p.Limit < 0 || p.Limit > MaxLimit:
		return Prepared{}, fmt.Errorf("%w: limit %d not in 1..%d", ErrInvalidQuery, p.Limit, MaxLimit)
	}
	for i, f := range q.Filters {
		if err := f.validate(); err != nil {
			return Prepared{}, fmt.Errorf("%w: filter %d: %v", ErrInvalidQuery, i, err)
		}
	}
	p.hash = q.hash(p.Sort)
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, p.hash, p.Sort.Field)
		if err != nil {
			return Prepared{}, err
		}
		p.After = &c
	}
	return p, nil
}

func joinFields[T ~string](fs []T) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func (f Filter) validate() error {
	if !slices.Contains(FilterFields, f.Field) {
		return fmt.Errorf("unknown filter field %q (known: %s)", f.Field, joinFields(FilterFields))
	}
	if f.Field.IsDate() {
		if len(f.Values) > 0 {
			return fmt.Errorf("%s is a date field: use Start and End, not values %q", f.Field, f.Values)
		}
		if f.Start.IsZero() && f.End.IsZero() {
			return fmt.Errorf("%s: neither Start nor End set", f.Field)
		}
		if !f.Start.IsZero() && !f.End.IsZero() && !f.Start.Before(f.End) {
			return fmt.Errorf("%s: Start %s not before End %s", f.Field, f.Start.Format(time.RFC3339), f.End.Format(time.RFC3339))
		}
		return nil
	}
	if !f.Start.IsZero() || !f.End.IsZero() {
		return fmt.Errorf("%s is not a date field: Start and End do not apply", f.Field)
	}
	if len(f.Values) == 0 {
		return fmt.Errorf("%s: no values", f.Field)
	}
	for _, v := range f.Values {
		var ok bool
		switch f.Field {
		case FieldSeverityLabel:
			ok = SeverityLabel(v).Rank() >= 0
		case FieldWorkflowStatus:
			ok = slices.Contains(WorkflowStatuses, WorkflowStatus(v))
		case FieldRecordState:
			ok = v == string(RecordActive) || v == string(RecordArchived)
		case FieldComplianceStatus:
			ok = slices.Contains([]ComplianceStatus{CompliancePassed, ComplianceFailed, ComplianceWarning, ComplianceNotAvailable}, ComplianceStatus(v))
		default:
			ok = v != ""
		}
		if !ok {
			return fmt.Errorf("%s: bad value %q", f.Field, v)
		}
	}
	return nil
}

// Value is the finding's value of a string filter field.
func (f FilterField) Value(x *Finding) string {
	switch f {
	case FieldID:
		return x.ID
	case FieldSeverityLabel:
		return string(x.Severity.Label)
	case FieldWorkflowStatus:
		return string(x.Workflow.Status)
	case FieldRecordState:
		return string(x.RecordState)
	case FieldComplianceStatus:
		return string(x.Compliance.Status)
	case FieldRepository:
		return x.Repository()
	case FieldImageDigest:
		return x.ImageDigest()
	case FieldPackageName:
		return x.PackageName()
	case FieldPackageURL:
		return x.PackageURL()
	case FieldVulnerabilityID:
		return x.VulnerabilityID()
	}
	return ""
}

// Time is the finding's value of a date filter field.
func (f FilterField) Time(x *Finding) time.Time {
	switch f {
	case FieldCreatedAt:
		return x.CreatedAt
	case FieldUpdatedAt:
		return x.UpdatedAt
	case FieldFirstObservedAt:
		return x.FirstObservedAt
	case FieldLastObservedAt:
		return x.LastObservedAt
	}
	return time.Time{}
}

// Matches reports whether a finding passes the filter: the reference
// semantics the backends' SQL must reproduce.
func (f Filter) Matches(x *Finding) bool {
	if f.Field.IsDate() {
		t := f.Field.Time(x)
		if t.IsZero() {
			return false
		}
		return (f.Start.IsZero() || !t.Before(f.Start)) && (f.End.IsZero() || t.Before(f.End))
	}
	return slices.Contains(f.Values, f.Field.Value(x))
}

// Key is a finding's sort key for the field.
func (s SortField) Key(x *Finding) SortKey {
	switch s {
	case SortUpdatedAt:
		return SortKey{N: unixNano(x.UpdatedAt)}
	case SortCreatedAt:
		return SortKey{N: unixNano(x.CreatedAt)}
	case SortFirstObservedAt:
		return SortKey{N: unixNano(x.FirstObservedAt)}
	case SortLastObservedAt:
		return SortKey{N: unixNano(x.LastObservedAt)}
	case SortSeverity:
		return SortKey{N: int64(x.Severity.Label.Rank())}
	case SortID:
		return SortKey{S: x.ID}
	case SortVulnerabilityID:
		return SortKey{S: x.VulnerabilityID()}
	case SortPackageName:
		return SortKey{S: x.PackageName()}
	case SortImageDigest:
		return SortKey{S: x.ImageDigest()}
	}
	return SortKey{}
}

// unixNano is a time's Unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Compare orders two findings by the sort (ties by Id), ascending or
// descending: the reference order the backends' SQL must reproduce.
// Strings compare bytewise.
func (s Sort) Compare(a, b *Finding) int {
	c := compareKey(s.Field.Key(a), s.Field.Key(b))
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if s.Desc {
		return -c
	}
	return c
}

func compareKey(a, b SortKey) int {
	if a.N != b.N {
		if a.N < b.N {
			return -1
		}
		return 1
	}
	return strings.Compare(a.S, b.S)
}

// After reports whether a finding comes after the cursor in the sort.
func (c Cursor) After(s Sort, x *Finding) bool {
	k := compareKey(s.Field.Key(x), c.Key)
	if k == 0 {
		k = strings.Compare(x.ID, c.ID)
	}
	if s.Desc {
		return k < 0
	}
	return k > 0
}

// cursorJSON is the encoded form of a cursor: version, the query's hash
// (a cursor only continues the query it came from), sort key and id.
type cursorJSON struct {
	V int     `json:"v"`
	Q string  `json:"q"`
	K SortKey `json:"k"`
	I string  `json:"i"`
}

// Next is the cursor continuing the query after the finding (the last of
// a page).
func (p Prepared) Next(last *Finding) string {
	b, _ := json.Marshal(cursorJSON{V: 1, Q: p.hash, K: p.Sort.Field.Key(last), I: last.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, hash string, field SortField) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: malformed cursor %q: %v", ErrInvalidQuery, trimTo(s, 64), err)
	}
	var c cursorJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	err = dec.Decode(&c)
	if err == nil {
		if _, tail := dec.Token(); tail != io.EOF {
			err = errors.New("data after the cursor")
		}
	}
	if err != nil || c.V != 1 || c.I == "" {
		return Cursor{}, fmt.Errorf("%w: malformed cursor %q", ErrInvalidQuery, trimTo(s, 64))
	}
	if c.Q != hash {
		return Cursor{}, fmt.Errorf("%w: cursor %q belongs to another query (filters or sort differ)", ErrInvalidQuery, trimTo(s, 64))
	}
	if field.IsNumeric() && c.K.S != "" || !field.IsNumeric() && c.K.N != 0 {
		return Cursor{}, fmt.Errorf("%w: malformed cursor %q: key does not fit sort %s", ErrInvalidQuery, trimTo(s, 64), field)
	}
	return Cursor{Key: c.K, ID: c.I}, nil
}

// hash identifies the query's filters and sort.
func (q Query) hash(s Sort) string {
	fs := make([]Filter, len(q.Filters))
	for i, f := range q.Filters {
		f.Start, f.End = f.Start.UTC(), f.End.UTC()
		fs[i] = f
	}
	b, _ := json.Marshal(struct {
		F []Filter
		S Sort
	}{fs, s})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
