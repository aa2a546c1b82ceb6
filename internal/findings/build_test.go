package findings_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/testimages"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	feedlist "github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// realReport scans the shared Alpine 3.10.3 image against the real Alpine
// secdb (2024-12-31 snapshot).
func realReport(t *testing.T) *report.Report {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), vulndb.FileName)
	if _, err := build.Build(ctx, dbPath, []string{shareddata.Path(t, "distro/alpine-secdb")}, build.Options{Formats: feedlist.All()}); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cache, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	p, err := testimages.Build(ctx, "alpine-3.10.3", cache)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagesrc.Open(ctx, "docker-archive:"+p, imagesrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := scan.Inventory(ctx, img, scan.Options{Catalogers: list.All()})
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := scan.Match(ctx, inv, db)
	if err != nil {
		t.Fatal(err)
	}
	info, err := db.Info(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	r := scan.NewReport(inv, ms, info, report.Tool{Name: "vigil", Version: "test"}, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	if len(r.Vulnerabilities) < 10 {
		t.Fatalf("only %d vulnerabilities on Alpine 3.10.3: the test would prove little", len(r.Vulnerabilities))
	}
	return r
}

// TestFromReportRealAlpine builds findings from a real scan: one per
// vulnerability, ids by VulnerabilityFindingID, the image as a Container
// resource (an archive) or an AwsEcrContainerImage (the same report as
// pulled from ECR), and every finding survives the SDK round trip.
func TestFromReportRealAlpine(t *testing.T) {
	r := realReport(t)
	img, err := findings.ImageFromReport(r)
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest == "" || img.Repository != "" {
		t.Errorf("archive image identity = %+v, want a digest (the image id) and no repository", img)
	}
	fs, err := findings.FromReport(r, img, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(r.Vulnerabilities) {
		t.Errorf("%d findings for %d vulnerabilities", len(fs), len(r.Vulnerabilities))
	}
	ids := map[string]bool{}
	for i, f := range fs {
		v := r.Vulnerabilities[i]
		if want := findings.VulnerabilityFindingID(img.Digest, v.Package.PURL, v.ID); f.ID != want {
			t.Errorf("finding %d id %s, want %s", i, f.ID, want)
		}
		if ids[f.ID] {
			t.Errorf("duplicate id %s", f.ID)
		}
		ids[f.ID] = true
		if f.VulnerabilityID() != v.ID || f.PackageName() != v.Package.Name || f.PackageURL() != v.Package.PURL || f.ImageDigest() != img.Digest {
			t.Errorf("finding %s: vuln %s pkg %s purl %s image %s; want %s %s %s %s", f.ID, f.VulnerabilityID(), f.PackageName(), f.PackageURL(), f.ImageDigest(), v.ID, v.Package.Name, v.Package.PURL, img.Digest)
		}
		if f.Resources[0].Type != findings.ResourceTypeContainer || f.Resources[0].Details.Container.ImageID != img.Digest {
			t.Errorf("finding %s resource = %+v, want a Container of %s", f.ID, f.Resources[0], img.Digest)
		}
		if (f.FixAvailable() == findings.FixYes) != (v.FixedVersion != "") || f.FixedInVersion() != v.FixedVersion {
			t.Errorf("finding %s: FixAvailable %s FixedInVersion %q, vulnerability fixed in %q", f.ID, f.FixAvailable(), f.FixedInVersion(), v.FixedVersion)
		}
		if want, _ := labelOf(v.Severity); f.Severity.Label != want || f.Severity.Original != v.Severity {
			t.Errorf("finding %s severity %+v, vulnerability %s", f.ID, f.Severity, v.Severity)
		}
		if f.Vulnerabilities[0].VulnerablePackages[0].Architecture == "" || f.Vulnerabilities[0].VulnerablePackages[0].SourceLayerHash == "" {
			t.Errorf("finding %s: package without architecture or layer: %+v", f.ID, f.Vulnerabilities[0].VulnerablePackages[0])
		}
		if len(f.Title) > 256 || len(f.Description) > 1024 {
			t.Errorf("finding %s: title or description over ASFF's limits", f.ID)
		}
		s := findings.ToSDK(&f)
		back, err := findings.FromSDK(&s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f, back); diff != "" {
			t.Errorf("finding %s: ours → SDK → ours (-want +got):\n%s", f.ID, diff)
		}
	}
	again, err := findings.FromReport(r, img, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fs, again); diff != "" {
		t.Errorf("FromReport is not deterministic (-first +second):\n%s", diff)
	}

	// The same image as pulled from ECR.
	ecr := *r
	ecr.Image.Kind, ecr.Image.Reference = "registry", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/base/alpine:3.10.3"
	ecr.Image.Digest, ecr.Image.Platform = "sha256:"+strings.Repeat("ab", 32), "linux/amd64"
	eimg, err := findings.ImageFromReport(&ecr)
	if err != nil {
		t.Fatal(err)
	}
	want := findings.Image{Digest: ecr.Image.Digest, Repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/base/alpine", Reference: ecr.Image.Reference, Tags: []string{"3.10.3"}, Architecture: "amd64"}
	if diff := cmp.Diff(want, eimg); diff != "" {
		t.Errorf("ECR image identity (-want +got):\n%s", diff)
	}
	efs, err := findings.FromReport(&ecr, eimg, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRes := findings.Resource{
		Type: "AwsEcrContainerImage", ID: "arn:aws:ecr:eu-west-1:123456789012:repository/base/alpine/" + ecr.Image.Digest, Partition: "aws", Region: "eu-west-1",
		Details: findings.ResourceDetails{AwsEcrContainerImage: &findings.AwsEcrContainerImage{
			RegistryID: "123456789012", RepositoryName: "base/alpine", ImageDigest: ecr.Image.Digest, ImageTags: []string{"3.10.3"}, Architecture: "amd64"}},
	}
	if diff := cmp.Diff(wantRes, efs[0].Resources[0]); diff != "" {
		t.Errorf("ECR resource (-want +got):\n%s", diff)
	}
	if efs[0].AwsAccountID != "123456789012" || efs[0].ProductARN != "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default" || efs[0].Repository() != want.Repository {
		t.Errorf("ECR finding account %s, product %s, repository %s", efs[0].AwsAccountID, efs[0].ProductARN, efs[0].Repository())
	}
	if efs[0].ID == fs[0].ID {
		t.Error("the same vulnerability in two image digests has one id")
	}
}

func labelOf(level string) (findings.SeverityLabel, bool) {
	switch level {
	case "CRITICAL", "HIGH", "MEDIUM", "LOW":
		return findings.SeverityLabel(level), true
	}
	return findings.SeverityInformational, false
}
