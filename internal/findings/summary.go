package findings

import "time"

// FailAt is the policy's threshold, HIGH by default.
func (p Policy) failAt() SeverityLabel {
	if p.FailAt.Rank() < 0 {
		return SeverityHigh
	}
	return p.FailAt
}

// Summarize computes an image's summary from all its findings: counts by
// severity (open findings) and by workflow status (ACTIVE findings), and
// Compliance FAILED when an open finding is rated at or above the policy's
// threshold (HIGH by default), PASSED otherwise.
func Summarize(img Image, fs []Finding, policy Policy, db VulnDB, at time.Time) Summary {
	s := Summary{
		Image:       img,
		BySeverity:  map[SeverityLabel]int{},
		ByWorkflow:  map[WorkflowStatus]int{},
		Compliance:  CompliancePassed,
		Policy:      Policy{FailAt: policy.failAt()},
		VulnDB:      db,
		EvaluatedAt: at.UTC().Truncate(time.Microsecond),
	}
	s.VulnDB.BuiltAt = s.VulnDB.BuiltAt.UTC()
	threshold := s.Policy.FailAt.Rank()
	for i := range fs {
		f := &fs[i]
		if f.RecordState == RecordArchived {
			s.Archived++
			continue
		}
		s.ByWorkflow[f.Workflow.Status]++
		if !f.Open() {
			continue
		}
		s.BySeverity[f.Severity.Label]++
		if f.Severity.Label.Rank() >= threshold {
			s.Compliance = ComplianceFailed
		}
	}
	return s
}
