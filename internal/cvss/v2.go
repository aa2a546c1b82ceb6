package cvss

import "math"

// CVSS v2.0 metrics, in the order of the v2 guide's vector table (section
// 2.4): base, temporal, environmental.
// https://www.first.org/cvss/v2/guide
var v2Defs = []metricDef{
	{"AV", []string{"L", "A", "N"}, true},
	{"AC", []string{"H", "M", "L"}, true},
	{"Au", []string{"M", "S", "N"}, true},
	{"C", []string{"N", "P", "C"}, true},
	{"I", []string{"N", "P", "C"}, true},
	{"A", []string{"N", "P", "C"}, true},
	{"E", []string{"U", "POC", "F", "H", "ND"}, false},
	{"RL", []string{"OF", "TF", "W", "U", "ND"}, false},
	{"RC", []string{"UC", "UR", "C", "ND"}, false},
	{"CDP", []string{"N", "L", "LM", "MH", "H", "ND"}, false},
	{"TD", []string{"N", "L", "M", "H", "ND"}, false},
	{"CR", []string{"L", "M", "H", "ND"}, false},
	{"IR", []string{"L", "M", "H", "ND"}, false},
	{"AR", []string{"L", "M", "H", "ND"}, false},
}

// v2.0 base metric weights (guide section 3.2.1).
var (
	v2AV     = map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}
	v2AC     = map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}
	v2Au     = map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}
	v2Impact = map[string]float64{"N": 0.0, "P": 0.275, "C": 0.660}
)

func parseV2(vector, body string) (Vector, error) {
	m, norm, err := parseMetrics(vector, body, v2Defs, "ND")
	if err != nil {
		return Vector{}, err
	}
	return Vector{version: V2, str: norm, score: v2BaseScore(m)}, nil
}

// v2BaseScore is the v2.0 base equation (guide section 3.2.1):
//
//	BaseScore = round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact))
//	Impact = 10.41*(1-(1-ConfImpact)*(1-IntegImpact)*(1-AvailImpact))
//	Exploitability = 20*AccessVector*AccessComplexity*Authentication
//	f(Impact) = 0 if Impact=0, 1.176 otherwise
func v2BaseScore(m map[string]string) float64 {
	c, i, a := v2Impact[m["C"]], v2Impact[m["I"]], v2Impact[m["A"]]
	impact := 10.41 * float64(1-float64(float64((1-c)*(1-i))*(1-a)))
	if impact == 0 {
		return 0
	}
	expl := 20 * v2AV[m["AV"]] * v2AC[m["AC"]] * v2Au[m["Au"]]
	score := float64(float64(float64(0.6*impact)+float64(0.4*expl))-1.5) * 1.176
	return roundHalfUp1(score)
}

// roundHalfUp1 rounds to one decimal, halves up, as NVD's v2 calculator
// does (Math.round(x*10)/10). For every base vector it gives the result of
// exact decimal arithmetic (TestV2ExactArithmetic).
func roundHalfUp1(x float64) float64 {
	return math.Round(x*10) / 10
}
