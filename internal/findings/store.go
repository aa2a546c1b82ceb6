package findings

import (
	"context"
	"errors"
	"time"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Store is the findings hub. Implementations: findings/sqlite (embedded)
// and findings/postgres; both pass storetest.Run.
//
// Every method that changes findings runs the pure lifecycle of this
// package (Evaluate, ApplyUpdate, Archive, Summarize) inside one
// transaction: readers see the previous state or the new one, never a mix,
// and a failure (an error, a cancelled ctx, a crash) leaves the previous
// state whole.
type Store interface {
	// ApplyScan records one scan of one image: the observed findings go
	// through Evaluate against the image's stored findings and the active
	// exceptions; the inventory (compressed) and its package index are
	// replaced (kept when scan.Inventory is nil); the summary is recomputed.
	ApplyScan(ctx context.Context, scan ImageScan) (Changes, error)
	// GetFindings returns one page of findings. An unknown filter or sort
	// field, a bad filter value or a malformed cursor is an error wrapping
	// ErrInvalidQuery.
	GetFindings(ctx context.Context, q Query) (Page, error)
	// BatchUpdateFindings sets the workflow status and/or the note of the
	// given findings, each through ApplyUpdate. A finding that is missing
	// or whose transition is not allowed is reported in its UpdateResult
	// and left unchanged; the others are updated. The error is for store
	// failures only (then nothing is changed).
	BatchUpdateFindings(ctx context.Context, ids []string, u Update, by By) ([]UpdateResult, error)
	// History returns a finding's history, oldest first; ErrNotFound when
	// there is no such finding.
	History(ctx context.Context, id string) ([]HistoryEntry, error)
	// Summary returns an image's summary as of its last change;
	// ErrNotFound for an image never scanned.
	Summary(ctx context.Context, digest string) (Summary, error)
	// PutException creates or replaces an exception (by ID) and applies
	// the exceptions at once to the stored findings it or its previous
	// version covers.
	PutException(ctx context.Context, e Exception, by By) error
	// Exceptions lists all exceptions, expired ones included, by ID.
	Exceptions(ctx context.Context) ([]Exception, error)
	// DeleteException removes an exception and restores the findings it
	// suppressed; ErrNotFound when there is none.
	DeleteException(ctx context.Context, id string, by By) error
	// Inventory returns the stored inventory of an image; ErrNotFound
	// when there is none.
	Inventory(ctx context.Context, digest string) (*inventory.Inventory, error)
	// ImagesWithPackages returns the digests (sorted, unique) of the
	// images whose inventory holds any of the packages, as PackageIndex
	// names them.
	ImagesWithPackages(ctx context.Context, refs []vulndb.PackageRef) ([]string, error)
	// Archive sets every ACTIVE finding of an image ARCHIVED (the image
	// was deleted or is out of scope); a later scan that observes them
	// again makes them ACTIVE and NEW. ErrNotFound for an unknown image.
	Archive(ctx context.Context, digest string, by By) (Changes, error)
	Close() error
}

// AgeArchiver is implemented by stores that archive old findings: every
// ACTIVE finding RESOLVED and not updated since before is set ARCHIVED
// (ArchiveResolved), across images, in one transaction, and the images'
// summaries follow. The Changes list the archived findings and the history
// appended; Changes.Summary is left zero.
type AgeArchiver interface {
	ArchiveResolved(ctx context.Context, before time.Time, by By) (Changes, error)
}

// Errors a Store returns; test with errors.Is.
var (
	// ErrNotFound: no such finding, image or exception.
	ErrNotFound = errors.New("not found")
	// ErrInvalidQuery: an unknown filter or sort field, a bad filter value,
	// a malformed cursor or one from another query.
	ErrInvalidQuery = errors.New("invalid query")
	// ErrTransition: a workflow transition users may not make.
	ErrTransition = errors.New("workflow transition not allowed")
	// ErrInvalidScan: an ImageScan that cannot be applied (a finding of
	// another image, a duplicate or empty id, a bad label).
	ErrInvalidScan = errors.New("invalid scan")
	// ErrInvalidException: an exception without id, owner or reason.
	ErrInvalidException = errors.New("invalid exception")
)

// By says who makes a change and when. A zero At means the store's clock
// (time.Now); tests pass one.
type By struct {
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// Image identifies a scanned image.
type Image struct {
	// Digest is the manifest digest ("sha256:…"): the key of everything.
	Digest string `json:"digest"`
	// Repository is the repository with its registry host.
	Repository string `json:"repository,omitempty"`
	// Reference is what was scanned ("repo:tag", "repo@digest", a path).
	Reference    string    `json:"reference,omitempty"`
	Tags         []string  `json:"tags,omitempty"`
	Architecture string    `json:"architecture,omitempty"`
	PublishedAt  time.Time `json:"publishedAt,omitzero"`
}

// VulnDB identifies the vulnerability database build findings were judged
// against.
type VulnDB struct {
	BuiltAt    time.Time `json:"builtAt"`
	Advisories int       `json:"advisories,omitempty"`
}

// Policy is the compliance rule of an image: FAILED when any open finding
// (see Finding.Open) is rated FailAt or above. The zero Policy is the
// default: FailAt HIGH.
type Policy struct {
	FailAt SeverityLabel `json:"failAt,omitempty"`
}

// ImageScan is one scan of one image, as ApplyScan records it.
type ImageScan struct {
	Image Image
	// Inventory is stored (compressed) for re-evaluation and indexed by
	// PackageIndex; nil keeps the stored one (a re-evaluation).
	Inventory *inventory.Inventory
	// Findings are the observed findings: every one of this image, with
	// unique ids (FromReport builds them).
	Findings []Finding
	VulnDB   VulnDB
	// Policy is the image's compliance policy from now on (the zero
	// Policy is the default); a re-evaluation passes Summary.Policy.
	Policy Policy
	By     By
	// Reevaluation marks a re-match of the stored inventory against a new
	// vulnerability database rather than a new look at the image: findings
	// whose content does not change keep their LastObservedAt and
	// UpdatedAt and are not rewritten.
	Reevaluation bool
}

// Changes is what one call changed. The id lists are sorted.
type Changes struct {
	// Created: findings seen for the first time.
	Created []string `json:"created,omitempty"`
	// Reopened: findings that were RESOLVED or ARCHIVED and are observed
	// again (Workflow back to NEW where Security Hub resets it).
	Reopened []string `json:"reopened,omitempty"`
	// Resolved: findings no longer observed.
	Resolved []string `json:"resolved,omitempty"`
	// Modified: findings still observed whose severity, fix or content
	// changed.
	Modified []string `json:"modified,omitempty"`
	// Suppressed and Unsuppressed: findings an exception took or released.
	Suppressed   []string `json:"suppressed,omitempty"`
	Unsuppressed []string `json:"unsuppressed,omitempty"`
	// Archived: findings set ARCHIVED.
	Archived []string `json:"archived,omitempty"`
	// History is every entry appended.
	History []HistoryEntry `json:"history,omitempty"`
	// Summary is the image's summary afterwards.
	Summary Summary `json:"summary"`
}

// HistoryEntry is one change of one field of one finding.
type HistoryEntry struct {
	FindingID string    `json:"FindingId"`
	At        time.Time `json:"At"`
	Actor     string    `json:"Actor"`
	// Field is the ASFF path of the field ("Workflow.Status",
	// "RecordState", "Compliance.Status", "Severity.Label",
	// "Vulnerabilities.FixAvailable",
	// "Vulnerabilities.VulnerablePackages.FixedInVersion", "Note.Text").
	Field string `json:"Field"`
	From  string `json:"From"`
	To    string `json:"To"`
	// Reason says why ("first observed", "not observed", "exception
	// EXC-1", "user update"...).
	Reason string `json:"Reason,omitempty"`
}

// Update is a BatchUpdateFindings change: an empty Workflow or a nil Note
// leaves that part alone.
type Update struct {
	Workflow WorkflowStatus `json:"workflow,omitempty"`
	Note     *string        `json:"note,omitempty"`
}

// UpdateResult is the outcome for one id of BatchUpdateFindings. Err is nil
// when the finding was updated (or already as asked); it wraps ErrNotFound
// or ErrTransition otherwise.
type UpdateResult struct {
	ID  string `json:"id"`
	Err error  `json:"-"`
}

// Summary is the state of one image.
type Summary struct {
	Image Image `json:"image"`
	// BySeverity counts open findings (Finding.Open) by label.
	BySeverity map[SeverityLabel]int `json:"bySeverity"`
	// ByWorkflow counts ACTIVE findings by workflow status.
	ByWorkflow map[WorkflowStatus]int `json:"byWorkflow"`
	// Archived counts ARCHIVED findings.
	Archived int `json:"archived"`
	// Compliance is PASSED or FAILED under Policy.
	Compliance ComplianceStatus `json:"compliance"`
	Policy     Policy           `json:"policy"`
	VulnDB     VulnDB           `json:"vulnDB"`
	// EvaluatedAt is when the summary was last computed.
	EvaluatedAt time.Time `json:"evaluatedAt"`
}

// Exception suppresses the findings in its scope until it expires.
type Exception struct {
	ID    string         `json:"id"`
	Scope ExceptionScope `json:"scope"`
	// Owner is accountable for it; Reason says why it is accepted.
	Owner  string `json:"owner"`
	Reason string `json:"reason"`
	// Expires is when it stops applying; zero: never.
	Expires   time.Time `json:"expires,omitzero"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// ExceptionScope says which findings an exception covers: every field set
// must match (empty fields match anything; an empty scope is global).
type ExceptionScope struct {
	VulnerabilityID string `json:"vulnerabilityId,omitempty"`
	PackageName     string `json:"packageName,omitempty"`
	PackageURL      string `json:"packageUrl,omitempty"`
	Repository      string `json:"repository,omitempty"`
	ImageDigest     string `json:"imageDigest,omitempty"`
}
