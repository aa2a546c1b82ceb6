package report

import "strings"

// cvssVersion is the CVSS version of a rating, "2.0", "3.0", "3.1" or "4.0":
// from the vector's "CVSS:x.y/" prefix (a v2 vector has none), else from
// Version.
func cvssVersion(c CVSS) string {
	if rest, ok := strings.CutPrefix(c.Vector, "CVSS:"); ok {
		v, _, _ := strings.Cut(rest, "/")
		return v
	}
	if strings.Contains(c.Vector, "Au:") {
		return "2.0"
	}
	v := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(c.Version)), "v")
	if v == "2" || v == "3" || v == "4" {
		v += ".0"
	}
	return v
}

// cvssScore picks the score that stands for a finding: the highest v3.x
// base score, else the highest v4.0, else the highest v2.0 (the order in
// which scanners and GitHub prefer them).
func cvssScore(cs []CVSS) (float64, bool) {
	for _, want := range []string{"3", "4", "2"} {
		best, found := 0.0, false
		for _, c := range cs {
			if strings.HasPrefix(cvssVersion(c), want+".") && c.Score >= 0 && c.Score <= 10 && (!found || c.Score > best) {
				best, found = c.Score, true
			}
		}
		if found {
			return best, true
		}
	}
	return 0, false
}

// cvssSeverity is the qualitative rating of a base score: the v3/v4 scale
// (None 0, Low < 4, Medium < 7, High < 9, Critical), or for v2 Low < 4,
// Medium < 7, High.
func cvssSeverity(version string, score float64) string {
	switch {
	case strings.HasPrefix(version, "2."):
		switch {
		case score < 4:
			return SeverityLow
		case score < 7:
			return SeverityMedium
		}
		return SeverityHigh
	case score == 0:
		return "NONE"
	case score < 4:
		return SeverityLow
	case score < 7:
		return SeverityMedium
	case score < 9:
		return SeverityHigh
	}
	return SeverityCritical
}
