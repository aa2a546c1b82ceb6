package version

import "testing"

// Cases from RubyGems' test/rubygems/test_gem_requirement.rb
// (test_satisfied_by_eh_*, test_pessimistic_*), rubygems/rubygems.
func TestGemRequirement(t *testing.T) {
	for _, tc := range []struct {
		req, v string
		want   bool
	}{
		{"~> 1.4", "1.4", true}, {"~> 1.4", "1.5", true}, {"~> 1.4", "2.0", false}, {"~> 1.4", "1.3", false},
		{"~> 1.4.4", "1.4.4", true}, {"~> 1.4.4", "1.4.5", true}, {"~> 1.4.4", "1.5", false}, {"~> 1.4.4", "1.4.3", false},
		{"~> 2", "2.9", true}, {"~> 2", "3", false},
		{"~> 1.0.0.a", "1.0.0.b", true}, {"~> 1.0.0.a", "1.0.1", true}, {"~> 1.0.0.a", "1.1", false},
		{"> 0.1", "0.2", true}, {"> 0.1", "0.1", false},
		{">= 1.0", "1.0", true}, {"< 1.0", "1.0.a", true},
		{"!= 1.2", "1.2", false}, {"!= 1.2", "1.3", true},
		{"1.2", "1.2.0", true}, {"= 1.2", "1.2.1", false},
		{"~> 5.2.4, >= 5.2.4.3", "5.2.4.3", true},
		{"~> 5.2.4, >= 5.2.4.3", "5.2.4.2", false},
		{"~> 5.2.4, >= 5.2.4.3", "5.3.0", false},
		{">= 0", "0.0.1", true},
	} {
		r, err := ParseGemRequirement(tc.req)
		if err != nil {
			t.Fatalf("%q: %v", tc.req, err)
		}
		v, err := ParseGem(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Satisfied(v); got != tc.want {
			t.Errorf("%q satisfied by %s = %v, want %v", tc.req, tc.v, got, tc.want)
		}
	}
	for _, bad := range []string{"", "~>", ">= x", "1.0,", "=> 1"} {
		if _, err := ParseGemRequirement(bad); err == nil {
			t.Errorf("ParseGemRequirement(%q) accepted", bad)
		}
	}
}
