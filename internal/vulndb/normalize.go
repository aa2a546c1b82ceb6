package vulndb

import (
	"regexp"
	"strings"
)

var pep503 = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the form of a package name under which a namespace
// stores and looks it up. Feeds and matchers must both use it.
func NormalizeName(namespace, name string) string {
	switch namespace {
	case "pypi":
		return pep503.ReplaceAllString(strings.ToLower(name), "-")
	case "nuget", "packagist":
		return strings.ToLower(name)
	}
	return name
}
