package cvss

import "math"

// CVSS v3.0 and v3.1 metrics (the same set), in the order of the
// specification's vector table (v3.1 section 6, table 15): base, temporal,
// environmental. https://www.first.org/cvss/v3.1/specification-document
var v3Defs = []metricDef{
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "R"}, true},
	{"S", []string{"U", "C"}, true},
	{"C", []string{"H", "L", "N"}, true},
	{"I", []string{"H", "L", "N"}, true},
	{"A", []string{"H", "L", "N"}, true},
	{"E", []string{"X", "H", "F", "P", "U"}, false},
	{"RL", []string{"X", "U", "W", "T", "O"}, false},
	{"RC", []string{"X", "C", "R", "U"}, false},
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "R"}, false},
	{"MS", []string{"X", "U", "C"}, false},
	{"MC", []string{"X", "H", "L", "N"}, false},
	{"MI", []string{"X", "H", "L", "N"}, false},
	{"MA", []string{"X", "H", "L", "N"}, false},
}

// v3 base metric weights (v3.1 section 7.4; the same in v3.0 section 8.4).
var (
	v3AV     = map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
	v3AC     = map[string]float64{"L": 0.77, "H": 0.44}
	v3PR     = map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	v3PRC    = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5} // scope changed
	v3UI     = map[string]float64{"N": 0.85, "R": 0.62}
	v3Impact = map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
)

func parseV3(vector, version, body string) (Vector, error) {
	m, norm, err := parseMetrics(vector, body, v3Defs, "X")
	if err != nil {
		return Vector{}, err
	}
	roundUp := roundUp31
	if version == V30 {
		roundUp = roundUp30
	}
	return Vector{version: version, str: "CVSS:" + version + "/" + norm, score: v3BaseScore(m, roundUp)}, nil
}

// v3BaseScore is the base equation of v3.1 section 7.1 (identical in v3.0
// section 8.1), with the operations in the order of FIRST's calculator
// (cvsscalc31.js):
//
//	ISS = 1 - [(1-C) × (1-I) × (1-A)]
//	Impact = 6.42 × ISS                                  (scope unchanged)
//	       = 7.52 × (ISS-0.029) - 3.25 × (ISS-0.02)^15   (scope changed)
//	Exploitability = 8.22 × AV × AC × PR × UI
//	Base = 0 if Impact <= 0, else
//	       Roundup(Minimum(Impact + Exploitability, 10))          (unchanged)
//	       Roundup(Minimum(1.08 × (Impact + Exploitability), 10)) (changed)
func v3BaseScore(m map[string]string, roundUp func(float64) float64) float64 {
	changed := m["S"] == "C"
	c, i, a := v3Impact[m["C"]], v3Impact[m["I"]], v3Impact[m["A"]]
	iss := 1 - float64(float64((1-c)*(1-i))*(1-a))
	var impact float64
	if changed {
		impact = float64(7.52*(iss-0.029)) - float64(3.25*math.Pow(iss-0.02, 15))
	} else {
		impact = 6.42 * iss
	}
	if impact <= 0 {
		return 0
	}
	pr := v3PR[m["PR"]]
	if changed {
		pr = v3PRC[m["PR"]]
	}
	expl := 8.22 * v3AV[m["AV"]] * v3AC[m["AC"]] * pr * v3UI[m["UI"]]
	if changed {
		return roundUp(math.Min(1.08*(impact+expl), 10))
	}
	return roundUp(math.Min(impact+expl, 10))
}

// roundUp31 is the Roundup function of CVSS v3.1 Appendix A: the smallest
// number with one decimal that is equal to or higher than its input, made
// safe against floating-point error by working on the input scaled to an
// integer of 100,000ths.
func roundUp31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// roundUp30 is Roundup as CVSS v3.0 defines it (section 8.1) and FIRST's
// v3.0 calculator computes it: Math.ceil(d × 10) / 10, floating-point error
// included (v3.1 Appendix A exists because of it).
func roundUp30(x float64) float64 {
	return math.Ceil(x*10) / 10
}
