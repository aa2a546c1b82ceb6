// Package debian reads the Debian security tracker's data: the JSON export
// of https://security-tracker.debian.org/tracker/data/json (format
// "debian-tracker": per source package, per CVE, per release, a status, a
// fixed version and an urgency) and the advisory lists data/DSA/list and
// data/DLA/list of the tracker's repository (format "debian-dsa": one
// record per Debian Security Advisory or LTS advisory, with its CVEs and a
// fixed version per release).
//
// Releases are named by codename in both; they map to namespaces
// "debian:<major version>" ("bookworm" → "debian:12"), "debian:3.0" and
// "debian:3.1" for woody and sarge, and "debian:unstable" for sid. Packages
// are source packages.
//
// It must not import catalog, findings or server.
package debian

import (
	"strings"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// releases maps Debian codenames to namespaces. A codename missing here
// (a future release) is skipped with a warning until it is added.
var releases = map[string]string{
	"woody":    "debian:3.0",
	"sarge":    "debian:3.1",
	"etch":     "debian:4",
	"lenny":    "debian:5",
	"squeeze":  "debian:6",
	"wheezy":   "debian:7",
	"jessie":   "debian:8",
	"stretch":  "debian:9",
	"buster":   "debian:10",
	"bullseye": "debian:11",
	"bookworm": "debian:12",
	"trixie":   "debian:13",
	"forky":    "debian:14",
	"duke":     "debian:15",
	"sid":      "debian:unstable",
}

// trackerURL is the tracker's page for a CVE, DSA or DLA id.
const trackerURL = "https://security-tracker.debian.org/tracker/"

// severities holds one shared, read-only Severity slice per urgency word,
// as the tracker export repeats a handful of words millions of times.
var severities = func() map[string][]vulndb.Severity {
	m := map[string][]vulndb.Severity{}
	for _, u := range []string{"unimportant", "low", "medium", "high"} {
		m[u] = []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: u, Source: "debian"}}
	}
	return m
}()

// severity returns the rating for a Debian urgency, nil when it rates
// nothing ("not yet assigned", "end-of-life", empty). A trailing "*" or
// "**" (the tracker's marks of an unsure urgency) is dropped.
func severity(urgency string) []vulndb.Severity {
	u := strings.TrimRight(strings.TrimSpace(urgency), "*")
	switch u {
	case "", "not yet assigned", "end-of-life":
		return nil
	}
	if s, ok := severities[u]; ok {
		return s
	}
	return []vulndb.Severity{{Type: vulndb.SeverityVendor, Score: u, Source: "debian"}}
}

// checkVersion accepts a fixed version dpkg parses whose upstream part
// starts with a digit, as Debian policy requires (dpkg itself only warns,
// and the lists hold slips like "kernel-image-2.4.17-ia64").
func checkVersion(v string) error {
	parsed, err := version.ParseDpkg(v)
	if err != nil {
		return err
	}
	if u := parsed.Upstream; u == "" || u[0] < '0' || u[0] > '9' {
		return &version.ParseError{Scheme: version.Dpkg, Version: v, Reason: "upstream version does not start with a digit"}
	}
	return nil
}

// unfixedRange is the range of a package affected in every version.
func unfixedRange() []vulndb.Range {
	return []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}}}
}

// fixedRange is the range of a package affected below v.
func fixedRange(v string) []vulndb.Range {
	return []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}}
}
