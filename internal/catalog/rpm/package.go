package rpm

import (
	"strconv"
	"strings"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/inventory"
)

// Metadata keys of rpm packages.
const (
	// MetadataEpoch is the package's epoch, in decimal, when it has one.
	MetadataEpoch = "epoch"
	// MetadataModularityLabel is the module stream a package was built for
	// (RHEL 8 and later), "name:stream:version:context".
	MetadataModularityLabel = "modularityLabel"
	// MetadataVendor is the package's Vendor tag ("CentOS", "Fedora
	// Project"): the matcher uses it to tell a distribution's own packages
	// from a third-party repository's.
	MetadataVendor = "vendor"
)

// toPackage reports a package the way syft does: the version is
// "[epoch:]version-release", the PURL carries the epoch and the source RPM
// file name as qualifiers.
//
// SourceName and SourceVersion come from the source RPM's file name; its
// version never carries an epoch, and none is added: a binary package's
// epoch need not be its source package's (grype's rpm matcher makes the
// same choice, for the same reason). Without a readable source RPM name
// they are the package's own name and version.
func toPackage(info *rpmdb.PackageInfo) inventory.Package {
	version := info.Version + "-" + info.Release
	if info.Epoch != nil {
		version = strconv.Itoa(*info.Epoch) + ":" + version
	}
	q := map[string]string{}
	if info.Arch != "" {
		q["arch"] = info.Arch
	}
	if info.Epoch != nil {
		q["epoch"] = strconv.Itoa(*info.Epoch)
	}
	if info.SourceRpm != "" {
		q["upstream"] = info.SourceRpm
	}
	// The namespace (the distribution) and the distro qualifier are added
	// by the merge step once the distribution is known.
	purl := packageurl.NewPackageURL(packageurl.TypeRPM, "", info.Name,
		info.Version+"-"+info.Release, packageurl.QualifiersFromMap(q), "")

	p := inventory.Package{
		Name:          info.Name,
		Version:       version,
		Ecosystem:     inventory.EcosystemRPM,
		PURL:          purl.ToString(),
		Arch:          info.Arch,
		SourceName:    info.Name,
		SourceVersion: version,
	}
	if name, ver, ok := parseSourceRPM(info.SourceRpm); ok {
		p.SourceName, p.SourceVersion = name, ver
	}
	if info.License != "" {
		p.Licenses = []string{info.License}
	}
	meta := map[string]string{}
	if info.Epoch != nil {
		meta[MetadataEpoch] = strconv.Itoa(*info.Epoch)
	}
	if info.Modularitylabel != "" {
		meta[MetadataModularityLabel] = info.Modularitylabel
	}
	if info.Vendor != "" {
		meta[MetadataVendor] = info.Vendor
	}
	if len(meta) > 0 {
		p.Metadata = meta
	}
	return p
}

// parseSourceRPM splits a source RPM file name,
// "<name>-<version>-<release>.<arch>.rpm", into the name and
// "<version>-<release>", as grype's pattern
// `^(.*)-(.*)-(.*)\.([a-zA-Z][^.]+)\.rpm$` does: the arch follows the last
// dot and starts with a letter; the release and the version are the last
// two dash-separated fields before it.
func parseSourceRPM(s string) (name, version string, ok bool) {
	rest, found := strings.CutSuffix(s, ".rpm")
	if !found {
		return "", "", false
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return "", "", false
	}
	if arch := rest[dot+1:]; len(arch) < 2 || !isLetter(arch[0]) {
		return "", "", false
	}
	rest = rest[:dot]
	r := strings.LastIndexByte(rest, '-')
	if r < 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(rest[:r], '-')
	if v <= 0 {
		return "", "", false // no version field, or an empty name
	}
	return rest[:v], rest[v+1:], true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
