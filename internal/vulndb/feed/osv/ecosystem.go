package osv

import (
	"strings"

	"github.com/vigilhq/vigil/internal/version"
)

// ecosystem maps an OSV ecosystem to Vigil's namespace and version scheme.
//
//	Go         go         go      (also "stdlib" and "toolchain", kept as named)
//	npm        npm        semver
//	PyPI       pypi       pep440  (names PEP 503-normalised)
//	crates.io  crates.io  semver  (Cargo versions are SemVer 2.0)
//	Maven      maven      maven   (names "group:artifact")
//	RubyGems   rubygems   gem
//	Packagist  packagist  maven   (see below)
//	NuGet      nuget      semver  (see below)
//	Debian:12  debian:12  dpkg
//	Alpine:v3.16  alpine:3.16  apk
//	Ubuntu:22.04:LTS  ubuntu:22.04  dpkg; Ubuntu:Pro:18.04:LTS  ubuntu-pro:18.04
//
// Composer versions have one to four numeric parts and stability
// suffixes (1.0, 1.2.3.4, 2.0.0-beta1, 2.0.0-RC1, 1.0-p1) that compare
// case-insensitively as alpha < beta < RC < release < patch; Maven's
// ComparableVersion orders all of these the same way, where node-semver
// rejects 1.0 and 1.2.3.4 and sorts "RC1" before "beta1". Composer's "v"
// prefix (v5.4.3 in composer.lock) must be stripped before comparing, and
// "dev-" branches are not versions.
//
// NuGet versions are SemVer 2.0 with an optional fourth part; node-semver
// orders the three-part ones (nearly all of them, and "-preview" before
// the release, which Maven does not) and rejects the others.
//
// Other ecosystems keep their name in lower case and an empty scheme,
// which the matcher skips.
func ecosystem(e string) (string, version.Scheme) {
	base, rest, _ := strings.Cut(e, ":")
	switch base {
	case "Go":
		return "go", version.Go
	case "npm":
		return "npm", version.Semver
	case "PyPI":
		return "pypi", version.PEP440
	case "crates.io":
		return "crates.io", version.Semver
	case "Maven":
		return "maven", version.Maven
	case "RubyGems":
		return "rubygems", version.Gem
	case "Packagist":
		return "packagist", version.Maven
	case "NuGet":
		return "nuget", version.Semver
	case "Debian":
		return distro("debian", rest), version.Dpkg
	case "Alpine":
		return distro("alpine", strings.TrimPrefix(rest, "v")), version.APK
	case "Ubuntu":
		ns, release := "ubuntu", ""
		for f := range strings.SplitSeq(rest, ":") {
			switch {
			case f == "Pro":
				ns = "ubuntu-pro"
			case release == "" && f != "" && f[0] >= '0' && f[0] <= '9':
				release = f
			}
		}
		return distro(ns, release), version.Dpkg
	}
	return strings.ToLower(e), ""
}

// distro joins a distribution and its release ("debian:12"), or gives the
// distribution alone when the ecosystem names no release.
func distro(name, release string) string {
	if release == "" {
		return name
	}
	return name + ":" + release
}
