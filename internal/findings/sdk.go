package findings

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// ToSDK converts a finding to the AWS SDK's type (for BatchImportFindings).
// Times are written in RFC 3339 with up to nine fractional digits, UTC.
func ToSDK(f *Finding) types.AwsSecurityFinding {
	out := types.AwsSecurityFinding{
		SchemaVersion:   str(f.SchemaVersion),
		Id:              str(f.ID),
		ProductArn:      str(f.ProductARN),
		ProductName:     str(f.ProductName),
		CompanyName:     str(f.CompanyName),
		GeneratorId:     str(f.GeneratorID),
		AwsAccountId:    str(f.AwsAccountID),
		Region:          str(f.Region),
		Types:           cloneStrings(f.Types),
		CreatedAt:       timeStr(f.CreatedAt),
		UpdatedAt:       timeStr(f.UpdatedAt),
		FirstObservedAt: timeStr(f.FirstObservedAt),
		LastObservedAt:  timeStr(f.LastObservedAt),
		Severity: &types.Severity{
			Label:      types.SeverityLabel(f.Severity.Label),
			Original:   str(f.Severity.Original),
			Normalized: int32Ptr(f.Severity.Normalized),
		},
		Title:       str(f.Title),
		Description: str(f.Description),
		RecordState: types.RecordState(f.RecordState),
	}
	if f.ProductFields != nil {
		out.ProductFields = make(map[string]string, len(f.ProductFields))
		for k, v := range f.ProductFields {
			out.ProductFields[k] = v
		}
	}
	if r := f.Remediation.Recommendation; r != (Recommendation{}) {
		out.Remediation = &types.Remediation{Recommendation: &types.Recommendation{Text: str(r.Text), Url: str(r.URL)}}
	}
	if f.Resources != nil {
		out.Resources = make([]types.Resource, len(f.Resources))
	}
	for i, r := range f.Resources {
		sr := types.Resource{Type: str(r.Type), Id: str(r.ID), Partition: types.Partition(r.Partition), Region: str(r.Region)}
		if d := r.Details.AwsEcrContainerImage; d != nil {
			sr.Details = &types.ResourceDetails{AwsEcrContainerImage: &types.AwsEcrContainerImageDetails{
				RegistryId: str(d.RegistryID), RepositoryName: str(d.RepositoryName), ImageDigest: str(d.ImageDigest),
				ImageTags: cloneStrings(d.ImageTags), Architecture: str(d.Architecture), ImagePublishedAt: timeStr(d.ImagePublishedAt),
			}}
		}
		if c := r.Details.Container; c != nil {
			if sr.Details == nil {
				sr.Details = &types.ResourceDetails{}
			}
			sr.Details.Container = &types.ContainerDetails{ImageId: str(c.ImageID), ImageName: str(c.ImageName), Name: str(c.Name)}
		}
		out.Resources[i] = sr
	}
	if f.Compliance.Status != "" {
		out.Compliance = &types.Compliance{Status: types.ComplianceStatus(f.Compliance.Status)}
	}
	if f.Workflow.Status != "" {
		out.Workflow = &types.Workflow{Status: types.WorkflowStatus(f.Workflow.Status)}
	}
	if f.Vulnerabilities != nil {
		out.Vulnerabilities = make([]types.Vulnerability, len(f.Vulnerabilities))
	}
	for i, v := range f.Vulnerabilities {
		sv := types.Vulnerability{
			Id:                     str(v.ID),
			RelatedVulnerabilities: cloneStrings(v.RelatedVulnerabilities),
			FixAvailable:           types.VulnerabilityFixAvailable(v.FixAvailable),
			ReferenceUrls:          cloneStrings(v.ReferenceUrls),
		}
		if v.VulnerablePackages != nil {
			sv.VulnerablePackages = make([]types.SoftwarePackage, len(v.VulnerablePackages))
		}
		for j, p := range v.VulnerablePackages {
			sv.VulnerablePackages[j] = types.SoftwarePackage{
				Name: str(p.Name), Version: str(p.Version), Epoch: str(p.Epoch), Release: str(p.Release),
				Architecture: str(p.Architecture), PackageManager: str(p.PackageManager),
				FixedInVersion: str(p.FixedInVersion), FilePath: str(p.FilePath), SourceLayerHash: str(p.SourceLayerHash),
			}
		}
		if v.Cvss != nil {
			sv.Cvss = make([]types.Cvss, len(v.Cvss))
		}
		for j, c := range v.Cvss {
			sv.Cvss[j] = types.Cvss{Version: str(c.Version), BaseScore: float64Ptr(c.BaseScore), BaseVector: str(c.BaseVector), Source: str(c.Source)}
		}
		if v.Vendor != nil {
			sv.Vendor = &types.VulnerabilityVendor{Name: str(v.Vendor.Name), Url: str(v.Vendor.URL), VendorSeverity: str(v.Vendor.VendorSeverity)}
		}
		out.Vulnerabilities[i] = sv
	}
	if f.Note != (Note{}) {
		out.Note = &types.Note{Text: str(f.Note.Text), UpdatedBy: str(f.Note.UpdatedBy), UpdatedAt: timeStr(f.Note.UpdatedAt)}
	}
	return out
}

// FromSDK converts an SDK finding to the model. Fields the model does not
// hold (Action, Network, Malware, ...) are dropped; a time that is not RFC
// 3339 is an error.
func FromSDK(s *types.AwsSecurityFinding) (Finding, error) {
	id := deref(s.Id)
	var errs []error
	t := func(field string, p *string) time.Time {
		v, err := parseTime(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("finding %q: %s: %w", id, field, err))
		}
		return v
	}
	f := Finding{
		SchemaVersion:   deref(s.SchemaVersion),
		ID:              id,
		ProductARN:      deref(s.ProductArn),
		ProductName:     deref(s.ProductName),
		CompanyName:     deref(s.CompanyName),
		GeneratorID:     deref(s.GeneratorId),
		AwsAccountID:    deref(s.AwsAccountId),
		Region:          deref(s.Region),
		Types:           cloneStrings(s.Types),
		CreatedAt:       t("CreatedAt", s.CreatedAt),
		UpdatedAt:       t("UpdatedAt", s.UpdatedAt),
		FirstObservedAt: t("FirstObservedAt", s.FirstObservedAt),
		LastObservedAt:  t("LastObservedAt", s.LastObservedAt),
		Title:           deref(s.Title),
		Description:     deref(s.Description),
		RecordState:     RecordState(s.RecordState),
	}
	if s.Severity != nil {
		f.Severity = Severity{Label: SeverityLabel(s.Severity.Label), Original: deref(s.Severity.Original)}
		if s.Severity.Normalized != nil {
			f.Severity.Normalized = *s.Severity.Normalized
		}
	}
	if s.ProductFields != nil {
		f.ProductFields = make(map[string]string, len(s.ProductFields))
		for k, v := range s.ProductFields {
			f.ProductFields[k] = v
		}
	}
	if s.Remediation != nil && s.Remediation.Recommendation != nil {
		f.Remediation.Recommendation = Recommendation{Text: deref(s.Remediation.Recommendation.Text), URL: deref(s.Remediation.Recommendation.Url)}
	}
	if s.Resources != nil {
		f.Resources = make([]Resource, len(s.Resources))
	}
	for i, r := range s.Resources {
		fr := Resource{Type: deref(r.Type), ID: deref(r.Id), Partition: string(r.Partition), Region: deref(r.Region)}
		if r.Details != nil {
			if d := r.Details.AwsEcrContainerImage; d != nil {
				fr.Details.AwsEcrContainerImage = &AwsEcrContainerImage{
					RegistryID: deref(d.RegistryId), RepositoryName: deref(d.RepositoryName), ImageDigest: deref(d.ImageDigest),
					ImageTags: cloneStrings(d.ImageTags), Architecture: deref(d.Architecture),
					ImagePublishedAt: t("Resources.Details.AwsEcrContainerImage.ImagePublishedAt", d.ImagePublishedAt),
				}
			}
			if c := r.Details.Container; c != nil {
				fr.Details.Container = &Container{ImageID: deref(c.ImageId), ImageName: deref(c.ImageName), Name: deref(c.Name)}
			}
		}
		f.Resources[i] = fr
	}
	if s.Compliance != nil {
		f.Compliance.Status = ComplianceStatus(s.Compliance.Status)
	}
	if s.Workflow != nil {
		f.Workflow.Status = WorkflowStatus(s.Workflow.Status)
	}
	if s.Vulnerabilities != nil {
		f.Vulnerabilities = make([]Vulnerability, len(s.Vulnerabilities))
	}
	for i, v := range s.Vulnerabilities {
		fv := Vulnerability{
			ID:                     deref(v.Id),
			RelatedVulnerabilities: cloneStrings(v.RelatedVulnerabilities),
			FixAvailable:           FixAvailable(v.FixAvailable),
			ReferenceUrls:          cloneStrings(v.ReferenceUrls),
		}
		if v.VulnerablePackages != nil {
			fv.VulnerablePackages = make([]SoftwarePackage, len(v.VulnerablePackages))
		}
		for j, p := range v.VulnerablePackages {
			fv.VulnerablePackages[j] = SoftwarePackage{
				Name: deref(p.Name), Version: deref(p.Version), Epoch: deref(p.Epoch), Release: deref(p.Release),
				Architecture: deref(p.Architecture), PackageManager: deref(p.PackageManager),
				FixedInVersion: deref(p.FixedInVersion), FilePath: deref(p.FilePath), SourceLayerHash: deref(p.SourceLayerHash),
			}
		}
		if v.Cvss != nil {
			fv.Cvss = make([]Cvss, len(v.Cvss))
		}
		for j, c := range v.Cvss {
			fv.Cvss[j] = Cvss{Version: deref(c.Version), BaseVector: deref(c.BaseVector), Source: deref(c.Source)}
			if c.BaseScore != nil {
				fv.Cvss[j].BaseScore = *c.BaseScore
			}
		}
		if v.Vendor != nil {
			fv.Vendor = &Vendor{Name: deref(v.Vendor.Name), URL: deref(v.Vendor.Url), VendorSeverity: deref(v.Vendor.VendorSeverity)}
		}
		f.Vulnerabilities[i] = fv
	}
	if s.Note != nil {
		f.Note = Note{Text: deref(s.Note.Text), UpdatedBy: deref(s.Note.UpdatedBy), UpdatedAt: t("Note.UpdatedAt", s.Note.UpdatedAt)}
	}
	if len(errs) > 0 {
		return Finding{}, errs[0]
	}
	return f, nil
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func int32Ptr(v int32) *int32 {
	if v == 0 {
		return nil
	}
	return &v
}

func float64Ptr(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return &v
}

func timeStr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func parseTime(p *string) (time.Time, error) {
	if p == nil || *p == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *p)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not RFC 3339: %w", *p, err)
	}
	return t.UTC(), nil
}
