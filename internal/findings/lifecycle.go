package findings

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// The lifecycle of a finding, following Security Hub's rules
// (https://docs.aws.amazon.com/securityhub/latest/userguide/findings-workflow-status.html):
//
//   - First observed: Workflow NEW, RecordState ACTIVE, Compliance FAILED,
//     CreatedAt = FirstObservedAt = LastObservedAt = UpdatedAt = now.
//   - Observed again: LastObservedAt = UpdatedAt = now; the content is
//     replaced by the new observation; a change of Severity.Label,
//     FixAvailable or FixedInVersion is recorded in the history.
//   - Not observed any more (package fixed or removed, advisory
//     withdrawn): Workflow RESOLVED, Compliance PASSED; RecordState stays
//     ACTIVE until Archive.
//   - Observed again after that: Compliance PASSED → FAILED (or
//     RecordState ARCHIVED → ACTIVE) resets a NOTIFIED or RESOLVED finding
//     to NEW, as Security Hub does; a SUPPRESSED one stays SUPPRESSED.
//   - An active exception covering an observed NEW or NOTIFIED finding
//     sets it SUPPRESSED (ProductFields record the exception and the
//     status it had); when no exception covers it any more (expired,
//     deleted, narrowed) it goes back to that status.
//   - Users change the workflow through ApplyUpdate (CheckTransition says
//     which changes are allowed).
//
// Every change of a field appends a HistoryEntry. All times are UTC,
// truncated to the microsecond (what PostgreSQL keeps).

// Observation is the input of Evaluate.
type Observation struct {
	Image Image
	// Existing are the image's stored findings, in any state.
	Existing []Finding
	// Scanned says Observed is a complete new observation of the image.
	// When false, Evaluate only re-applies the exceptions (after one was
	// put or deleted, or to let expired ones go).
	Scanned  bool
	Observed []Finding
	// Reevaluation: Observed comes from re-matching the stored inventory
	// (see ImageScan.Reevaluation); unchanged findings are left as stored.
	Reevaluation bool
	// Exceptions are all exceptions; those active at By.At apply.
	Exceptions []Exception
	By         By
}

// Plan is what Evaluate decided.
type Plan struct {
	// Upserts are the findings to write, complete, sorted by ID.
	Upserts []Finding
	// History is the entries to append, in order.
	History []HistoryEntry
	// Changes lists the ids per kind of change (History and Summary are
	// left to the caller).
	Changes Changes
	// Findings are all the image's findings afterwards, sorted by ID: what
	// Summarize reads.
	Findings []Finding
}

// Now returns the time a change is stamped with: At in UTC, truncated to
// the microsecond, or the current time when At is zero.
func (b By) Now() time.Time {
	t := b.At
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

type working struct {
	f     Finding
	dirty bool
}

type planner struct {
	reeval  bool
	now     time.Time
	actor   string
	byID    map[string]*working
	history []HistoryEntry
	changes Changes
}

func (p *planner) record(w *working, field, from, to, reason string) {
	w.dirty = true
	p.history = append(p.history, HistoryEntry{FindingID: w.f.ID, At: p.now, Actor: p.actor, Field: field, From: from, To: to, Reason: reason})
}

// Evaluate applies the lifecycle to one image. It is pure: it reads no
// clock (By.At is "now"; a zero At means time.Now) and does no I/O.
func Evaluate(o Observation) (Plan, error) {
	if o.Image.Digest == "" {
		return Plan{}, fmt.Errorf("%w: image without digest", ErrInvalidScan)
	}
	p := &planner{now: o.By.Now(), actor: o.By.Actor, byID: map[string]*working{}, reeval: o.Reevaluation}
	for _, e := range o.Existing {
		if _, dup := p.byID[e.ID]; dup {
			return Plan{}, fmt.Errorf("%w: image %s: stored finding %q twice", ErrInvalidScan, o.Image.Digest, e.ID)
		}
		p.byID[e.ID] = &working{f: e.Clone()}
	}
	if o.Scanned {
		if err := validateObserved(o.Image.Digest, o.Observed); err != nil {
			return Plan{}, err
		}
		seen := make(map[string]bool, len(o.Observed))
		for i := range o.Observed {
			seen[o.Observed[i].ID] = true
			p.observe(&o.Observed[i])
		}
		for _, w := range p.sorted() {
			if !seen[w.f.ID] {
				p.disappear(w)
			}
		}
	}
	active := activeExceptions(o.Exceptions, p.now)
	for _, w := range p.sorted() {
		p.applyExceptions(w, active)
	}
	return p.plan(), nil
}

func validateObserved(digest string, fs []Finding) error {
	ids := make(map[string]bool, len(fs))
	for i := range fs {
		f := &fs[i]
		switch {
		case f.ID == "":
			return fmt.Errorf("%w: image %s: finding %d has no Id", ErrInvalidScan, digest, i)
		case ids[f.ID]:
			return fmt.Errorf("%w: image %s: finding %q observed twice", ErrInvalidScan, digest, f.ID)
		case f.ImageDigest() != digest:
			return fmt.Errorf("%w: finding %q is of image %q, not %s", ErrInvalidScan, f.ID, f.ImageDigest(), digest)
		case f.Severity.Label.Rank() < 0:
			return fmt.Errorf("%w: finding %q: bad severity label %q", ErrInvalidScan, f.ID, f.Severity.Label)
		}
		ids[f.ID] = true
	}
	return nil
}

func (p *planner) sorted() []*working {
	out := make([]*working, 0, len(p.byID))
	for _, w := range p.byID {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].f.ID < out[j].f.ID })
	return out
}

func (p *planner) observe(o *Finding) {
	n := o.Clone()
	if n.SchemaVersion == "" {
		n.SchemaVersion = SchemaVersion
	}
	n.LastObservedAt, n.UpdatedAt = p.now, p.now
	n.Note = Note{}
	n.setProductField(ProductFieldSuppressedBy, "")
	n.setProductField(ProductFieldSuppressedFrom, "")
	w, ok := p.byID[n.ID]
	if !ok {
		n.CreatedAt, n.FirstObservedAt = p.now, p.now
		n.Workflow.Status, n.RecordState, n.Compliance.Status = WorkflowNew, RecordActive, ComplianceFailed
		w = &working{f: n}
		p.byID[n.ID] = w
		p.record(w, "Workflow.Status", "", string(WorkflowNew), "first observed")
		p.changes.Created = append(p.changes.Created, n.ID)
		return
	}
	e := w.f
	n.CreatedAt, n.FirstObservedAt = e.CreatedAt, e.FirstObservedAt
	n.Workflow, n.RecordState, n.Compliance, n.Note = e.Workflow, e.RecordState, e.Compliance, e.Note
	n.setProductField(ProductFieldSuppressedBy, e.ProductFields[ProductFieldSuppressedBy])
	n.setProductField(ProductFieldSuppressedFrom, e.ProductFields[ProductFieldSuppressedFrom])
	if p.reeval && e.RecordState == RecordActive && e.Compliance.Status == ComplianceFailed {
		// A re-match that finds the same thing: nothing was observed anew,
		// so nothing is written.
		n.LastObservedAt, n.UpdatedAt = e.LastObservedAt, e.UpdatedAt
		if reflect.DeepEqual(n, e) {
			return
		}
	}
	w.f = n
	w.dirty = true
	if e.Severity.Label != n.Severity.Label {
		p.record(w, "Severity.Label", string(e.Severity.Label), string(n.Severity.Label), "observed with another severity")
	}
	if e.FixAvailable() != n.FixAvailable() {
		p.record(w, "Vulnerabilities.FixAvailable", string(e.FixAvailable()), string(n.FixAvailable()), "observed with another fix")
	}
	if e.FixedInVersion() != n.FixedInVersion() {
		p.record(w, "Vulnerabilities.VulnerablePackages.FixedInVersion", e.FixedInVersion(), n.FixedInVersion(), "observed with another fix")
	}
	modified := e.Severity.Label != n.Severity.Label || e.FixAvailable() != n.FixAvailable() || e.FixedInVersion() != n.FixedInVersion()
	reopen := false
	if e.RecordState != RecordActive {
		p.record(w, "RecordState", string(e.RecordState), string(RecordActive), "observed again")
		w.f.RecordState = RecordActive
		reopen = true
	}
	if e.Compliance.Status != ComplianceFailed {
		p.record(w, "Compliance.Status", string(e.Compliance.Status), string(ComplianceFailed), "observed again")
		w.f.Compliance.Status = ComplianceFailed
		reopen = reopen || e.Compliance.Status == CompliancePassed
	}
	if reopen {
		if s := w.f.Workflow.Status; s == WorkflowNotified || s == WorkflowResolved || s == "" {
			p.record(w, "Workflow.Status", string(s), string(WorkflowNew), "observed again")
			w.f.Workflow.Status = WorkflowNew
		}
		p.changes.Reopened = append(p.changes.Reopened, n.ID)
	} else if modified {
		p.changes.Modified = append(p.changes.Modified, n.ID)
	}
}

// disappear resolves an ACTIVE finding that was observed until now.
func (p *planner) disappear(w *working) {
	f := &w.f
	if f.RecordState == RecordArchived || f.Compliance.Status == CompliancePassed {
		return
	}
	p.record(w, "Compliance.Status", string(f.Compliance.Status), string(CompliancePassed), "not observed")
	f.Compliance.Status = CompliancePassed
	if f.Workflow.Status != WorkflowResolved {
		p.record(w, "Workflow.Status", string(f.Workflow.Status), string(WorkflowResolved), "not observed")
		f.Workflow.Status = WorkflowResolved
	}
	f.setProductField(ProductFieldSuppressedBy, "")
	f.setProductField(ProductFieldSuppressedFrom, "")
	f.UpdatedAt = p.now
	p.changes.Resolved = append(p.changes.Resolved, f.ID)
}

func (p *planner) applyExceptions(w *working, active []Exception) {
	f := &w.f
	if f.RecordState == RecordArchived || f.Compliance.Status == CompliancePassed {
		return
	}
	var ex *Exception
	for i := range active {
		if active[i].Covers(f) {
			ex = &active[i]
			break
		}
	}
	by := f.ProductFields[ProductFieldSuppressedBy]
	switch {
	case ex != nil && by == ex.ID:
	case ex != nil && by != "":
		p.record(w, "ProductFields."+ProductFieldSuppressedBy, by, ex.ID, ex.describe())
		f.setProductField(ProductFieldSuppressedBy, ex.ID)
		f.UpdatedAt = p.now
	case ex != nil:
		s := f.Workflow.Status
		if s != WorkflowNew && s != WorkflowNotified {
			return // a user's RESOLVED or SUPPRESSED stands
		}
		p.record(w, "Workflow.Status", string(s), string(WorkflowSuppressed), ex.describe())
		f.Workflow.Status = WorkflowSuppressed
		f.setProductField(ProductFieldSuppressedBy, ex.ID)
		f.setProductField(ProductFieldSuppressedFrom, string(s))
		f.UpdatedAt = p.now
		p.changes.Suppressed = append(p.changes.Suppressed, f.ID)
	case by != "":
		from := WorkflowStatus(f.ProductFields[ProductFieldSuppressedFrom])
		if from != WorkflowNotified {
			from = WorkflowNew
		}
		if f.Workflow.Status == WorkflowSuppressed {
			p.record(w, "Workflow.Status", string(WorkflowSuppressed), string(from), "exception "+by+" no longer applies")
			f.Workflow.Status = from
		}
		f.setProductField(ProductFieldSuppressedBy, "")
		f.setProductField(ProductFieldSuppressedFrom, "")
		f.UpdatedAt = p.now
		w.dirty = true
		p.changes.Unsuppressed = append(p.changes.Unsuppressed, f.ID)
	}
}

func (p *planner) plan() Plan {
	var out Plan
	for _, w := range p.sorted() {
		out.Findings = append(out.Findings, w.f)
		if w.dirty {
			out.Upserts = append(out.Upserts, w.f)
		}
	}
	out.History = p.history
	out.Changes = p.changes
	out.Changes.sort()
	return out
}

func (c *Changes) sort() {
	for _, s := range [][]string{c.Created, c.Reopened, c.Resolved, c.Modified, c.Suppressed, c.Unsuppressed, c.Archived} {
		sort.Strings(s)
	}
}

// CheckTransition says whether a user may move a finding to a workflow
// status (BatchUpdateFindings). Security Hub sets NEW itself (a finding
// first seen, or one that comes back), so users may not; they may move a
// finding between NOTIFIED, SUPPRESSED and RESOLVED in any direction. A
// finding suppressed by an exception stays so until the exception is
// deleted, narrowed or expires. The error wraps ErrTransition.
func CheckTransition(f *Finding, to WorkflowStatus) error {
	from := f.Workflow.Status
	switch {
	case !slices.Contains(WorkflowStatuses, to):
		return fmt.Errorf("%w: finding %q: unknown workflow status %q (want one of NOTIFIED, SUPPRESSED, RESOLVED)", ErrTransition, f.ID, to)
	case from == to:
		return nil
	case to == WorkflowNew:
		return fmt.Errorf("%w: finding %q: %s → NEW: NEW is set by Vigil only (a finding first seen or seen again)", ErrTransition, f.ID, from)
	case from == WorkflowSuppressed && f.ProductFields[ProductFieldSuppressedBy] != "":
		return fmt.Errorf("%w: finding %q: SUPPRESSED → %s: suppressed by exception %q; delete or narrow the exception", ErrTransition, f.ID, to, f.ProductFields[ProductFieldSuppressedBy])
	}
	return nil
}

// ApplyUpdate applies a user's update to one finding. It returns the
// updated finding and the history entries (none when nothing changed), or
// an error wrapping ErrTransition and no change. UpdatedAt is left alone,
// as Security Hub leaves it on BatchUpdateFindings: it is the provider's
// time; the history and Note.UpdatedAt record the user's.
func ApplyUpdate(f Finding, u Update, by By) (Finding, []HistoryEntry, error) {
	now := by.Now()
	out := f.Clone()
	var hist []HistoryEntry
	if u.Workflow != "" {
		if err := CheckTransition(&f, u.Workflow); err != nil {
			return f, nil, err
		}
		if u.Workflow != f.Workflow.Status {
			hist = append(hist, HistoryEntry{FindingID: f.ID, At: now, Actor: by.Actor, Field: "Workflow.Status", From: string(f.Workflow.Status), To: string(u.Workflow), Reason: "user update"})
			out.Workflow.Status = u.Workflow
		}
	}
	if u.Note != nil && *u.Note != f.Note.Text {
		hist = append(hist, HistoryEntry{FindingID: f.ID, At: now, Actor: by.Actor, Field: "Note.Text", From: f.Note.Text, To: *u.Note, Reason: "user update"})
		out.Note = Note{Text: *u.Note, UpdatedBy: by.Actor, UpdatedAt: now}
		if *u.Note == "" {
			out.Note = Note{}
		}
	}
	return out, hist, nil
}

// ArchiveFindings sets every ACTIVE finding ARCHIVED (Store.Archive).
func ArchiveFindings(fs []Finding, by By) Plan {
	return archive(fs, by, "archived", func(*Finding) bool { return true })
}

// ArchiveResolved sets ARCHIVED the ACTIVE findings that are RESOLVED and
// were last updated before the cutoff (AgeArchiver); others are left.
func ArchiveResolved(fs []Finding, before time.Time, by By) Plan {
	return archive(fs, by, "resolved since before "+before.UTC().Format(time.RFC3339), func(f *Finding) bool {
		return f.Workflow.Status == WorkflowResolved && f.UpdatedAt.Before(before)
	})
}

func archive(fs []Finding, by By, reason string, pick func(*Finding) bool) Plan {
	p := &planner{now: by.Now(), actor: by.Actor, byID: map[string]*working{}}
	for _, f := range fs {
		p.byID[f.ID] = &working{f: f.Clone()}
	}
	for _, w := range p.sorted() {
		if w.f.RecordState == RecordArchived || !pick(&w.f) {
			continue
		}
		p.record(w, "RecordState", string(w.f.RecordState), string(RecordArchived), reason)
		w.f.RecordState = RecordArchived
		w.f.UpdatedAt = p.now
		p.changes.Archived = append(p.changes.Archived, w.f.ID)
	}
	return p.plan()
}

// Active reports whether the exception applies at t.
func (e *Exception) Active(t time.Time) bool {
	return e.Expires.IsZero() || t.Before(e.Expires)
}

// Covers reports whether the finding is in the exception's scope. The
// vulnerability id matches the finding's id or one of its related ids
// (aliases); a package URL without a version ("pkg:apk/alpine/openssl")
// matches every version of the package.
func (e *Exception) Covers(f *Finding) bool {
	s := e.Scope
	if s.VulnerabilityID != "" && s.VulnerabilityID != f.VulnerabilityID() {
		if len(f.Vulnerabilities) == 0 || !slices.Contains(f.Vulnerabilities[0].RelatedVulnerabilities, s.VulnerabilityID) {
			return false
		}
	}
	if s.PackageName != "" && s.PackageName != f.PackageName() {
		return false
	}
	if s.PackageURL != "" && s.PackageURL != f.PackageURL() {
		if strings.Contains(s.PackageURL, "@") || s.PackageURL != purlWithoutVersion(f.PackageURL()) {
			return false
		}
	}
	if s.Repository != "" && s.Repository != f.Repository() {
		return false
	}
	if s.ImageDigest != "" && s.ImageDigest != f.ImageDigest() {
		return false
	}
	return true
}

// Validate checks an exception before it is stored.
func (e *Exception) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: no id", ErrInvalidException)
	case e.Owner == "":
		return fmt.Errorf("%w: %s: no owner", ErrInvalidException, e.ID)
	case e.Reason == "":
		return fmt.Errorf("%w: %s: no reason", ErrInvalidException, e.ID)
	}
	return nil
}

func (e *Exception) describe() string {
	return fmt.Sprintf("exception %s (%s: %s)", e.ID, e.Owner, e.Reason)
}

// purlWithoutVersion cuts "@version", qualifiers and subpath off a PURL.
func purlWithoutVersion(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if i := strings.LastIndex(p, "@"); i >= 0 {
		p = p[:i]
	}
	return p
}

// activeExceptions returns the exceptions active at t, by ID.
func activeExceptions(exs []Exception, t time.Time) []Exception {
	var out []Exception
	for _, e := range exs {
		if e.Active(t) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
