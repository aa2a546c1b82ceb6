package match

import (
	"strings"

	"github.com/vigilhq/vigil/internal/cvss"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Severity levels, as Trivy and Grype print them.
const (
	Critical   = "CRITICAL"
	High       = "HIGH"
	Medium     = "MEDIUM"
	Low        = "LOW"
	Negligible = "NEGLIGIBLE"
	Unknown    = "UNKNOWN"
)

// Levels lists the levels from most to least severe.
var Levels = []string{Critical, High, Medium, Low, Negligible, Unknown}

// Rank orders levels: CRITICAL 5 … NEGLIGIBLE 1, UNKNOWN 0.
func Rank(level string) int {
	switch level {
	case Critical:
		return 5
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Negligible:
		return 1
	}
	return 0
}

// Severity is a match's rating with where it came from.
type Severity struct {
	Level string `json:"level"`
	// Source names the rater: "debian" (urgency), "ghsa", "rubysec", or
	// "cvss-v3.1 (nvd)" style for a score computed from a vector.
	Source string  `json:"source"`
	Score  float64 `json:"score,omitempty"`
	Vector string  `json:"vector,omitempty"`
}

// Rate picks a severity: the vendor's per-package rating first (Debian's
// urgency for that release), then the advisory's own rating word, then a
// CVSS score computed from the vector (v3.x, then v4.0, then v2); UNKNOWN
// when there is none.
func Rate(a *vulndb.Advisory, af *vulndb.Affected) Severity {
	for _, list := range [][]vulndb.Severity{af.Severity, a.Severity} {
		for _, s := range list {
			if s.Type != vulndb.SeverityVendor {
				continue
			}
			if lvl := vendorLevel(s.Score); lvl != "" {
				return Severity{Level: lvl, Source: s.Source}
			}
		}
	}
	for _, want := range []vulndb.SeverityType{vulndb.SeverityCVSSv3, vulndb.SeverityCVSSv4, vulndb.SeverityCVSSv2} {
		for _, list := range [][]vulndb.Severity{af.Severity, a.Severity} {
			for _, s := range list {
				if s.Type != want {
					continue
				}
				v, err := cvss.Parse(s.Score)
				if err != nil {
					continue
				}
				src := "cvss-v" + v.Version()
				if s.Source != "" {
					src += " (" + s.Source + ")"
				}
				return Severity{Level: levelOf(v.Severity()), Source: src, Score: v.BaseScore(), Vector: v.String()}
			}
		}
	}
	return Severity{Level: Unknown}
}

func levelOf(r cvss.Rating) string {
	switch r {
	case cvss.Critical:
		return Critical
	case cvss.High:
		return High
	case cvss.Medium:
		return Medium
	case cvss.Low:
		return Low
	case cvss.None:
		return Negligible
	}
	return Unknown
}

// vendorLevel maps a vendor's rating word: GHSA's and RubySec's words,
// Debian's urgencies ("unimportant" is LOW, as Trivy maps it; "not yet
// assigned" is no rating).
func vendorLevel(word string) string {
	w := strings.ToLower(strings.TrimSpace(strings.TrimRight(word, "*")))
	switch w {
	case "critical":
		return Critical
	case "high", "important":
		return High
	case "medium", "moderate":
		return Medium
	case "low", "unimportant":
		return Low
	case "negligible", "none":
		return Negligible
	}
	return ""
}
