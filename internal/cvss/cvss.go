// Package cvss parses CVSS vector strings of versions 2.0, 3.0, 3.1 and 4.0
// and computes their scores and qualitative severity ratings the way FIRST
// specifies them (and, for v2, the way NVD rates them).
//
// It is a pure package: no I/O, no logging, and it must not import any other
// Vigil package. Deciding which rating wins (vendor first, then CVSS) is the
// caller's business.
package cvss

import (
	"fmt"
	"math"
	"strings"
)

// CVSS versions, as Vector.Version reports them.
const (
	V2  = "2.0"
	V30 = "3.0"
	V31 = "3.1"
	V40 = "4.0"
)

// Rating is a qualitative severity rating.
type Rating string

// Ratings. Unknown is what RatingOf answers for a version it does not know
// or a score outside [0, 10]; it is never the rating of a parsed Vector.
const (
	None     Rating = "NONE"
	Low      Rating = "LOW"
	Medium   Rating = "MEDIUM"
	High     Rating = "HIGH"
	Critical Rating = "CRITICAL"
	Unknown  Rating = "UNKNOWN"
)

// RatingOf maps a score to the rating scale of a CVSS version: for 3.0, 3.1
// and 4.0 the specifications' scale (0 none, 0.1-3.9 low, 4.0-6.9 medium,
// 7.0-8.9 high, 9.0-10.0 critical); for 2.0, which defines no scale, NVD's
// (0-3.9 low, 4.0-6.9 medium, 7.0-10.0 high).
func RatingOf(version string, score float64) Rating {
	if math.IsNaN(score) || score < 0 || score > 10 {
		return Unknown
	}
	switch version {
	case V2:
		switch {
		case score < 4:
			return Low
		case score < 7:
			return Medium
		}
		return High
	case V30, V31, V40:
		switch {
		case score == 0:
			return None
		case score < 4:
			return Low
		case score < 7:
			return Medium
		case score < 9:
			return High
		}
		return Critical
	}
	return Unknown
}

// Vector is a parsed CVSS vector. The zero Vector is not a valid one; get
// Vectors from Parse.
type Vector struct {
	version string
	str     string
	score   float64
}

// Version is "2.0", "3.0", "3.1" or "4.0".
func (v Vector) Version() string { return v.version }

// BaseScore is the score of the vector, rounded to one decimal.
//
// For v2.0 and v3.x it is the base score: temporal and environmental
// metrics are checked and kept in String, but do not change it. CVSS v4.0
// has a single score, which FIRST's calculator computes from every metric
// present (CVSS-B, -BT, -BE or -BTE): the Exploit Maturity (E) and the
// environmental metrics (CR, IR, AR and the modified base metrics) count;
// the supplemental metrics never do.
func (v Vector) BaseScore() float64 { return v.score }

// Severity is the rating of BaseScore on the scale of the vector's version
// (see RatingOf).
func (v Vector) Severity() Rating { return RatingOf(v.version, v.score) }

// String is the normalized vector: the version prefix (none for v2.0), the
// metrics in the specification's order, without those that are not defined
// (X, or ND in v2.0). Parse(v.String()) gives back an equal Vector.
func (v Vector) String() string { return v.str }

// ParseError is the error Parse returns.
type ParseError struct {
	// Vector is the input as given (cut to 200 bytes).
	Vector string
	// Metric names the metric at fault ("AV"), or the missing mandatory
	// metrics ("VA,SC"); empty when the whole vector is at fault.
	Metric string
	// Reason says what is wrong.
	Reason string
}

func (e *ParseError) Error() string {
	if e.Metric == "" {
		return fmt.Sprintf("parsing CVSS vector %q: %s", e.Vector, e.Reason)
	}
	return fmt.Sprintf("parsing CVSS vector %q: metric %s: %s", e.Vector, e.Metric, e.Reason)
}

// maxLen bounds the input: a v4.0 vector with every metric defined is about
// 240 bytes.
const maxLen = 1024

// Parse parses a CVSS vector string and computes its score. The version comes
// from the prefix: "CVSS:3.1/", "CVSS:3.0/", "CVSS:4.0/"; a vector without a
// prefix is v2.0 ("AV:N/AC:L/Au:N/C:P/I:P/A:P"; also accepted wrapped in
// parentheses as NVD printed them, or behind a "CVSS:2.0/" prefix). Metrics may come in any order; unknown,
// duplicate and malformed metrics, invalid values and missing mandatory base
// metrics are errors (a *ParseError).
func Parse(vector string) (Vector, error) {
	if len(vector) > maxLen {
		return Vector{}, parseErr(vector, "", fmt.Sprintf("longer than %d bytes", maxLen))
	}
	s := strings.TrimSpace(vector)
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		s = s[1 : len(s)-1]
	}
	if !strings.HasPrefix(s, "CVSS:") {
		return parseV2(vector, s)
	}
	prefix, body, _ := strings.Cut(s, "/")
	switch prefix {
	case "CVSS:3.1":
		return parseV3(vector, V31, body)
	case "CVSS:3.0":
		return parseV3(vector, V30, body)
	case "CVSS:4.0":
		return parseV4(vector, body)
	case "CVSS:2.0": // not FIRST's notation, but some feeds write it
		return parseV2(vector, body)
	}
	return Vector{}, parseErr(vector, "", fmt.Sprintf("unsupported version prefix %q", prefix))
}

func parseErr(vector, metric, reason string) *ParseError {
	if len(vector) > 200 {
		vector = vector[:200]
	}
	return &ParseError{Vector: vector, Metric: metric, Reason: reason}
}

// metricDef is one metric of a version: its abbreviation, its allowed values
// and whether the base score needs it.
type metricDef struct {
	name      string
	values    []string
	mandatory bool
}

// parseMetrics splits body ("AV:N/AC:L/...") into metric values checked
// against defs. notDefined is the value that means "not defined" ("X", or
// "ND" in v2.0). It returns the values by name and the normalized metric
// list in the order of defs, without the not-defined ones.
func parseMetrics(vector, body string, defs []metricDef, notDefined string) (map[string]string, string, error) {
	if body == "" {
		return nil, "", parseErr(vector, "", "no metrics")
	}
	got := make(map[string]string, min(strings.Count(body, "/")+1, len(defs)))
	for part := range strings.SplitSeq(body, "/") {
		name, value, ok := strings.Cut(part, ":")
		if !ok || name == "" || value == "" {
			return nil, "", parseErr(vector, "", fmt.Sprintf("malformed metric %q (want NAME:VALUE)", part))
		}
		def := findDef(defs, name)
		if def == nil {
			return nil, "", parseErr(vector, name, "unknown metric")
		}
		if _, dup := got[name]; dup {
			return nil, "", parseErr(vector, name, "defined more than once")
		}
		if !contains(def.values, value) {
			return nil, "", parseErr(vector, name, fmt.Sprintf("invalid value %q (want one of %s)", value, strings.Join(def.values, ", ")))
		}
		got[name] = value
	}
	var missing []string
	var norm strings.Builder
	for _, d := range defs {
		v, ok := got[d.name]
		if !ok {
			if d.mandatory {
				missing = append(missing, d.name)
			}
			continue
		}
		if v == notDefined {
			continue
		}
		if norm.Len() > 0 {
			norm.WriteByte('/')
		}
		norm.WriteString(d.name)
		norm.WriteByte(':')
		norm.WriteString(v)
	}
	if len(missing) > 0 {
		return nil, "", parseErr(vector, strings.Join(missing, ","), "mandatory base metric missing")
	}
	return got, norm.String(), nil
}

func findDef(defs []metricDef, name string) *metricDef {
	for i := range defs {
		if defs[i].name == name {
			return &defs[i]
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
