package apk

import "strings"

// isExpression reports whether s reads as an SPDX license expression:
// license identifiers joined by AND / OR, with optional WITH exceptions and
// parentheses. Syft also checks every identifier against the SPDX license
// list; this check only looks at their shape, so "GPL2 AND MIT" counts as
// an expression here while syft splits it.
func isExpression(s string) bool {
	toks := tokenize(s)
	if len(toks) == 0 {
		return false
	}
	p := exprParser{toks: toks}
	return p.expr(0) && p.i == len(p.toks)
}

// tokenize splits on spaces and around parentheses.
func tokenize(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		for f != "" {
			i := strings.IndexAny(f, "()")
			switch {
			case i < 0:
				out = append(out, f)
				f = ""
			case i > 0:
				out = append(out, f[:i])
				f = f[i:]
			default:
				out = append(out, f[:1])
				f = f[1:]
			}
		}
	}
	return out
}

// maxDepth bounds parenthesis nesting, so that hostile input cannot
// exhaust the stack.
const maxDepth = 32

type exprParser struct {
	toks []string
	i    int
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// expr := term { ("AND" | "OR") term }
func (p *exprParser) expr(depth int) bool {
	if !p.term(depth) {
		return false
	}
	for op := p.peek(); op == "AND" || op == "OR"; op = p.peek() {
		p.i++
		if !p.term(depth) {
			return false
		}
	}
	return true
}

// term := "(" expr ")" | id [ "WITH" id ]
func (p *exprParser) term(depth int) bool {
	if p.peek() == "(" {
		if depth >= maxDepth {
			return false
		}
		p.i++
		if !p.expr(depth + 1) {
			return false
		}
		if p.peek() != ")" {
			return false
		}
		p.i++
		return true
	}
	if !isLicenseID(p.peek()) {
		return false
	}
	p.i++
	if p.peek() == "WITH" {
		p.i++
		if !isLicenseID(p.peek()) {
			return false
		}
		p.i++
	}
	return true
}

// isLicenseID reports whether t has the shape of an SPDX identifier
// ("GPL-2.0-or-later", "GPL-2.0+", "LicenseRef-x", "DocumentRef-d:LicenseRef-x").
func isLicenseID(t string) bool {
	switch t {
	case "", "AND", "OR", "WITH", "(", ")":
		return false
	}
	if doc, ref, ok := strings.Cut(t, ":"); ok {
		return strings.HasPrefix(doc, "DocumentRef-") && idChars(doc) &&
			strings.HasPrefix(ref, "LicenseRef-") && idChars(ref)
	}
	return idChars(strings.TrimSuffix(t, "+"))
}

func idChars(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}
