package findings

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/vigilhq/vigil/internal/report"
)

// Options say whom findings belong to. Zero fields take the defaults
// below; an ECR image's account and region win over them.
type Options struct {
	// AwsAccountID defaults to the ECR registry's account, else
	// DefaultAccountID.
	AwsAccountID string
	// Region defaults to the ECR registry's region, else DefaultRegion.
	Region string
	// ProductARN defaults to the account's default custom product:
	// arn:<partition>:securityhub:<region>:<account>:product/<account>/default.
	ProductARN string
}

// Defaults for findings of images outside AWS.
const (
	DefaultAccountID = "000000000000"
	DefaultRegion    = "us-east-1"
	ProductName      = "Vigil"
	CompanyName      = "Vigil"
)

// ecrHost matches an ECR registry host: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn].
var ecrHost = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// ECRRegistry parses an ECR registry host into its account, region and
// partition; ok is false for any other host.
func ECRRegistry(host string) (account, region, partition string, ok bool) {
	m := ecrHost.FindStringSubmatch(host)
	if m == nil {
		return "", "", "", false
	}
	partition = "aws"
	if m[3] != "" {
		partition = "aws-cn"
	}
	return m[1], m[2], partition, true
}

// ImageFromReport identifies a report's image: its manifest digest (the
// image ID, i.e. the config digest, for archives that have none), and for
// registry images the repository (registry host included) and tag.
func ImageFromReport(r *report.Report) (Image, error) {
	img := Image{Digest: r.Image.Digest, Reference: r.Image.Reference}
	if img.Digest == "" {
		img.Digest = r.Image.ImageID
	}
	if img.Digest == "" {
		return Image{}, fmt.Errorf("image %q: the report has neither a manifest digest nor an image id", r.Image.Reference)
	}
	if _, arch, ok := strings.Cut(r.Image.Platform, "/"); ok {
		img.Architecture, _, _ = strings.Cut(arch, "/")
	}
	if r.Image.Kind == "registry" {
		ref, err := name.ParseReference(r.Image.Reference)
		if err != nil {
			return Image{}, fmt.Errorf("parsing image reference %q: %w", r.Image.Reference, err)
		}
		img.Repository = ref.Context().Name()
		if t, ok := ref.(name.Tag); ok {
			img.Tags = []string{t.TagStr()}
		}
	}
	return img, nil
}

// FromReport builds the findings of a scan report, one per vulnerability
// (per package and vulnerability id), ids by VulnerabilityFindingID. The
// resource is the image: AwsEcrContainerImage when its repository is in
// an ECR registry, Container otherwise. Times are the report's; lifecycle
// fields are those of a new finding (Evaluate sets both when storing).
func FromReport(r *report.Report, img Image, o Options) ([]Finding, error) {
	if img.Digest == "" {
		return nil, fmt.Errorf("findings of %q: image without digest", img.Reference)
	}
	res, account, region, partition := resource(img, o)
	productARN := o.ProductARN
	if productARN == "" {
		productARN = fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account, account)
	}
	arch := map[string]string{}
	for _, p := range r.Packages {
		if p.Arch != "" {
			arch[p.PURL] = p.Arch
		}
	}
	at := r.CreatedAt.UTC()
	out := make([]Finding, 0, len(r.Vulnerabilities))
	seen := map[string]bool{}
	for _, v := range r.Vulnerabilities {
		purl := v.Package.PURL
		if purl == "" {
			purl = v.Package.Type + "/" + v.Package.Name + "@" + v.Package.Version + "#" + v.Package.Path
		}
		id := VulnerabilityFindingID(img.Digest, purl, v.ID)
		if seen[id] {
			continue
		}
		seen[id] = true
		label, original := severityOf(v.Severity)
		f := Finding{
			SchemaVersion:   SchemaVersion,
			ID:              id,
			ProductARN:      productARN,
			ProductName:     ProductName,
			CompanyName:     CompanyName,
			GeneratorID:     generatorID(v.DataSource.Feed),
			AwsAccountID:    account,
			Region:          region,
			Types:           []string{TypeVulnerability},
			CreatedAt:       at,
			UpdatedAt:       at,
			FirstObservedAt: at,
			LastObservedAt:  at,
			Severity:        Severity{Label: label, Original: original, Normalized: label.Normalized()},
			Title:           trimTo(fmt.Sprintf("%s in %s %s", v.ID, v.Package.Name, v.InstalledVersion), 256),
			Description:     trimTo(description(v), 1024),
			Resources:       []Resource{res},
			Compliance:      Compliance{Status: ComplianceFailed},
			Workflow:        Workflow{Status: WorkflowNew},
			RecordState:     RecordActive,
		}
		if strings.HasPrefix(v.ID, "CVE-") {
			f.Types = []string{TypeVulnerabilityCVE}
		}
		f.setProductField(ProductFieldRepository, img.Repository)
		f.setProductField(ProductFieldPackageURL, v.Package.PURL)
		f.setProductField(ProductFieldSeveritySource, v.SeveritySource)
		f.setProductField(ProductFieldDataSource, strings.TrimSpace(v.DataSource.Feed+" "+v.DataSource.Namespace))
		if v.FixedVersion != "" {
			f.Remediation.Recommendation.Text = trimTo(fmt.Sprintf("Upgrade %s to %s or later.", v.Package.Name, v.FixedVersion), 512)
		}
		if len(v.References) > 0 && isHTTP(v.References[0]) {
			f.Remediation.Recommendation.URL = v.References[0]
		}
		f.Vulnerabilities = []Vulnerability{vulnerability(v, arch[v.Package.PURL])}
		out = append(out, f)
	}
	return out, nil
}

func resource(img Image, o Options) (res Resource, account, region, partition string) {
	account, region, partition = o.AwsAccountID, o.Region, "aws"
	host, repo, _ := strings.Cut(img.Repository, "/")
	if acct, reg, part, ok := ECRRegistry(host); ok && repo != "" {
		if account == "" {
			account = acct
		}
		if region == "" {
			region = reg
		}
		partition = part
		res = Resource{
			Type:      ResourceTypeEcrImage,
			ID:        fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s/%s", part, reg, acct, repo, img.Digest),
			Partition: part,
			Region:    reg,
			Details: ResourceDetails{AwsEcrContainerImage: &AwsEcrContainerImage{
				RegistryID: acct, RepositoryName: repo, ImageDigest: img.Digest,
				ImageTags: cloneStrings(img.Tags), Architecture: img.Architecture,
				ImagePublishedAt: img.PublishedAt.UTC(),
			}},
		}
		return res, account, region, partition
	}
	if account == "" {
		account = DefaultAccountID
	}
	if region == "" {
		region = DefaultRegion
	}
	id := img.Digest
	if img.Repository != "" {
		id = img.Repository + "@" + img.Digest
	}
	res = Resource{
		Type:      ResourceTypeContainer,
		ID:        id,
		Partition: partition,
		Region:    region,
		Details:   ResourceDetails{Container: &Container{ImageID: img.Digest, ImageName: img.Reference}},
	}
	return res, account, region, partition
}

func vulnerability(v report.Vulnerability, arch string) Vulnerability {
	pkg := SoftwarePackage{
		Name:            v.Package.Name,
		Version:         v.InstalledVersion,
		Architecture:    arch,
		PackageManager:  v.Package.Type,
		FixedInVersion:  v.FixedVersion,
		FilePath:        v.Package.Path,
		SourceLayerHash: v.Package.Layer,
	}
	if pkg.Version == "" {
		pkg.Version = v.Package.Version
	}
	if v.Package.Type == "rpm" {
		pkg.Epoch, pkg.Version, pkg.Release = splitRPM(pkg.Version)
	}
	out := Vulnerability{
		ID:                     v.ID,
		VulnerablePackages:     []SoftwarePackage{pkg},
		RelatedVulnerabilities: cloneStrings(v.Aliases),
		FixAvailable:           FixNo,
		Vendor:                 &Vendor{Name: v.DataSource.Feed, VendorSeverity: v.Severity},
	}
	if v.FixedVersion != "" {
		out.FixAvailable = FixYes
	}
	for _, c := range v.CVSS {
		out.Cvss = append(out.Cvss, Cvss{Version: c.Version, BaseScore: c.Score, BaseVector: c.Vector, Source: c.Source})
	}
	for _, ref := range v.References {
		if isHTTP(ref) {
			out.ReferenceUrls = append(out.ReferenceUrls, ref)
		}
	}
	if len(v.References) > 0 && isHTTP(v.References[0]) {
		out.Vendor.URL = v.References[0]
	}
	return out
}

// splitRPM splits "[epoch:]version-release".
func splitRPM(evr string) (epoch, version, release string) {
	if e, rest, ok := strings.Cut(evr, ":"); ok {
		epoch, evr = e, rest
	}
	if i := strings.LastIndex(evr, "-"); i >= 0 {
		return epoch, evr[:i], evr[i+1:]
	}
	return epoch, evr, ""
}

// severityOf maps Vigil's level to an ASFF label: NEGLIGIBLE and UNKNOWN
// become INFORMATIONAL (as Trivy's ASFF template does); Original keeps
// the level.
func severityOf(level string) (SeverityLabel, string) {
	switch level {
	case "CRITICAL", "HIGH", "MEDIUM", "LOW":
		return SeverityLabel(level), level
	case "":
		return SeverityInformational, "UNKNOWN"
	}
	return SeverityInformational, level
}

func description(v report.Vulnerability) string {
	d := fmt.Sprintf("%s %s (%s) is affected by %s", v.Package.Name, v.InstalledVersion, v.Package.Type, v.ID)
	if v.Title != "" {
		d += ": " + v.Title
	}
	if v.FixedVersion != "" {
		d += ". Fixed in " + v.FixedVersion + "."
	} else {
		d += ". No fixed version is known."
	}
	return d
}

// generatorID names the component that produced a finding: the feed
// whose advisory decided the match ("vigil/alpine-secdb").
func generatorID(feed string) string {
	if feed == "" {
		return "vigil"
	}
	return "vigil/" + feed
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
