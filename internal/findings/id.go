package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// Finding ids are deterministic, so that a rescan updates a finding
// instead of duplicating it:
//
//	vigil/<image digest>/<h>
//
// where <h> is the first 32 hex digits (128 bits) of the SHA-256 of the
// kind ("vuln" or "rule") and the kind's identity, NUL-separated:
// ("vuln", package PURL, vulnerability id) or ("rule", rule id,
// location). The digest stays readable so that ids group by image; the
// hash keeps ids short (ASFF allows 512 characters) and free of the
// characters PURLs carry.

// VulnerabilityFindingID is the id of the finding of one vulnerability in
// one package (by PURL) of one image (by manifest digest).
func VulnerabilityFindingID(imageDigest, purl, vulnerabilityID string) string {
	return "vigil/" + imageDigest + "/" + idHash("vuln", purl, vulnerabilityID)
}

// RuleFindingID is the id of a secret or misconfiguration finding: one
// rule at one location (a path, a path:line) of one image.
func RuleFindingID(imageDigest, rule, location string) string {
	return "vigil/" + imageDigest + "/" + idHash("rule", rule, location)
}

func idHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
