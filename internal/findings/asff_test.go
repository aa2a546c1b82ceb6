package findings_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/shareddata"
)

var when = time.Date(2025, 3, 1, 10, 0, 0, 123456000, time.UTC)

// fullFinding sets every field the model holds.
func fullFinding(ecr bool) findings.Finding {
	f := findings.Finding{
		SchemaVersion: findings.SchemaVersion, ID: "vigil/sha256:abc/0123", ProductARN: "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
		ProductName: "Vigil", CompanyName: "Vigil", GeneratorID: "vigil/alpine-secdb", AwsAccountID: "123456789012", Region: "us-east-1",
		Types:     []string{findings.TypeVulnerabilityCVE},
		CreatedAt: when, UpdatedAt: when.Add(time.Hour), FirstObservedAt: when, LastObservedAt: when.Add(time.Hour),
		Severity:    findings.Severity{Label: "HIGH", Original: "HIGH", Normalized: 70},
		Title:       "CVE-2024-0001 in openssl 3.0.11-r0",
		Description: "openssl 3.0.11-r0 is affected",
		Remediation: findings.Remediation{Recommendation: findings.Recommendation{Text: "Upgrade openssl to 3.0.12-r0 or later.", URL: "https://security.alpinelinux.org/vuln/CVE-2024-0001"}},
		ProductFields: map[string]string{findings.ProductFieldRepository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo/app",
			findings.ProductFieldPackageURL: "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64"},
		Compliance:  findings.Compliance{Status: "FAILED"},
		Workflow:    findings.Workflow{Status: "NOTIFIED"},
		RecordState: "ACTIVE",
		Vulnerabilities: []findings.Vulnerability{{
			ID: "CVE-2024-0001",
			VulnerablePackages: []findings.SoftwarePackage{{Name: "openssl", Version: "3.0.11", Epoch: "1", Release: "r0", Architecture: "x86_64",
				PackageManager: "apk", FixedInVersion: "3.0.12-r0", FilePath: "/lib/apk/db/installed", SourceLayerHash: "sha256:layer"}},
			Cvss:                   []findings.Cvss{{Version: "3.1", BaseScore: 7.5, BaseVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Source: "nvd"}},
			RelatedVulnerabilities: []string{"GHSA-xxxx-yyyy-zzzz"},
			FixAvailable:           "YES",
			ReferenceUrls:          []string{"https://security.alpinelinux.org/vuln/CVE-2024-0001"},
			Vendor:                 &findings.Vendor{Name: "alpine-secdb", URL: "https://secdb.alpinelinux.org/", VendorSeverity: "HIGH"},
		}},
		Note: findings.Note{Text: "ticket SEC-1", UpdatedBy: "bob", UpdatedAt: when.Add(2 * time.Hour)},
	}
	if ecr {
		f.Resources = []findings.Resource{{Type: "AwsEcrContainerImage", ID: "arn:aws:ecr:us-east-1:123456789012:repository/demo/app/sha256:abc",
			Partition: "aws", Region: "us-east-1", Details: findings.ResourceDetails{AwsEcrContainerImage: &findings.AwsEcrContainerImage{
				RegistryID: "123456789012", RepositoryName: "demo/app", ImageDigest: "sha256:abc", ImageTags: []string{"1.0", "latest"},
				Architecture: "amd64", ImagePublishedAt: when.Add(-time.Hour)}}}}
	} else {
		f.Resources = []findings.Resource{{Type: "Container", ID: "ghcr.io/org/app@sha256:abc", Partition: "aws", Region: "us-east-1",
			Details: findings.ResourceDetails{Container: &findings.Container{ImageID: "sha256:abc", ImageName: "ghcr.io/org/app:1.0", Name: "app"}}}}
	}
	return f
}

func TestSDKRoundTrip(t *testing.T) {
	for _, ecr := range []bool{true, false} {
		f := fullFinding(ecr)
		s := findings.ToSDK(&f)
		if aws.ToString(s.Id) != f.ID || s.Workflow.Status != types.WorkflowStatusNotified || aws.ToFloat64(s.Vulnerabilities[0].Cvss[0].BaseScore) != 7.5 {
			t.Errorf("ToSDK: id %q, workflow %v, score %v", aws.ToString(s.Id), s.Workflow, s.Vulnerabilities[0].Cvss[0].BaseScore)
		}
		back, err := findings.FromSDK(&s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f, back); diff != "" {
			t.Errorf("ours → SDK → ours (ecr=%v) (-want +got):\n%s", ecr, diff)
		}
	}
	bad := types.AwsSecurityFinding{Id: aws.String("x"), CreatedAt: aws.String("yesterday")}
	if _, err := findings.FromSDK(&bad); err == nil {
		t.Error("FromSDK accepted CreatedAt \"yesterday\"")
	}
}

// TestSDKWireFormat sends findings through the AWS SDK's own
// BatchImportFindings serializer to a local server: the JSON on the wire
// is exactly the JSON of our model (ASFF's field names), and decodes back
// into it.
func TestSDKWireFormat(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"FailedCount":0,"SuccessCount":2,"FailedFindings":[]}`)
	}))
	defer srv.Close()
	client := securityhub.New(securityhub.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "test"}, nil
		}),
		RetryMaxAttempts: 1,
	})
	fs := []findings.Finding{fullFinding(true), fullFinding(false)}
	var in []types.AwsSecurityFinding
	for i := range fs {
		in = append(in, findings.ToSDK(&fs[i]))
	}
	if _, err := client.BatchImportFindings(context.Background(), &securityhub.BatchImportFindingsInput{Findings: in}); err != nil {
		t.Fatalf("BatchImportFindings: %v", err)
	}
	var wire struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(body, &wire); err != nil || len(wire.Findings) != 2 {
		t.Fatalf("request body %s: %v", body, err)
	}
	for i, raw := range wire.Findings {
		var got findings.Finding
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fs[i], got); diff != "" {
			t.Errorf("SDK wire JSON decoded into the model (-want +got):\n%s", diff)
		}
		ours, err := json.Marshal(fs[i])
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		json.Unmarshal(raw, &a)
		json.Unmarshal(ours, &b)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("our JSON differs from the SDK's wire JSON (-sdk +ours):\n%s", diff)
		}
	}
}

// TestSampleRequest: the findings of the recorded BatchImportFindings
// request decode into the model and convert to the SDK type and back.
func TestSampleRequest(t *testing.T) {
	b, err := os.ReadFile(shareddata.Path(t, "../reference/samples/aws-securityhub-BatchImportFindings-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []struct {
		Body struct{ Findings []findings.Finding }
	}
	if err := json.Unmarshal(b, &reqs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range reqs {
		for _, f := range r.Body.Findings {
			n++
			if f.ID != "demo/app@sha256:abc/CVE-2024-0001" || f.Severity.Label != "HIGH" || f.Resources[0].Type != "AwsEcrContainerImage" ||
				!f.CreatedAt.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) || f.SchemaVersion != "2018-10-08" {
				t.Errorf("decoded sample finding = %+v", f)
			}
			s := findings.ToSDK(&f)
			back, err := findings.FromSDK(&s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f, back); diff != "" {
				t.Errorf("sample → SDK → ours (-want +got):\n%s", diff)
			}
		}
	}
	if n == 0 {
		t.Fatal("no findings in the sample")
	}
}

func TestFindingIDs(t *testing.T) {
	const digest = "sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4"
	sum := sha256.Sum256([]byte("vuln\x00pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64\x00CVE-2024-0001\x00"))
	want := "vigil/" + digest + "/" + hex.EncodeToString(sum[:])[:32]
	got := findings.VulnerabilityFindingID(digest, "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64", "CVE-2024-0001")
	if got != want {
		t.Errorf("VulnerabilityFindingID = %q, want %q", got, want)
	}
	ids := map[string]string{
		"same":          findings.VulnerabilityFindingID(digest, "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64", "CVE-2024-0001"),
		"other vuln":    findings.VulnerabilityFindingID(digest, "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64", "CVE-2024-0002"),
		"other package": findings.VulnerabilityFindingID(digest, "pkg:apk/alpine/openssl@3.0.12-r0?arch=x86_64", "CVE-2024-0001"),
		"other image":   findings.VulnerabilityFindingID("sha256:00", "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64", "CVE-2024-0001"),
		"rule":          findings.RuleFindingID(digest, "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64", "CVE-2024-0001"),
		"split moved":   findings.VulnerabilityFindingID(digest, "pkg:apk/alpine/openssl@3.0.11-r0?arch=x86_64\x00CVE", "2024-0001"),
	}
	if ids["same"] != got {
		t.Errorf("id not deterministic: %q vs %q", ids["same"], got)
	}
	seen := map[string]string{}
	for k, v := range ids {
		if k == "same" {
			continue
		}
		if prev, dup := seen[v]; dup {
			t.Errorf("%s and %s share id %s", k, prev, v)
		}
		if v == got {
			t.Errorf("%s has the same id as the original", k)
		}
		seen[v] = k
	}
}

func TestECRRegistry(t *testing.T) {
	for _, tc := range []struct {
		host, account, region, partition string
		ok                               bool
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012", "us-east-1", "aws", true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", "aws", true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012", "cn-north-1", "aws-cn", true},
		{"12345.dkr.ecr.us-east-1.amazonaws.com", "", "", "", false},
		{"public.ecr.aws", "", "", "", false},
		{"ghcr.io", "", "", "", false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", "", "", "", false},
	} {
		a, r, p, ok := findings.ECRRegistry(tc.host)
		if a != tc.account || r != tc.region || p != tc.partition || ok != tc.ok {
			t.Errorf("ECRRegistry(%q) = %q %q %q %v, want %q %q %q %v", tc.host, a, r, p, ok, tc.account, tc.region, tc.partition, tc.ok)
		}
	}
}
