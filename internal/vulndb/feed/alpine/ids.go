package alpine

import (
	"regexp"
	"strings"
)

// A secfixes entry is meant to be one identifier but is free text in
// practice. Seen in the real secdb: "CVE-2016-10013 XSA-204" (a CVE and the
// vendor's id), "CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI",
// "CVE-2018-14461 (LDP)", "CVE-2017-17434-1" (one CVE fixed by two
// patches), "CVE-2021-35940.patch", "CVE_2019-2426", "CVE 2018-16859",
// "CVE-????-????? XSA-312", "CVE N/A ZBX-11023", and ids of other
// databases alone: "XSA-207", "GHSA-fhpf-pp6p-55qc", "RUSTSEC-2020-0146",
// "ALPINE-13661", "wnpa-sec-2017-18", "VSV00010".

var (
	// cveRe finds CVE ids, also misspelt with '_' or ' ' after "CVE" and
	// followed by junk ("-1", ".patch"), which the pattern leaves out.
	cveRe = regexp.MustCompile(`(?i)\bCVE[-_ ]?(\d{4})-(\d{4,})`)
	// otherIDRe is an id of another database: letters first, dash
	// separated alphanumerics (it must also hold a digit).
	otherIDRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$`)
	// commentRe is parenthesised commentary: "(LDP)", "(+ regression fix)".
	commentRe = regexp.MustCompile(`\([^)]*\)`)
)

// splitIDs returns the CVE ids and the other ids named by one secfixes
// entry, canonical (upper-case "CVE-"), without duplicates. Words that are
// not ids ("XPTI", "N/A", malformed "CVE-46838") are dropped.
func splitIDs(s string) (cves, others []string) {
	s = strings.TrimSpace(s)
	if isPlainCVE(s) {
		return []string{s}, nil
	}
	s = commentRe.ReplaceAllString(s, " ")
	for _, m := range cveRe.FindAllStringSubmatch(s, -1) {
		cves = appendNew(cves, "CVE-"+m[1]+"-"+m[2])
	}
	for _, tok := range strings.Fields(cveRe.ReplaceAllString(s, " ")) {
		tok = strings.Trim(tok, ",;")
		if len(tok) < 3 || strings.EqualFold(tok[:3], "CVE") {
			continue
		}
		if otherIDRe.MatchString(tok) && strings.ContainsAny(tok, "0123456789") {
			others = appendNew(others, tok)
		}
	}
	return cves, others
}

// isPlainCVE reports whether s is exactly CVE-YYYY-NNNN[N…], the common case.
func isPlainCVE(s string) bool {
	if len(s) < len("CVE-2000-0000") || s[:4] != "CVE-" || s[8] != '-' {
		return false
	}
	for i := 4; i < len(s); i++ {
		if i != 8 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
