package version

import (
	"math/big"
	"strings"
)

// GemRequirement is a RubyGems requirement: comparisons joined by commas,
// all of which must hold ("~> 5.2.4, >= 5.2.4.3"), as Gem::Requirement
// reads them (lib/rubygems/requirement.rb).
type GemRequirement struct {
	raw   string
	terms []gemTerm
}

type gemTerm struct {
	op string
	v  GemVersion
	// upper is the exclusive bound of a pessimistic "~>" term.
	upper GemVersion
}

// ParseGemRequirement parses a requirement. An operator-less version means
// "=". Operators: =, !=, >, <, >=, <=, ~>.
func ParseGemRequirement(s string) (GemRequirement, error) {
	r := GemRequirement{raw: s}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return GemRequirement{}, parseErr(Gem, s, "empty requirement")
		}
		op := "="
		for _, cand := range []string{"~>", ">=", "<=", "!=", ">", "<", "="} {
			if strings.HasPrefix(part, cand) {
				op, part = cand, strings.TrimSpace(part[len(cand):])
				break
			}
		}
		v, err := ParseGem(part)
		if err != nil {
			return GemRequirement{}, err
		}
		t := gemTerm{op: op, v: v}
		if op == "~>" {
			if t.upper, err = ParseGem(gemBump(part)); err != nil {
				return GemRequirement{}, err
			}
		}
		r.terms = append(r.terms, t)
	}
	return r, nil
}

// gemBump is Gem::Version#bump: drop prerelease segments, drop the last
// segment when there are several, increment the new last one.
func gemBump(v string) string {
	segs := strings.Split(gemNormalizeHyphens(strings.TrimSpace(v)), ".")
	for i, s := range segs {
		if strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			segs = segs[:i]
			break
		}
	}
	if len(segs) > 1 {
		segs = segs[:len(segs)-1]
	}
	if len(segs) == 0 {
		return "1"
	}
	n, ok := new(big.Int).SetString(segs[len(segs)-1], 10)
	if !ok {
		n = big.NewInt(0)
	}
	segs[len(segs)-1] = n.Add(n, big.NewInt(1)).String()
	return strings.Join(segs, ".")
}

// Satisfied reports whether v meets every term.
func (r GemRequirement) Satisfied(v GemVersion) bool {
	for _, t := range r.terms {
		c := v.Compare(t.v)
		ok := false
		switch t.op {
		case "=":
			ok = c == 0
		case "!=":
			ok = c != 0
		case ">":
			ok = c > 0
		case "<":
			ok = c < 0
		case ">=":
			ok = c >= 0
		case "<=":
			ok = c <= 0
		case "~>":
			ok = c >= 0 && v.Compare(t.upper) < 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// String returns the requirement as written.
func (r GemRequirement) String() string { return r.raw }
