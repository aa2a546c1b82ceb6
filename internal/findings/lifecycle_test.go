package findings_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/findings"
)

// The store tests (storetest, run by each backend) drive the lifecycle
// through scans; these cover the rules' corners on the pure functions.
// Findings here are synthetic.

var (
	t0  = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	img = findings.Image{Digest: "sha256:aa", Repository: "registry.example.com/synthetic/app"}
)

func hours(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

// synthetic returns an observed finding of img.
func synthetic(vuln, pkg string, label findings.SeverityLabel) findings.Finding {
	purl := "pkg:apk/alpine/" + pkg + "@1.0-r0"
	return findings.Finding{
		SchemaVersion: findings.SchemaVersion, ID: findings.VulnerabilityFindingID(img.Digest, purl, vuln),
		Severity:      findings.Severity{Label: label},
		ProductFields: map[string]string{findings.ProductFieldRepository: img.Repository, findings.ProductFieldPackageURL: purl},
		Resources:     []findings.Resource{{Type: "Container", ID: img.Digest, Details: findings.ResourceDetails{Container: &findings.Container{ImageID: img.Digest}}}},
		Vulnerabilities: []findings.Vulnerability{{ID: vuln, RelatedVulnerabilities: []string{"GHSA-" + vuln},
			VulnerablePackages: []findings.SoftwarePackage{{Name: pkg, Version: "1.0-r0"}}}},
	}
}

// stored runs one scan of fs through Evaluate and returns the findings.
func stored(t *testing.T, at time.Time, exs []findings.Exception, fs ...findings.Finding) []findings.Finding {
	t.Helper()
	p, err := findings.Evaluate(findings.Observation{Image: img, Scanned: true, Observed: fs, Exceptions: exs, By: findings.By{Actor: "scanner", At: at}})
	if err != nil {
		t.Fatal(err)
	}
	return p.Findings
}

func setStatus(t *testing.T, f findings.Finding, to findings.WorkflowStatus) findings.Finding {
	t.Helper()
	out, _, err := findings.ApplyUpdate(f, findings.Update{Workflow: to}, findings.By{Actor: "bob", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEvaluateExceptionCorners(t *testing.T) {
	a := synthetic("CVE-2099-0001", "openssl", "HIGH")
	e1 := findings.Exception{ID: "E1", Scope: findings.ExceptionScope{VulnerabilityID: "CVE-2099-0001"}, Owner: "o", Reason: "r", Expires: hours(2)}
	e2 := findings.Exception{ID: "E2", Scope: findings.ExceptionScope{VulnerabilityID: "GHSA-CVE-2099-0001"}, Owner: "o", Reason: "by alias"}

	t.Run("user suppression stands, not attributed to the exception", func(t *testing.T) {
		fs := stored(t, hours(0), nil, a)
		fs[0] = setStatus(t, fs[0], "SUPPRESSED")
		p, err := findings.Evaluate(findings.Observation{Image: img, Existing: fs, Exceptions: []findings.Exception{e1}, By: findings.By{Actor: "x", At: hours(1)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Upserts) != 0 || len(p.History) != 0 || p.Findings[0].ProductFields[findings.ProductFieldSuppressedBy] != "" {
			t.Errorf("re-applying exceptions changed a user-suppressed finding: %+v %+v", p.Upserts, p.History)
		}
	})
	t.Run("expiry is exclusive", func(t *testing.T) {
		fs := stored(t, hours(2), []findings.Exception{e1}, a)
		if fs[0].Workflow.Status != "NEW" {
			t.Errorf("exception expiring at the scan's time still applied: %s", fs[0].Workflow.Status)
		}
	})
	t.Run("another exception takes over", func(t *testing.T) {
		fs := stored(t, hours(0), []findings.Exception{e1}, a)
		p, err := findings.Evaluate(findings.Observation{Image: img, Existing: fs, Exceptions: []findings.Exception{e1, e2}, By: findings.By{Actor: "x", At: hours(3)}})
		if err != nil {
			t.Fatal(err)
		}
		f := p.Findings[0]
		if f.Workflow.Status != "SUPPRESSED" || f.ProductFields[findings.ProductFieldSuppressedBy] != "E2" || f.ProductFields[findings.ProductFieldSuppressedFrom] != "NEW" {
			t.Errorf("after E1 expired under E2 (alias scope): %s by %q from %q", f.Workflow.Status, f.ProductFields[findings.ProductFieldSuppressedBy], f.ProductFields[findings.ProductFieldSuppressedFrom])
		}
		want := []findings.HistoryEntry{{FindingID: a.ID, At: hours(3), Actor: "x", Field: "ProductFields.vigil/SuppressedBy", From: "E1", To: "E2", Reason: "exception E2 (o: by alias)"}}
		if diff := cmp.Diff(want, p.History); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
	})
	t.Run("suppressed finding that goes away is resolved", func(t *testing.T) {
		fs := stored(t, hours(0), []findings.Exception{e1}, a)
		p, err := findings.Evaluate(findings.Observation{Image: img, Existing: fs, Scanned: true, Exceptions: []findings.Exception{e1}, By: findings.By{Actor: "scanner", At: hours(1)}})
		if err != nil {
			t.Fatal(err)
		}
		f := p.Findings[0]
		if f.Workflow.Status != "RESOLVED" || f.Compliance.Status != "PASSED" || f.ProductFields[findings.ProductFieldSuppressedBy] != "" {
			t.Errorf("gone while suppressed: %s %s by %q, want RESOLVED PASSED, no exception", f.Workflow.Status, f.Compliance.Status, f.ProductFields[findings.ProductFieldSuppressedBy])
		}
		if diff := cmp.Diff(findings.Changes{Resolved: []string{a.ID}}, p.Changes); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
	})
	t.Run("re-applying without a change writes nothing", func(t *testing.T) {
		fs := stored(t, hours(0), nil, a)
		p, err := findings.Evaluate(findings.Observation{Image: img, Existing: fs, By: findings.By{Actor: "x", At: hours(1)}})
		if err != nil || len(p.Upserts) != 0 || len(p.History) != 0 || !p.Findings[0].UpdatedAt.Equal(hours(0)) {
			t.Errorf("no-op evaluation: %v, %d upserts, %d history, UpdatedAt %s", err, len(p.Upserts), len(p.History), p.Findings[0].UpdatedAt)
		}
	})
}

func TestEvaluateErrors(t *testing.T) {
	a := synthetic("CVE-2099-0001", "openssl", "HIGH")
	for name, o := range map[string]findings.Observation{
		"no digest":        {Scanned: true, Observed: []findings.Finding{a}},
		"stored twice":     {Image: img, Existing: []findings.Finding{a, a}},
		"observed twice":   {Image: img, Scanned: true, Observed: []findings.Finding{a, a}},
		"other image":      {Image: findings.Image{Digest: "sha256:bb"}, Scanned: true, Observed: []findings.Finding{a}},
		"severity unknown": {Image: img, Scanned: true, Observed: []findings.Finding{synthetic("CVE-2099-0002", "zlib", "UNKNOWN")}},
	} {
		if _, err := findings.Evaluate(o); !errors.Is(err, findings.ErrInvalidScan) {
			t.Errorf("%s: %v, want ErrInvalidScan", name, err)
		}
	}
}

func TestCheckTransition(t *testing.T) {
	base := synthetic("CVE-2099-0001", "openssl", "HIGH")
	byException := base.Clone()
	byException.Workflow.Status = "SUPPRESSED"
	byException.ProductFields[findings.ProductFieldSuppressedBy] = "E1"
	for _, tc := range []struct {
		from findings.WorkflowStatus
		f    *findings.Finding
		to   findings.WorkflowStatus
		ok   bool
	}{
		{"NEW", nil, "NOTIFIED", true},
		{"NEW", nil, "SUPPRESSED", true},
		{"NEW", nil, "RESOLVED", true},
		{"NEW", nil, "NEW", true},
		{"NOTIFIED", nil, "SUPPRESSED", true},
		{"NOTIFIED", nil, "RESOLVED", true},
		{"NOTIFIED", nil, "NEW", false},
		{"SUPPRESSED", nil, "NOTIFIED", true},
		{"SUPPRESSED", nil, "RESOLVED", true},
		{"SUPPRESSED", nil, "NEW", false},
		{"RESOLVED", nil, "NOTIFIED", true},
		{"RESOLVED", nil, "NEW", false},
		{"NEW", nil, "DONE", false},
		{"NEW", nil, "new", false},
		{"SUPPRESSED", &byException, "RESOLVED", false},
		{"SUPPRESSED", &byException, "NOTIFIED", false},
		{"SUPPRESSED", &byException, "SUPPRESSED", true},
	} {
		f := base.Clone()
		if tc.f != nil {
			f = tc.f.Clone()
		}
		f.Workflow.Status = tc.from
		err := findings.CheckTransition(&f, tc.to)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, findings.ErrTransition) {
			t.Errorf("%s → %s (exception %q): %v, want ok=%v", tc.from, tc.to, f.ProductFields[findings.ProductFieldSuppressedBy], err, tc.ok)
		}
	}
}

func TestSummarize(t *testing.T) {
	obs := []findings.Finding{
		synthetic("CVE-2099-0001", "a", "CRITICAL"),
		synthetic("CVE-2099-0002", "b", "HIGH"),
		synthetic("CVE-2099-0003", "c", "MEDIUM"),
		synthetic("CVE-2099-0004", "d", "LOW"),
	}
	fs := stored(t, hours(0), nil, obs...)
	fs[0] = setStatus(t, fs[0], "SUPPRESSED") // CRITICAL, suppressed by a user
	fs[1].RecordState = "ARCHIVED"            // HIGH, archived
	for _, tc := range []struct {
		failAt findings.SeverityLabel
		want   findings.ComplianceStatus
	}{
		{"", "PASSED"}, {"HIGH", "PASSED"}, {"MEDIUM", "FAILED"}, {"LOW", "FAILED"}, {"bogus", "PASSED"},
	} {
		s := findings.Summarize(img, fs, findings.Policy{FailAt: tc.failAt}, findings.VulnDB{BuiltAt: t0}, hours(1))
		if s.Compliance != tc.want {
			t.Errorf("FailAt %q: %s, want %s", tc.failAt, s.Compliance, tc.want)
		}
	}
	s := findings.Summarize(img, fs, findings.Policy{}, findings.VulnDB{BuiltAt: t0}, hours(1))
	want := findings.Summary{
		Image: img, BySeverity: map[findings.SeverityLabel]int{"MEDIUM": 1, "LOW": 1},
		ByWorkflow: map[findings.WorkflowStatus]int{"SUPPRESSED": 1, "NEW": 2}, Archived: 1,
		Compliance: "PASSED", Policy: findings.Policy{FailAt: "HIGH"}, VulnDB: findings.VulnDB{BuiltAt: t0}, EvaluatedAt: hours(1),
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
}

// TestEvaluateReevaluation: a re-match that finds the same findings writes
// nothing and keeps their observation times; a changed fix is written and
// reported as modified; a new match is created as in a scan.
func TestEvaluateReevaluation(t *testing.T) {
	a := synthetic("CVE-2099-0001", "openssl", "HIGH")
	b := synthetic("CVE-2099-0002", "zlib", "LOW")
	fs := stored(t, hours(0), nil, a, b)
	by := findings.By{Actor: "reevaluate", At: hours(5)}

	p, err := findings.Evaluate(findings.Observation{Image: img, Existing: fs, Scanned: true, Reevaluation: true, Observed: []findings.Finding{a, b}, By: by})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Upserts) != 0 || len(p.History) != 0 {
		t.Errorf("an unchanged re-evaluation wrote %d findings and %d history entries", len(p.Upserts), len(p.History))
	}
	for _, f := range p.Findings {
		if !f.LastObservedAt.Equal(hours(0)) {
			t.Errorf("%s: LastObservedAt moved to %v on a re-evaluation", f.ID, f.LastObservedAt)
		}
	}

	higher := b
	higher.Severity.Label = "CRITICAL"
	c := synthetic("CVE-2099-0003", "musl", "MEDIUM")
	p, err = findings.Evaluate(findings.Observation{Image: img, Existing: fs, Scanned: true, Reevaluation: true, Observed: []findings.Finding{a, higher, c}, By: by})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(findings.Changes{Created: []string{c.ID}, Modified: []string{b.ID}}, p.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if len(p.Upserts) != 2 {
		t.Errorf("upserts = %d, want 2 (the modified and the created finding)", len(p.Upserts))
	}
}
