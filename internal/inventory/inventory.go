// Package inventory holds the nouns of an image inventory: packages, where
// they were found, and the distribution the image is built on.
//
// It is plain data and imports only the standard library.
package inventory

import (
	"sort"
	"strings"
)

// Ecosystem names the packaging world a package comes from. The values are
// stable: they appear in reports, cache keys and the vulnerability database.
type Ecosystem string

// The ecosystems Vigil catalogs.
const (
	EcosystemDeb      Ecosystem = "deb"
	EcosystemAPK      Ecosystem = "apk"
	EcosystemRPM      Ecosystem = "rpm"
	EcosystemGo       Ecosystem = "go-module"
	EcosystemNPM      Ecosystem = "npm"
	EcosystemPyPI     Ecosystem = "python"
	EcosystemMaven    Ecosystem = "java-archive"
	EcosystemGem      Ecosystem = "gem"
	EcosystemCargo    Ecosystem = "rust-crate"
	EcosystemComposer Ecosystem = "php-composer"
	EcosystemNuGet    Ecosystem = "dotnet"
)

// IsOS reports whether packages of this ecosystem are managed by the
// operating system's package manager.
func (e Ecosystem) IsOS() bool {
	return e == EcosystemDeb || e == EcosystemAPK || e == EcosystemRPM
}

// Location is where a package was found: the file inside the image and the
// layer (by diffID) that introduced it.
type Location struct {
	Path  string `json:"path"`
	Layer string `json:"layer,omitempty"`
}

// Package is one installed package.
type Package struct {
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	Ecosystem Ecosystem `json:"type"`
	PURL      string    `json:"purl"`
	// Arch is the package architecture where the package manager records one.
	Arch string `json:"arch,omitempty"`
	// SourceName and SourceVersion name the source package for dpkg and rpm
	// (advisories are keyed by it) and the origin for apk.
	SourceName    string   `json:"sourceName,omitempty"`
	SourceVersion string   `json:"sourceVersion,omitempty"`
	Licenses      []string `json:"licenses,omitempty"`
	// Cataloger is the name of the cataloger that found the package.
	Cataloger string   `json:"cataloger"`
	Location  Location `json:"location"`
	// Metadata holds extra facts of one ecosystem (e.g. the Go toolchain
	// version of a binary, the Maven groupId). Keys are stable.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Key identifies a package within one image for de-duplication: the same
// name, version and type found in the same file is one package.
func (p Package) Key() string {
	return string(p.Ecosystem) + "\x00" + p.Name + "\x00" + p.Version + "\x00" + p.Arch + "\x00" + p.Location.Path
}

// Distro identifies the operating system an image is built on, as
// /etc/os-release (or a fallback) declares it.
type Distro struct {
	ID         string   `json:"id"`
	VersionID  string   `json:"versionId,omitempty"`
	Codename   string   `json:"codename,omitempty"`
	Name       string   `json:"prettyName,omitempty"`
	IDLike     []string `json:"idLike,omitempty"`
	SourcePath string   `json:"source,omitempty"`
}

// IsZero reports whether no distribution was identified.
func (d Distro) IsZero() bool { return d.ID == "" }

// Layer describes one layer of an image in application order.
type Layer struct {
	Index  int    `json:"index"`
	DiffID string `json:"diffId"`
	Digest string `json:"digest,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// Inventory is everything cataloged in one image or directory.
type Inventory struct {
	Source   Source    `json:"source"`
	Distro   *Distro   `json:"distro,omitempty"`
	Layers   []Layer   `json:"layers,omitempty"`
	Packages []Package `json:"packages"`
	// Errors lists what could not be read: a layer that ended early, a file
	// a cataloger could not parse. The inventory is still usable.
	Errors []string `json:"errors,omitempty"`
}

// Source describes what was scanned.
type Source struct {
	// Kind is the scheme: registry, docker-archive, oci-archive, oci-dir, dir, sbom.
	Kind      string `json:"kind"`
	Reference string `json:"reference"`
	// Digest is the manifest digest for images.
	Digest       string `json:"digest,omitempty"`
	ImageID      string `json:"imageId,omitempty"`
	Platform     string `json:"platform,omitempty"`
	Architecture string `json:"architecture,omitempty"`
}

// Sort orders packages by type, name, version and path, so that output is
// stable.
func Sort(pkgs []Package) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Ecosystem != b.Ecosystem {
			return a.Ecosystem < b.Ecosystem
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Location.Path < b.Location.Path
	})
}

// CleanPath turns a path inside an image into the canonical form used
// everywhere in Vigil: slash-separated, no leading "/" or "./", no trailing
// slash.
func CleanPath(p string) string {
	p = strings.TrimPrefix(p, "./")
	p = strings.Trim(p, "/")
	return p
}
