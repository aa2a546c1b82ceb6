package cvss

import (
	"math"
	"strings"
	"sync"
)

// CVSS v4.0 metrics in the order of the specification's vector table
// (section 7, table 23): base, threat, environmental, supplemental.
// https://www.first.org/cvss/v4.0/specification-document
var v4Defs = []metricDef{
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"AT", []string{"N", "P"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "P", "A"}, true},
	{"VC", []string{"H", "L", "N"}, true},
	{"VI", []string{"H", "L", "N"}, true},
	{"VA", []string{"H", "L", "N"}, true},
	{"SC", []string{"H", "L", "N"}, true},
	{"SI", []string{"H", "L", "N"}, true},
	{"SA", []string{"H", "L", "N"}, true},
	{"E", []string{"X", "A", "P", "U"}, false},
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MAT", []string{"X", "N", "P"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "P", "A"}, false},
	{"MVC", []string{"X", "H", "L", "N"}, false},
	{"MVI", []string{"X", "H", "L", "N"}, false},
	{"MVA", []string{"X", "H", "L", "N"}, false},
	{"MSC", []string{"X", "H", "L", "N"}, false},
	{"MSI", []string{"X", "S", "H", "L", "N"}, false},
	{"MSA", []string{"X", "S", "H", "L", "N"}, false},
	{"S", []string{"X", "N", "P"}, false},
	{"AU", []string{"X", "N", "Y"}, false},
	{"R", []string{"X", "A", "U", "I"}, false},
	{"V", []string{"X", "D", "C"}, false},
	{"RE", []string{"X", "L", "M", "H"}, false},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}, false},
}

func parseV4(vector, body string) (Vector, error) {
	m, norm, err := parseMetrics(vector, body, v4Defs, "X")
	if err != nil {
		return Vector{}, err
	}
	return Vector{version: V40, str: "CVSS:4.0/" + norm, score: v4Score(m)}, nil
}

// The scoring below follows FIRST's reference calculator,
// github.com/FIRSTdotorg/cvss-v4-calculator cvss_score.js (functions
// cvss_score, macroVector and m; commit
// ebf933cf52b7f2ae11eb3ba2c9f35e477448dfcd), with the tables of v4_tables.go.
// The floating-point operations are done in the same order, so that values
// near an x.x5 tie round the same way. Everything the reference scores is
// scored: Exploit Maturity (E), the security requirements (CR, IR, AR) and
// the modified base metrics (MAV…MSA); the supplemental metrics are parsed
// and kept but, as in the specification, never change the score.

// v4Effective is the value a metric takes in the score (the reference's
// m()): a defined modified metric (MAV…MSA) overrides its base metric, and
// E, CR, IR and AR default to their worst case (A, H) when not defined.
func v4Effective(m map[string]string, metric string) string {
	v := m[metric]
	if v == "" {
		v = "X"
	}
	if v == "X" {
		switch metric {
		case "E":
			return "A"
		case "CR", "IR", "AR":
			return "H"
		}
	}
	if mod, ok := m["M"+metric]; ok && mod != "X" {
		return mod
	}
	return v
}

// v4MacroVector computes the equivalence classes EQ1…EQ6 (specification
// section 8.2, the reference's macroVector()).
func v4MacroVector(m map[string]string) [6]int {
	e := func(metric string) string { return v4Effective(m, metric) }
	var eq [6]int
	av, pr, ui := e("AV"), e("PR"), e("UI")
	switch {
	case av == "N" && pr == "N" && ui == "N":
		eq[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if !(e("AC") == "L" && e("AT") == "N") {
		eq[1] = 1
	}
	vc, vi, va := e("VC"), e("VI"), e("VA")
	switch {
	case vc == "H" && vi == "H":
		eq[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case e("MSI") == "S" || e("MSA") == "S":
		eq[3] = 0
	case e("SC") == "H" || e("SI") == "H" || e("SA") == "H":
		eq[3] = 1
	default:
		eq[3] = 2
	}
	switch e("E") {
	case "A":
		eq[4] = 0
	case "P":
		eq[4] = 1
	default: // U
		eq[4] = 2
	}
	if (e("CR") == "H" && vc == "H") || (e("IR") == "H" && vi == "H") || (e("AR") == "H" && va == "H") {
		eq[5] = 0
	} else {
		eq[5] = 1
	}
	return eq
}

// v4Levels are the reference's *_levels: each metric value's distance from
// the most severe value, in steps of 0.1.
var v4Levels = map[string]map[string]float64{
	"AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
	"PR": {"N": 0.0, "L": 0.1, "H": 0.2},
	"UI": {"N": 0.0, "P": 0.1, "A": 0.2},
	"AC": {"L": 0.0, "H": 0.1},
	"AT": {"N": 0.0, "P": 0.1},
	"VC": {"H": 0.0, "L": 0.1, "N": 0.2},
	"VI": {"H": 0.0, "L": 0.1, "N": 0.2},
	"VA": {"H": 0.0, "L": 0.1, "N": 0.2},
	"SC": {"H": 0.1, "L": 0.2, "N": 0.3},
	"SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
	"SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
	"CR": {"H": 0.0, "M": 0.1, "L": 0.2},
	"IR": {"H": 0.0, "M": 0.1, "L": 0.2},
	"AR": {"H": 0.0, "M": 0.1, "L": 0.2},
}

// v4DistanceOrder is the order in which the reference computes the
// severity distances; the d* constants index it.
var v4DistanceOrder = [14]string{"AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"}

const (
	dAV = iota
	dPR
	dUI
	dAC
	dAT
	dVC
	dVI
	dVA
	dSC
	dSI
	dSA
	dCR
	dIR
	dAR
)

// v4Distances are the levels of the metrics of one vector, in
// v4DistanceOrder.
type v4Distances [14]float64

// v4Score is the reference's cvss_score(): the score of the vector's
// macrovector (the lookup table), minus the mean of the proportional
// severity distances of the vector from the macrovector's highest-severity
// vectors, rounded to one decimal.
func v4Score(m map[string]string) float64 {
	var eff [len(v4DistanceOrder)]string
	var level v4Distances
	for i, metric := range v4DistanceOrder {
		eff[i] = v4Effective(m, metric)
		level[i] = v4Levels[metric][eff[i]]
	}
	// No impact on the vulnerable nor the subsequent system: 0.
	none := true
	for _, i := range []int{dVC, dVI, dVA, dSC, dSI, dSA} {
		if eff[i] != "N" {
			none = false
			break
		}
	}
	if none {
		return 0
	}

	eq := v4MacroVector(m)
	value, _ := v4Lookup(eq)

	// Next lower macrovector of each EQ; it may not exist.
	lower := func(i int) [6]int { l := eq; l[i]++; return l }
	scoreEQ1, okEQ1 := v4Lookup(lower(0))
	scoreEQ2, okEQ2 := v4Lookup(lower(1))
	var scoreEQ3EQ6 float64
	var okEQ3EQ6 bool
	switch eq3, eq6 := eq[2], eq[5]; {
	case eq3 == 1 && eq6 == 1, eq3 == 0 && eq6 == 1: // 11 -> 21, 01 -> 11
		scoreEQ3EQ6, okEQ3EQ6 = v4Lookup(lower(2))
	case eq3 == 1 && eq6 == 0: // 10 -> 11
		scoreEQ3EQ6, okEQ3EQ6 = v4Lookup(lower(5))
	case eq3 == 0 && eq6 == 0: // 00 -> 01 or 10: the higher score
		left, okLeft := v4Lookup(lower(5))
		right, okRight := v4Lookup(lower(2))
		if okLeft && okRight && left > right {
			scoreEQ3EQ6, okEQ3EQ6 = left, true
		} else {
			scoreEQ3EQ6, okEQ3EQ6 = right, okRight
		}
	default: // 21 -> 32 does not exist
	}
	scoreEQ4, okEQ4 := v4Lookup(lower(3))
	scoreEQ5, okEQ5 := v4Lookup(lower(4))

	// Severity distance from the first highest-severity vector of the
	// macrovector that is not less severe than the vector on any metric.
	var dist v4Distances
	for _, maxLevel := range v4MaxVectors(eq) {
		below := false
		for i := range dist {
			dist[i] = level[i] - maxLevel[i]
			if dist[i] < 0 {
				below = true
			}
		}
		if !below {
			break
		}
	}
	distEQ1 := dist[dAV] + dist[dPR] + dist[dUI]
	distEQ2 := dist[dAC] + dist[dAT]
	distEQ3EQ6 := dist[dVC] + dist[dVI] + dist[dVA] + dist[dCR] + dist[dIR] + dist[dAR]
	distEQ4 := dist[dSC] + dist[dSI] + dist[dSA]

	const step = 0.1
	maxSevEQ1 := float64(v4MaxSeverityEQ1[eq[0]]) * step
	maxSevEQ2 := float64(v4MaxSeverityEQ2[eq[1]]) * step
	maxSevEQ3EQ6 := float64(v4MaxSeverityEQ3EQ6[eq[2]][eq[5]]) * step
	maxSevEQ4 := float64(v4MaxSeverityEQ4[eq[3]]) * step

	// Proportional distances, for the EQs that have a lower macrovector.
	n := 0
	var normEQ1, normEQ2, normEQ3EQ6, normEQ4, normEQ5 float64
	if okEQ1 {
		n++
		normEQ1 = float64((value - scoreEQ1) * float64(distEQ1/maxSevEQ1))
	}
	if okEQ2 {
		n++
		normEQ2 = float64((value - scoreEQ2) * float64(distEQ2/maxSevEQ2))
	}
	if okEQ3EQ6 {
		n++
		normEQ3EQ6 = float64((value - scoreEQ3EQ6) * float64(distEQ3EQ6/maxSevEQ3EQ6))
	}
	if okEQ4 {
		n++
		normEQ4 = float64((value - scoreEQ4) * float64(distEQ4/maxSevEQ4))
	}
	if okEQ5 {
		// EQ5 has a single metric: the vector is always at distance 0.
		n++
		normEQ5 = float64((value - scoreEQ5) * 0)
	}
	mean := 0.0
	if n > 0 {
		mean = (normEQ1 + normEQ2 + normEQ3EQ6 + normEQ4 + normEQ5) / float64(n)
	}
	value -= mean
	value = math.Max(0, math.Min(10, value))
	// Round half up to one decimal after lifting the value by 1e-6, as the
	// reference does: the interpolation can land one ulp below an x.x5 tie
	// (5.6499999999999995 for 5.65).
	return math.Round(float64((value+1e-6)*10)) / 10
}

// v4MaxVectors returns the levels of the highest-severity vectors of a
// macrovector.
func v4MaxVectors(eq [6]int) []v4Distances { return v4MaxVectorsByEQ()[eq] }

// v4MaxVectorsByEQ holds the highest-severity vectors of every macrovector,
// composed from the per-EQ ones in the reference's order (its max_vectors),
// as levels. It is built on first use: composing it costs milliseconds that
// a process scoring no v4 vector should not pay at start-up.
var v4MaxVectorsByEQ = sync.OnceValue(composeV4MaxVectors)

func composeV4MaxVectors() map[[6]int][]v4Distances {
	out := make(map[[6]int][]v4Distances, len(v4MacroVectorScores))
	for key := range v4MacroVectorScores {
		var eq [6]int
		for i := range eq {
			eq[i] = int(key[i] - '0')
		}
		for _, p1 := range v4MaxComposedEQ1[eq[0]] {
			for _, p2 := range v4MaxComposedEQ2[eq[1]] {
				for _, p3 := range v4MaxComposedEQ3EQ6[eq[2]][eq[5]] {
					for _, p4 := range v4MaxComposedEQ4[eq[3]] {
						for _, p5 := range v4MaxComposedEQ5[eq[4]] {
							values := map[string]string{}
							for kv := range strings.SplitSeq(p1+"/"+p2+"/"+p3+"/"+p4+"/"+p5, "/") {
								k, v, _ := strings.Cut(kv, ":")
								values[k] = v
							}
							var level v4Distances
							for i, metric := range v4DistanceOrder {
								level[i] = v4Levels[metric][values[metric]]
							}
							out[eq] = append(out[eq], level)
						}
					}
				}
			}
		}
	}
	return out
}

// v4Lookup returns the score of a macrovector from the lookup table, and
// whether the macrovector exists.
func v4Lookup(eq [6]int) (float64, bool) {
	var b [6]byte
	for i, v := range eq {
		if v < 0 || v > 9 {
			return 0, false
		}
		b[i] = byte('0' + v)
	}
	f, ok := v4MacroVectorScores[string(b[:])]
	return f, ok
}
