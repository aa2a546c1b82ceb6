package sbom

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/inventory"
)

// This file fills in, for SBOMs other tools wrote, what Vigil would have
// recorded itself, from the PURL.

// purlEcosystems maps PURL types to Vigil's ecosystems.
var purlEcosystems = map[string]inventory.Ecosystem{
	packageurl.TypeDebian:   inventory.EcosystemDeb,
	packageurl.TypeApk:      inventory.EcosystemAPK,
	packageurl.TypeRPM:      inventory.EcosystemRPM,
	packageurl.TypeGolang:   inventory.EcosystemGo,
	packageurl.TypeNPM:      inventory.EcosystemNPM,
	packageurl.TypePyPi:     inventory.EcosystemPyPI,
	packageurl.TypeMaven:    inventory.EcosystemMaven,
	packageurl.TypeGem:      inventory.EcosystemGem,
	packageurl.TypeCargo:    inventory.EcosystemCargo,
	packageurl.TypeComposer: inventory.EcosystemComposer,
	packageurl.TypeNuget:    inventory.EcosystemNuGet,
}

// inferFromPURL sets the type, arch and source package of p from its PURL
// where they are not set yet.
func inferFromPURL(p *inventory.Package) {
	if p.PURL == "" {
		return
	}
	u, err := packageurl.FromString(p.PURL)
	if err != nil {
		return
	}
	if p.Ecosystem == "" {
		if e, ok := purlEcosystems[u.Type]; ok {
			p.Ecosystem = e
		} else {
			p.Ecosystem = inventory.Ecosystem(u.Type)
		}
	}
	q := u.Qualifiers.Map()
	if p.Arch == "" {
		p.Arch = q["arch"]
	}
	if p.Ecosystem.IsOS() && p.SourceName == "" {
		p.SourceName, p.SourceVersion = sourceFromUpstream(p.Ecosystem, q["upstream"], p.Name, p.Version)
	}
}

// sourceFromUpstream reads the source package from a PURL "upstream"
// qualifier as syft writes it: "name" or "name@version" for deb, the origin
// for apk, the source RPM file name for rpm. Without one, the package is its
// own source.
func sourceFromUpstream(eco inventory.Ecosystem, upstream, name, version string) (string, string) {
	if upstream == "" {
		return name, version
	}
	switch eco {
	case inventory.EcosystemRPM:
		nvr := strings.TrimSuffix(upstream, ".rpm")
		nvr = strings.TrimSuffix(strings.TrimSuffix(nvr, ".src"), ".nosrc")
		// name-version-release: the name may contain dashes, version and
		// release do not.
		i := strings.LastIndex(nvr, "-")
		if i <= 0 {
			return nvr, version
		}
		j := strings.LastIndex(nvr[:i], "-")
		if j <= 0 {
			return nvr, version
		}
		return nvr[:j], nvr[j+1:]
	default:
		if n, v, ok := strings.Cut(upstream, "@"); ok {
			return n, v
		}
		return upstream, version
	}
}

// inferPeerInventory sets the distribution from the PURLs of OS packages
// when the document did not name one: the "distro" qualifier (as in
// distro=alpine-3.20.3), else the PURL namespace.
func inferPeerInventory(inv *inventory.Inventory) {
	if inv.Distro != nil {
		return
	}
	var fromNamespace string
	for _, p := range inv.Packages {
		if !p.Ecosystem.IsOS() || p.PURL == "" {
			continue
		}
		u, err := packageurl.FromString(p.PURL)
		if err != nil {
			continue
		}
		if d := u.Qualifiers.Map()["distro"]; d != "" {
			id, version := splitDistroQualifier(d)
			inv.Distro = &inventory.Distro{ID: id, VersionID: version}
			return
		}
		if fromNamespace == "" {
			fromNamespace = u.Namespace
		}
	}
	if fromNamespace != "" {
		inv.Distro = &inventory.Distro{ID: fromNamespace}
	}
}

// splitDistroQualifier splits "alpine-3.20.3" or "opensuse-leap-15.5" at
// the first dash followed by a digit.
func splitDistroQualifier(s string) (id, version string) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '-' && s[i+1] >= '0' && s[i+1] <= '9' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}
