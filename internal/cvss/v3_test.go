package cvss

import (
	"math/big"
	"testing"
)

func TestV31Scores(t *testing.T) {
	checkScores(t, V31, []scoreCase{
		// pandatix/go-cvss 31/cvss31_test.go (commit 2232ff1a7cd7), NVD's
		// vectors for these CVEs; the last has every metric defined.
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4},  // CVE-2021-28378
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2},  // CVE-2020-14144
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0}, // CVE-2021-44228
		{"CVSS:3.1/AV:A/AC:H/PR:L/UI:N/S:C/C:H/I:L/A:L/E:F/RL:U/RC:R/CR:H/IR:M/AR:L/MAV:N/MAC:L/MPR:N/MUI:N/MS:C/MC:H/MI:H/MA:H", 7.1},
		// RedHatProductSecurity/cvss tests/vectors_simple31 (commit
		// 54384952eb69), base scores.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:L", 9.9},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N", 9.3},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.6},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:L", 8.3},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N", 8.2},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", 7.3},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:N/A:N", 4.7},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:L/A:L", 7.6},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 4.3},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N", 5.0},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:N/A:N", 4.1},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:H", 8.0},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 3.5},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L", 6.6},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.9},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:L/A:L", 6.0},
	})
}

func TestV30Scores(t *testing.T) {
	checkScores(t, V30, []scoreCase{
		// pandatix/go-cvss 30/cvss30_test.go (commit 2232ff1a7cd7).
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N", 6.5}, // CVE-2021-4131
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8}, // CVE-2020-2931
		{"CVSS:3.0/AV:A/AC:H/PR:L/UI:N/S:C/C:H/I:L/A:L/E:F/RL:U/RC:R/CR:H/IR:M/AR:L/MAV:N/MAC:L/MPR:N/MUI:N/MS:C/MC:H/MI:H/MA:H", 7.1},
		// RedHatProductSecurity/cvss tests/vectors_simple3 (commit
		// 5c895a81c7aa), base scores.
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:L", 10.0},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:H/A:N", 9.3},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:L", 5.8},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N", 6.5},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:N/A:N", 7.4},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N", 4.3},
		{"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:L", 7.4},
		{"CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:N/I:N/A:H", 6.8},
		{"CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:L", 5.5},
		{"CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:C/C:L/I:L/A:L", 6.6},
		{"CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2},
	})
}

// TestV3ExactArithmetic checks the floating-point base score of every v3.0
// and v3.1 base vector against the specification's equation in exact
// rational arithmetic, rounded up to one decimal.
func TestV3ExactArithmetic(t *testing.T) {
	av := map[string]string{"N": "0.85", "A": "0.62", "L": "0.55", "P": "0.2"}
	ac := map[string]string{"L": "0.77", "H": "0.44"}
	ui := map[string]string{"N": "0.85", "R": "0.62"}
	prU := map[string]string{"N": "0.85", "L": "0.62", "H": "0.27"}
	prC := map[string]string{"N": "0.85", "L": "0.68", "H": "0.5"}
	cia := map[string]string{"H": "0.56", "L": "0.22", "N": "0"}
	one := rat("1")
	for _, version := range []string{V30, V31} {
		n := 0
		allVectors(v3Defs[:8], "CVSS:"+version+"/", func(s string) {
			n++
			m := metricsOf(s)
			iss := subR(one, mulR(subR(one, rat(cia[m["C"]])), subR(one, rat(cia[m["I"]])), subR(one, rat(cia[m["A"]]))))
			impact, pr := mulR(rat("6.42"), iss), prU
			if m["S"] == "C" {
				p := subR(iss, rat("0.02"))
				p15 := new(big.Rat).SetFrac(new(big.Int).Exp(p.Num(), big.NewInt(15), nil), new(big.Int).Exp(p.Denom(), big.NewInt(15), nil))
				impact, pr = subR(mulR(rat("7.52"), subR(iss, rat("0.029"))), mulR(rat("3.25"), p15)), prC
			}
			want := 0.0
			if impact.Sign() > 0 {
				x := addR(impact, mulR(rat("8.22"), rat(av[m["AV"]]), rat(ac[m["AC"]]), rat(pr[m["PR"]]), rat(ui[m["UI"]])))
				if m["S"] == "C" {
					x = mulR(rat("1.08"), x)
				}
				if x.Cmp(rat("10")) > 0 {
					x = rat("10")
				}
				tenths, exact := floorTenths(x)
				if !exact {
					tenths.Add(tenths, big.NewInt(1))
				}
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
		if n != 2592 {
			t.Errorf("v%s: checked %d vectors, want 4×2×3×2×2×3×3×3", version, n)
		}
	}
}

func TestRoundUp(t *testing.T) {
	tests := []struct {
		in, want31, want30 float64
	}{
		// The examples of the v3.1 specification's Roundup definition.
		{4.02, 4.1, 4.1},
		{4.00, 4.0, 4.0},
		// Appendix A: floating-point error just above a decimal is absorbed
		// by v3.1 and not by v3.0's plain ceiling.
		{4.000000000000001, 4.0, 4.1},
		{0.30000000000000004, 0.3, 0.4}, // 0.1 + 0.2 in float64
		{9.99999, 10.0, 10.0},
		{0, 0, 0},
	}
	for _, tt := range tests {
		if got := roundUp31(tt.in); got != tt.want31 {
			t.Errorf("roundUp31(%v) = %v, want %v", tt.in, got, tt.want31)
		}
		if got := roundUp30(tt.in); got != tt.want30 {
			t.Errorf("roundUp30(%v) = %v, want %v", tt.in, got, tt.want30)
		}
	}
}
