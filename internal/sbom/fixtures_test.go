package sbom

import (
	"time"

	"github.com/vigilhq/vigil/internal/inventory"
)

// The fixture inventories. Package names, versions, sources and licenses
// are copied from real data: the shared Debian bookworm dpkg status and
// os-release (rootfs/debian/bookworm), the shared Alpine 3.20.3 minirootfs
// (its apk database, as syft reports it in testdata/syft), the shared npm
// lockfile (lockfiles/npm-vulnerable) and Go binary (gobin-vulnerable). The
// image names, digests and diffIDs are made up (sha256 of a label); the
// "edge" inventory is made up to exercise what real ones rarely hold.

const (
	debianDigest = "sha256:73f5a3a6a41a0642972b3741e8d4e624d6223c86b1b94db28411dd1770f053fc"
	debianLayer0 = "sha256:4513bcbd4e3eb45005ae90c271499be551c4c5238f02a4968c688572f35b2754"
	debianLayer1 = "sha256:665251c3218d04802bfb40e4f1bbad89756c95dc208aca484d6f0c45cb171dff"
	alpineDigest = "sha256:14a6f5faa307cb1694399c6f5f35cc36eaae2bba60e7709621932cb219bdb914"
	alpineLayer0 = "sha256:6a82bb5445fbcf959fbd70d0f9fde52e5d15923ad26db4ef04cd077df9dd629f"
)

// fixedOptions make the output reproducible.
var fixedOptions = Options{
	ToolVersion: "0.1.0-test",
	Created:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	DocumentID:  "6f1c0b5e-3d52-4c8e-9a41-2b7d0e8f9c13",
}

type fixture struct {
	name string
	inv  *inventory.Inventory
}

func fixtures() []fixture {
	return []fixture{
		{"debian", debianInventory()},
		{"alpine", alpineInventory()},
		{"edge", edgeInventory()},
		{"empty", &inventory.Inventory{Source: inventory.Source{Kind: "oci-dir", Reference: "empty"}}},
	}
}

func debianInventory() *inventory.Inventory {
	dpkg := func(name, version, purl, srcName, srcVersion string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.EcosystemDeb, PURL: purl, Arch: "amd64",
			SourceName: srcName, SourceVersion: srcVersion, Cataloger: "dpkg",
			Location: inventory.Location{Path: "var/lib/dpkg/status", Layer: debianLayer0},
		}
	}
	npm := func(name, version string, licenses ...string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.EcosystemNPM,
			PURL: "pkg:npm/" + name + "@" + version, Licenses: licenses, Cataloger: "npm",
			Location: inventory.Location{Path: "app/package-lock.json", Layer: debianLayer1},
		}
	}
	return &inventory.Inventory{
		Source: inventory.Source{
			Kind: "registry", Reference: "registry.example.com/vigil/debian-app:1.0", Digest: debianDigest,
			ImageID:  "sha256:1e237b9a005e1fdb08d344244f7d7557e886b1653b195a7041fe12702fb83267",
			Platform: "linux/amd64", Architecture: "amd64",
		},
		Distro: &inventory.Distro{
			ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux 12 (bookworm)",
			SourcePath: "etc/os-release",
		},
		Layers: []inventory.Layer{
			{Index: 0, DiffID: debianLayer0, Digest: "sha256:bbecd14f35116a12c8c97f3b773a5431c864421808495cbc5e81a5bf9fad4160", Size: 29150208},
			{Index: 1, DiffID: debianLayer1, Digest: "sha256:d71a9f79266e52c3dd37d37bd6c22d5b8817e1f0320a20fc1dd57124c981d6b5", Size: 1834},
		},
		// Not in inventory.Sort order: the encoders sort.
		Packages: []inventory.Package{
			npm("optimist", "0.6.1", "MIT/X11"),
			dpkg("libc6", "2.36-9+deb12u14", "pkg:deb/libc6@2.36-9%2Bdeb12u14?arch=amd64&upstream=glibc", "glibc", "2.36-9+deb12u14"),
			dpkg("bsdutils", "1:2.38.1-5+deb12u3", "pkg:deb/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3", "util-linux", "2.38.1-5+deb12u3"),
			dpkg("base-files", "12.4+deb12u15", "pkg:deb/base-files@12.4%2Bdeb12u15?arch=amd64", "base-files", "12.4+deb12u15"),
			dpkg("zlib1g", "1:1.2.13.dfsg-1", "pkg:deb/zlib1g@1:1.2.13.dfsg-1?arch=amd64&upstream=zlib", "zlib", "1:1.2.13.dfsg-1"),
			npm("lodash", "4.17.15", "MIT"),
			npm("minimist", "0.0.10", "MIT"),
			npm("minimist", "1.2.0", "MIT"),
			{
				Name: "golang.org/x/net", Version: "v0.0.0-20190620200207-3b0461eec859", Ecosystem: inventory.EcosystemGo,
				PURL: "pkg:golang/golang.org/x/net@v0.0.0-20190620200207-3b0461eec859", Cataloger: "gobinary",
				Location: inventory.Location{Path: "usr/local/bin/vulnapp", Layer: debianLayer1},
				Metadata: map[string]string{
					"goToolchain": "go1.26.8",
					"mainModule":  "example.com/vulnapp",
					"h1Digest":    "h1:R/3boaszxrf1GEUWTVDzSKVwLmSJpwZ1yqXm8j0v2QI=",
				},
			},
		},
	}
}

func alpineInventory() *inventory.Inventory {
	apk := func(name, version, origin, purl string, licenses ...string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.EcosystemAPK, PURL: purl, Arch: "x86_64",
			SourceName: origin, SourceVersion: version, Licenses: licenses, Cataloger: "apk",
			Location: inventory.Location{Path: "lib/apk/db/installed", Layer: alpineLayer0},
		}
	}
	return &inventory.Inventory{
		Source: inventory.Source{Kind: "docker-archive", Reference: "alpine-3.20.3.tar", Digest: alpineDigest, Platform: "linux/amd64", Architecture: "amd64"},
		Distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3", Name: "Alpine Linux v3.20", SourcePath: "etc/os-release"},
		Layers: []inventory.Layer{{Index: 0, DiffID: alpineLayer0, Digest: "sha256:55286decc244c16a621793bbdad12744853cdb6f1a0af21a5eaccd21ca4f4166", Size: 3625472}},
		Packages: []inventory.Package{
			apk("musl", "1.2.5-r0", "musl", "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", "MIT"),
			apk("musl-utils", "1.2.5-r0", "musl", "pkg:apk/alpine/musl-utils@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3&upstream=musl", "MIT AND BSD-2-Clause AND GPL-2.0-or-later"),
			apk("ca-certificates-bundle", "20240705-r0", "ca-certificates", "pkg:apk/alpine/ca-certificates-bundle@20240705-r0?arch=x86_64&distro=alpine-3.20.3&upstream=ca-certificates", "MPL-2.0 AND MIT"),
			apk("busybox", "1.36.1-r29", "busybox", "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", "GPL-2.0-only"),
			apk("zlib", "1.3.1-r1", "zlib", "pkg:apk/alpine/zlib@1.3.1-r1?arch=x86_64&distro=alpine-3.20.3", "Zlib"),
		},
	}
}

// edgeInventory holds what the encoders must survive: no PURL, characters
// that need escaping, licenses of every kind in one list, the same package
// twice, errors, a directory source.
func edgeInventory() *inventory.Inventory {
	vulnapp := inventory.Package{
		Name: "example.com/vulnapp", Version: "(devel)", Ecosystem: inventory.EcosystemGo, Cataloger: "gobinary",
		Location: inventory.Location{Path: "vulnapp"},
	}
	return &inventory.Inventory{
		Source: inventory.Source{Kind: "dir", Reference: "/srv/app <&> \"quoted\""},
		Distro: &inventory.Distro{ID: "ubuntu", VersionID: "22.04", Codename: "jammy", Name: "Ubuntu 22.04.4 LTS", IDLike: []string{"debian"}, SourcePath: "etc/os-release"},
		Packages: []inventory.Package{
			vulnapp,
			vulnapp, // found twice: the references must still differ
			{
				Name: "Ünïcode pkg", Version: "1.0 beta", Ecosystem: inventory.EcosystemPyPI,
				PURL:      "pkg:pypi/%C3%BCn%C3%AFcode-pkg@1.0%20beta#sub/dir",
				Licenses:  []string{"Apache-2.0", "GPL-2+", "MIT OR Apache-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0", "LicenseRef-custom"},
				Cataloger: "python",
				Location:  inventory.Location{Path: "usr/lib/python3/dist-packages/ünïcode_pkg-1.0.dist-info/METADATA"},
				Metadata: map[string]string{
					"multi\nline key": "first line\nsecond line\r\nthird \\ line",
					"a=b":             "c=d",
					"empty":           "",
				},
			},
			{
				Name: "ca-certificates-bundle", Version: "20240705-r0", Ecosystem: inventory.EcosystemAPK,
				PURL:     "pkg:apk/alpine/ca-certificates-bundle@20240705-r0?arch=x86_64&distro=alpine-3.20.3&upstream=ca-certificates",
				Licenses: []string{"MPL-2.0 AND (MIT OR GPL-2.0-only)"},
				Location: inventory.Location{Path: "lib/apk/db/installed"},
			},
		},
		Errors: []string{"reading layer 2: unexpected EOF", "python: parsing METADATA: line 3: no colon"},
	}
}
