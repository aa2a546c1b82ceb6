package cvss

import (
	"math/big"
	"strings"
	"testing"
)

func TestV2Scores(t *testing.T) {
	checkScores(t, V2, []scoreCase{
		// CVSS v2 guide section 3.3 examples, as in pandatix/go-cvss
		// 20/cvss20_test.go (commit 2232ff1a7cd7); temporal metrics do not
		// change the base score.
		{"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 7.8},   // CVE-2002-0392
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C", 10.0},  // CVE-2003-0818
		{"AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C", 6.2}, // CVE-2003-0062
		// RedHatProductSecurity/cvss tests/vectors_simple2 (commit
		// a0eb7c6fc69e), base scores.
		{"AV:L/AC:H/Au:M/C:N/I:N/A:N", 0.0},
		{"AV:L/AC:H/Au:M/C:N/I:N/A:P", 0.8},
		{"AV:L/AC:H/Au:M/C:N/I:N/A:C", 3.7},
		{"AV:L/AC:H/Au:M/C:P/I:P/A:P", 3.4},
		{"AV:L/AC:H/Au:S/C:C/I:C/A:C", 6.0},
		{"AV:L/AC:M/Au:S/C:N/I:P/A:N", 1.5},
		{"AV:L/AC:M/Au:N/C:P/I:P/A:P", 4.4},
		{"AV:L/AC:L/Au:S/C:P/I:P/A:C", 5.7},
		{"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2},
		{"AV:A/AC:H/Au:M/C:C/I:C/A:C", 6.2},
		{"AV:A/AC:H/Au:N/C:P/I:P/A:P", 4.3},
		{"AV:A/AC:M/Au:M/C:P/I:P/A:P", 4.5},
	})
}

// TestV2ExactArithmetic checks the floating-point base score of every v2.0
// base vector against the guide's equation in exact decimal arithmetic.
func TestV2ExactArithmetic(t *testing.T) {
	w := map[string]map[string]string{
		"AV":  {"L": "0.395", "A": "0.646", "N": "1.0"},
		"AC":  {"H": "0.35", "M": "0.61", "L": "0.71"},
		"Au":  {"M": "0.45", "S": "0.56", "N": "0.704"},
		"CIA": {"N": "0", "P": "0.275", "C": "0.660"},
	}
	n := 0
	allVectors(v2Defs[:6], "", func(s string) {
		n++
		m := metricsOf(s)
		impact := mulR(rat("10.41"), subR(rat("1"), mulR(subR(rat("1"), rat(w["CIA"][m["C"]])), subR(rat("1"), rat(w["CIA"][m["I"]])), subR(rat("1"), rat(w["CIA"][m["A"]])))))
		want := 0.0
		if impact.Sign() != 0 {
			expl := mulR(rat("20"), rat(w["AV"][m["AV"]]), rat(w["AC"][m["AC"]]), rat(w["Au"][m["Au"]]))
			x := mulR(subR(addR(mulR(rat("0.6"), impact), mulR(rat("0.4"), expl)), rat("1.5")), rat("1.176"))
			tenths, _ := floorTenths(addR(x, rat("0.05"))) // half up
			want = tenthsFloat(tenths)
		}
		v, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if v.BaseScore() != want {
			t.Errorf("%s: score %v, exact arithmetic gives %v", s, v.BaseScore(), want)
		}
	})
	if n != 729 {
		t.Errorf("checked %d vectors, want 3^6", n)
	}
}

// Exact decimal arithmetic helpers.

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad decimal " + s)
	}
	return r
}

func mulR(xs ...*big.Rat) *big.Rat {
	r := big.NewRat(1, 1)
	for _, x := range xs {
		r.Mul(r, x)
	}
	return r
}

func subR(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func addR(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }

// floorTenths returns floor(x×10) and whether x×10 is an integer.
func floorTenths(x *big.Rat) (*big.Int, bool) {
	y := mulR(x, big.NewRat(10, 1))
	q, m := new(big.Int).DivMod(y.Num(), y.Denom(), new(big.Int))
	return q, m.Sign() == 0
}

func tenthsFloat(q *big.Int) float64 {
	f, _ := new(big.Rat).SetFrac(q, big.NewInt(10)).Float64()
	return f
}

func metricsOf(s string) map[string]string {
	if i := strings.Index(s, "/"); strings.HasPrefix(s, "CVSS:") && i >= 0 {
		s = s[i+1:]
	}
	m := map[string]string{}
	for _, p := range strings.Split(s, "/") {
		k, v, _ := strings.Cut(p, ":")
		m[k] = v
	}
	return m
}
