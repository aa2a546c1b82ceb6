package sbom

//go:generate go run gen_spdxids.go

import (
	"strings"
	"sync"
)

var licenseIDIndex = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(spdxLicenseIDs))
	for _, id := range spdxLicenseIDs {
		m[strings.ToLower(id)] = id
	}
	return m
})

// licenseID returns the canonical SPDX license id that s names (ids are
// matched without regard to case), or false when s is not one.
func licenseID(s string) (string, bool) {
	id, ok := licenseIDIndex()[strings.ToLower(strings.TrimSpace(s))]
	return id, ok
}

// isCompoundExpression reports whether s is an SPDX license expression
// with at least one operator (AND, OR, WITH) whose licenses are all SPDX
// ids (optionally with "+") or LicenseRef-/DocumentRef- references.
func isCompoundExpression(s string) bool {
	toks := licenseTokens(s)
	p := exprParser{toks: toks}
	if !p.expr(0) || p.pos != len(toks) {
		return false
	}
	return p.operators > 0
}

// licenseTokens splits an SPDX license expression into parentheses and
// words.
func licenseTokens(s string) []string {
	var toks []string
	word := func(i, j int) {
		if j > i {
			toks = append(toks, s[i:j])
		}
	}
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			word(start, i)
			start = i + 1
		case '(', ')':
			word(start, i)
			toks = append(toks, s[i:i+1])
			start = i + 1
		}
	}
	word(start, len(s))
	return toks
}

// exprParser checks the SPDX license expression grammar:
//
//	expr   = term { ("AND" | "OR") term }
//	term   = "(" expr ")" | simple [ "WITH" exception ]
//	simple = license-id ["+"] | LicenseRef-x | DocumentRef-x:LicenseRef-y
type exprParser struct {
	toks      []string
	pos       int
	operators int
}

// maxExprDepth bounds the nesting of parentheses the parser follows.
const maxExprDepth = 64

func (p *exprParser) expr(depth int) bool {
	if depth > maxExprDepth || !p.term(depth) {
		return false
	}
	for p.pos < len(p.toks) && (p.toks[p.pos] == "AND" || p.toks[p.pos] == "OR") {
		p.pos++
		p.operators++
		if !p.term(depth) {
			return false
		}
	}
	return true
}

func (p *exprParser) term(depth int) bool {
	if p.pos >= len(p.toks) {
		return false
	}
	if p.toks[p.pos] == "(" {
		p.pos++
		if !p.expr(depth+1) || p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return false
		}
		p.pos++
		return true
	}
	if !isSimpleLicense(p.toks[p.pos]) {
		return false
	}
	p.pos++
	if p.pos < len(p.toks) && p.toks[p.pos] == "WITH" {
		p.pos++
		p.operators++
		if p.pos >= len(p.toks) || !isIDString(p.toks[p.pos]) {
			return false
		}
		p.pos++
	}
	return true
}

func isSimpleLicense(tok string) bool {
	if _, ok := licenseID(strings.TrimSuffix(tok, "+")); ok {
		return true
	}
	if doc, ref, ok := strings.Cut(tok, ":"); ok {
		d, ok := strings.CutPrefix(doc, "DocumentRef-")
		if !ok || !isIDString(d) {
			return false
		}
		tok = ref
	}
	r, ok := strings.CutPrefix(tok, "LicenseRef-")
	return ok && isIDString(r)
}

// isIDString reports whether s is an SPDX idstring: letters, digits, "."
// and "-".
func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIDByte(s[i]) {
			return false
		}
	}
	return true
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// splitTopLevelAND splits an SPDX license expression at the AND operators
// outside parentheses, and unwraps operands that are wholly parenthesised:
// "MIT AND (A OR B)" gives "MIT" and "A OR B".
func splitTopLevelAND(s string) []string {
	toks := licenseTokens(s)
	var out []string
	var cur []string
	depth := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, joinLicenseTokens(unwrapParens(cur)))
		}
		cur = nil
	}
	for _, t := range toks {
		switch {
		case t == "(":
			depth++
		case t == ")":
			depth--
		case t == "AND" && depth == 0:
			flush()
			continue
		}
		cur = append(cur, t)
	}
	flush()
	return out
}

// unwrapParens removes parentheses that enclose all of toks.
func unwrapParens(toks []string) []string {
	for len(toks) >= 2 && toks[0] == "(" && toks[len(toks)-1] == ")" {
		depth := 0
		whole := true
		for i, t := range toks {
			if t == "(" {
				depth++
			} else if t == ")" {
				depth--
				if depth == 0 && i != len(toks)-1 {
					whole = false
					break
				}
			}
		}
		if !whole {
			break
		}
		toks = toks[1 : len(toks)-1]
	}
	return toks
}

// joinLicenseTokens writes tokens back as an expression, with no space
// inside parentheses.
func joinLicenseTokens(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t != ")" && toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}
