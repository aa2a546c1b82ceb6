// Package findings is Vigil's findings hub: the ASFF (AWS Security Finding
// Format, schema 2018-10-08) model of a finding, its lifecycle as a pure
// function, per-image summaries, and the Store interface that the SQLite
// and PostgreSQL backends implement (storetest holds their conformance
// suite).
//
// A finding is one vulnerability in one package of one image digest (or
// later one rule at one location). Its Id is deterministic (see
// VulnerabilityFindingID), so a rescan updates a finding instead of
// duplicating it. The lifecycle (Evaluate) follows Security Hub's own
// rules: see lifecycle.go.
//
// The model marshals to ASFF JSON with ASFF's field names and converts to
// and from the AWS SDK's securityhub types (ToSDK, FromSDK). Vigil's own
// bookkeeping that ASFF has no field for (the repository, the package URL,
// the exception that suppressed a finding) lives in ProductFields under
// "vigil/" keys (the ProductField* constants), which Security Hub keeps as
// provider data.
//
// This package must not import the server, the gates or the catalogers.
package findings

import (
	"strings"
	"time"
)

// SchemaVersion is the ASFF schema version Vigil writes.
const SchemaVersion = "2018-10-08"

// Types of Vigil findings (ASFF "namespace/category/classifier" taxonomy).
const (
	TypeVulnerabilityCVE = "Software and Configuration Checks/Vulnerabilities/CVE"
	TypeVulnerability    = "Software and Configuration Checks/Vulnerabilities"
)

// Resource types Vigil writes.
const (
	ResourceTypeEcrImage  = "AwsEcrContainerImage"
	ResourceTypeContainer = "Container"
)

// ProductFields keys Vigil writes.
const (
	// ProductFieldRepository is the image's repository, registry host
	// included ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
	// "ghcr.io/org/app"): one spelling for every resource type.
	ProductFieldRepository = "vigil/Repository"
	// ProductFieldPackageURL is the vulnerable package's PURL.
	ProductFieldPackageURL = "vigil/PackageUrl"
	// ProductFieldSeveritySource names who rated the severity.
	ProductFieldSeveritySource = "vigil/SeveritySource"
	// ProductFieldDataSource is the advisory feed and namespace.
	ProductFieldDataSource = "vigil/DataSource"
	// ProductFieldSuppressedBy is the id of the exception that set the
	// finding SUPPRESSED; ProductFieldSuppressedFrom the workflow status it
	// had before, restored when the exception expires or is deleted.
	ProductFieldSuppressedBy   = "vigil/SuppressedBy"
	ProductFieldSuppressedFrom = "vigil/SuppressedFrom"
	// ProductFieldRule and ProductFieldLocation identify secret and
	// misconfiguration findings.
	ProductFieldRule     = "vigil/Rule"
	ProductFieldLocation = "vigil/Location"
)

// SeverityLabel is ASFF's severity label.
type SeverityLabel string

// ASFF severity labels.
const (
	SeverityInformational SeverityLabel = "INFORMATIONAL"
	SeverityLow           SeverityLabel = "LOW"
	SeverityMedium        SeverityLabel = "MEDIUM"
	SeverityHigh          SeverityLabel = "HIGH"
	SeverityCritical      SeverityLabel = "CRITICAL"
)

// SeverityLabels lists the labels from most to least severe.
var SeverityLabels = []SeverityLabel{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInformational}

// Rank orders labels: CRITICAL 4 … INFORMATIONAL 0; -1 for an unknown label.
func (l SeverityLabel) Rank() int {
	switch l {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	case SeverityInformational:
		return 0
	}
	return -1
}

// Normalized is the ASFF normalized score Security Hub assigns to a label
// (the lower bound of the label's range).
func (l SeverityLabel) Normalized() int32 {
	switch l {
	case SeverityCritical:
		return 90
	case SeverityHigh:
		return 70
	case SeverityMedium:
		return 40
	case SeverityLow:
		return 1
	}
	return 0
}

// WorkflowStatus is the status of the investigation into a finding.
type WorkflowStatus string

// ASFF workflow statuses.
const (
	WorkflowNew        WorkflowStatus = "NEW"
	WorkflowNotified   WorkflowStatus = "NOTIFIED"
	WorkflowSuppressed WorkflowStatus = "SUPPRESSED"
	WorkflowResolved   WorkflowStatus = "RESOLVED"
)

// WorkflowStatuses lists the statuses.
var WorkflowStatuses = []WorkflowStatus{WorkflowNew, WorkflowNotified, WorkflowSuppressed, WorkflowResolved}

// RecordState is ASFF's record state.
type RecordState string

// ASFF record states.
const (
	RecordActive   RecordState = "ACTIVE"
	RecordArchived RecordState = "ARCHIVED"
)

// ComplianceStatus is ASFF's compliance status.
type ComplianceStatus string

// ASFF compliance statuses.
const (
	CompliancePassed       ComplianceStatus = "PASSED"
	ComplianceWarning      ComplianceStatus = "WARNING"
	ComplianceFailed       ComplianceStatus = "FAILED"
	ComplianceNotAvailable ComplianceStatus = "NOT_AVAILABLE"
)

// FixAvailable says whether a fix exists for a vulnerability.
type FixAvailable string

// ASFF FixAvailable values.
const (
	FixYes     FixAvailable = "YES"
	FixNo      FixAvailable = "NO"
	FixPartial FixAvailable = "PARTIAL"
)

// Finding is one ASFF finding. JSON field names are ASFF's; times are
// written in RFC 3339 (an ASFF-accepted ISO 8601 form).
type Finding struct {
	SchemaVersion   string            `json:"SchemaVersion"`
	ID              string            `json:"Id"`
	ProductARN      string            `json:"ProductArn"`
	ProductName     string            `json:"ProductName,omitempty"`
	CompanyName     string            `json:"CompanyName,omitempty"`
	GeneratorID     string            `json:"GeneratorId"`
	AwsAccountID    string            `json:"AwsAccountId"`
	Region          string            `json:"Region,omitempty"`
	Types           []string          `json:"Types"`
	CreatedAt       time.Time         `json:"CreatedAt"`
	UpdatedAt       time.Time         `json:"UpdatedAt"`
	FirstObservedAt time.Time         `json:"FirstObservedAt,omitzero"`
	LastObservedAt  time.Time         `json:"LastObservedAt,omitzero"`
	Severity        Severity          `json:"Severity"`
	Title           string            `json:"Title"`
	Description     string            `json:"Description"`
	Remediation     Remediation       `json:"Remediation,omitzero"`
	ProductFields   map[string]string `json:"ProductFields,omitempty"`
	Resources       []Resource        `json:"Resources"`
	Compliance      Compliance        `json:"Compliance,omitzero"`
	Workflow        Workflow          `json:"Workflow,omitzero"`
	RecordState     RecordState       `json:"RecordState,omitempty"`
	Vulnerabilities []Vulnerability   `json:"Vulnerabilities,omitempty"`
	Note            Note              `json:"Note,omitzero"`
}

// Severity is a finding's severity.
type Severity struct {
	Label SeverityLabel `json:"Label"`
	// Original is the provider's own rating (Vigil's level, e.g.
	// NEGLIGIBLE or UNKNOWN, which ASFF has no label for).
	Original   string `json:"Original,omitempty"`
	Normalized int32  `json:"Normalized,omitempty"`
}

// Remediation says how to fix the finding.
type Remediation struct {
	Recommendation Recommendation `json:"Recommendation,omitzero"`
}

// Recommendation is a remediation text and link.
type Recommendation struct {
	Text string `json:"Text,omitempty"`
	URL  string `json:"Url,omitempty"`
}

// Resource is the thing a finding is about: for Vigil, an image.
type Resource struct {
	Type      string          `json:"Type"`
	ID        string          `json:"Id"`
	Partition string          `json:"Partition,omitempty"`
	Region    string          `json:"Region,omitempty"`
	Details   ResourceDetails `json:"Details,omitzero"`
}

// ResourceDetails holds the one details block of a resource.
type ResourceDetails struct {
	AwsEcrContainerImage *AwsEcrContainerImage `json:"AwsEcrContainerImage,omitempty"`
	Container            *Container            `json:"Container,omitempty"`
}

// AwsEcrContainerImage describes an image in Amazon ECR.
type AwsEcrContainerImage struct {
	RegistryID       string    `json:"RegistryId,omitempty"`
	RepositoryName   string    `json:"RepositoryName,omitempty"`
	ImageDigest      string    `json:"ImageDigest,omitempty"`
	ImageTags        []string  `json:"ImageTags,omitempty"`
	Architecture     string    `json:"Architecture,omitempty"`
	ImagePublishedAt time.Time `json:"ImagePublishedAt,omitzero"`
}

// Container describes an image outside ECR. ImageID is the manifest
// digest; ImageName the reference it was scanned as.
type Container struct {
	ImageID   string `json:"ImageId,omitempty"`
	ImageName string `json:"ImageName,omitempty"`
	Name      string `json:"Name,omitempty"`
}

// Compliance is a finding's compliance status. Vigil sets FAILED while the
// vulnerability is observed and PASSED once it is gone.
type Compliance struct {
	Status ComplianceStatus `json:"Status,omitempty"`
}

// Workflow is the state of the investigation into a finding.
type Workflow struct {
	Status WorkflowStatus `json:"Status,omitempty"`
}

// Vulnerability is ASFF's per-vulnerability block.
type Vulnerability struct {
	ID                     string            `json:"Id"`
	VulnerablePackages     []SoftwarePackage `json:"VulnerablePackages,omitempty"`
	Cvss                   []Cvss            `json:"Cvss,omitempty"`
	RelatedVulnerabilities []string          `json:"RelatedVulnerabilities,omitempty"`
	FixAvailable           FixAvailable      `json:"FixAvailable,omitempty"`
	ReferenceUrls          []string          `json:"ReferenceUrls,omitempty"`
	Vendor                 *Vendor           `json:"Vendor,omitempty"`
}

// SoftwarePackage is a vulnerable package.
type SoftwarePackage struct {
	Name            string `json:"Name,omitempty"`
	Version         string `json:"Version,omitempty"`
	Epoch           string `json:"Epoch,omitempty"`
	Release         string `json:"Release,omitempty"`
	Architecture    string `json:"Architecture,omitempty"`
	PackageManager  string `json:"PackageManager,omitempty"`
	FixedInVersion  string `json:"FixedInVersion,omitempty"`
	FilePath        string `json:"FilePath,omitempty"`
	SourceLayerHash string `json:"SourceLayerHash,omitempty"`
}

// Cvss is one CVSS rating.
type Cvss struct {
	Version    string  `json:"Version,omitempty"`
	BaseScore  float64 `json:"BaseScore,omitempty"`
	BaseVector string  `json:"BaseVector,omitempty"`
	Source     string  `json:"Source,omitempty"`
}

// Vendor is who published the advisory.
type Vendor struct {
	Name           string `json:"Name"`
	URL            string `json:"Url,omitempty"`
	VendorSeverity string `json:"VendorSeverity,omitempty"`
}

// Note is a user's note on a finding.
type Note struct {
	Text      string    `json:"Text,omitempty"`
	UpdatedBy string    `json:"UpdatedBy,omitempty"`
	UpdatedAt time.Time `json:"UpdatedAt,omitzero"`
}

// ImageDigest is the manifest digest of the finding's image resource ("" if
// it has none).
func (f *Finding) ImageDigest() string {
	for _, r := range f.Resources {
		if d := r.Details.AwsEcrContainerImage; d != nil && d.ImageDigest != "" {
			return d.ImageDigest
		}
		if c := r.Details.Container; c != nil && c.ImageID != "" {
			return c.ImageID
		}
	}
	return ""
}

// Repository is the image's repository with its registry host.
func (f *Finding) Repository() string { return f.ProductFields[ProductFieldRepository] }

// PackageURL is the vulnerable package's PURL ("" for other findings).
func (f *Finding) PackageURL() string { return f.ProductFields[ProductFieldPackageURL] }

// PackageName is the first vulnerable package's name.
func (f *Finding) PackageName() string {
	for _, v := range f.Vulnerabilities {
		for _, p := range v.VulnerablePackages {
			if p.Name != "" {
				return p.Name
			}
		}
	}
	return ""
}

// VulnerabilityID is the first vulnerability's id.
func (f *Finding) VulnerabilityID() string {
	if len(f.Vulnerabilities) > 0 {
		return f.Vulnerabilities[0].ID
	}
	return ""
}

// FixedInVersion is the first vulnerable package's fixed version.
func (f *Finding) FixedInVersion() string {
	for _, v := range f.Vulnerabilities {
		for _, p := range v.VulnerablePackages {
			if p.FixedInVersion != "" {
				return p.FixedInVersion
			}
		}
	}
	return ""
}

// FixAvailable is the first vulnerability's FixAvailable.
func (f *Finding) FixAvailable() FixAvailable {
	if len(f.Vulnerabilities) > 0 {
		return f.Vulnerabilities[0].FixAvailable
	}
	return ""
}

// Open reports whether the finding still asks for action: ACTIVE, and
// neither SUPPRESSED nor RESOLVED.
func (f *Finding) Open() bool {
	return f.RecordState != RecordArchived && f.Workflow.Status != WorkflowSuppressed && f.Workflow.Status != WorkflowResolved
}

// Clone returns a deep copy.
func (f Finding) Clone() Finding {
	out := f
	out.Types = cloneStrings(f.Types)
	if f.ProductFields != nil {
		out.ProductFields = make(map[string]string, len(f.ProductFields))
		for k, v := range f.ProductFields {
			out.ProductFields[k] = v
		}
	}
	if f.Resources != nil {
		out.Resources = make([]Resource, len(f.Resources))
		for i, r := range f.Resources {
			if d := r.Details.AwsEcrContainerImage; d != nil {
				dd := *d
				dd.ImageTags = cloneStrings(d.ImageTags)
				r.Details.AwsEcrContainerImage = &dd
			}
			if c := r.Details.Container; c != nil {
				cc := *c
				r.Details.Container = &cc
			}
			out.Resources[i] = r
		}
	}
	if f.Vulnerabilities != nil {
		out.Vulnerabilities = make([]Vulnerability, len(f.Vulnerabilities))
		for i, v := range f.Vulnerabilities {
			if v.VulnerablePackages != nil {
				v.VulnerablePackages = append([]SoftwarePackage(nil), v.VulnerablePackages...)
			}
			if v.Cvss != nil {
				v.Cvss = append([]Cvss(nil), v.Cvss...)
			}
			v.RelatedVulnerabilities = cloneStrings(v.RelatedVulnerabilities)
			v.ReferenceUrls = cloneStrings(v.ReferenceUrls)
			if v.Vendor != nil {
				vv := *v.Vendor
				v.Vendor = &vv
			}
			out.Vulnerabilities[i] = v
		}
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// setProductField sets or (with v == "") deletes a ProductFields key.
func (f *Finding) setProductField(k, v string) {
	if v == "" {
		delete(f.ProductFields, k)
		if len(f.ProductFields) == 0 {
			f.ProductFields = nil
		}
		return
	}
	if f.ProductFields == nil {
		f.ProductFields = map[string]string{}
	}
	f.ProductFields[k] = v
}

// trimTo cuts s to at most n bytes on a rune boundary.
func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
