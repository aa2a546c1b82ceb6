package cvss

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"(AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:LM/TD:H/CR:M/IR:M/AR:H)",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N",
		"CVSS:3.1/AV:A/AC:H/PR:L/UI:N/S:C/C:H/I:L/A:L/E:F/RL:U/RC:R/CR:H/IR:M/AR:L/MAV:N/MAC:L/MPR:N/MUI:N/MS:C/MC:H/MI:H/MA:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
		"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L/E:P/CR:H/IR:M/AR:H/MAV:A/MAT:P/MPR:N/MVI:H/MVA:N/MSI:H/MSA:N/S:N/V:C/U:Amber",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S",
		"CVSS:3.1/",
		"CVSS:9.9/AV:N",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		score := v.BaseScore()
		if !(score >= 0 && score <= 10) {
			t.Fatalf("Parse(%q) scores %v", s, score)
		}
		if v.Severity() == Unknown {
			t.Fatalf("Parse(%q): severity UNKNOWN for score %v", s, score)
		}
		n, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%q) normalized to %q, which does not parse: %v", s, v.String(), err)
		}
		if n != v {
			t.Fatalf("Parse(%q) = %q %v, but its normalized form parses as %q %v", s, v.String(), score, n.String(), n.BaseScore())
		}
	})
}
