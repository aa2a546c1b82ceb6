package report

import (
	"time"

	"github.com/vigilhq/vigil/internal/inventory"
)

// The fixtures describe a scan of debian:12 with one Go binary: four
// findings (a fix available; CRITICAL and will-not-fix; under
// investigation with UNKNOWN severity; a Go module with a GHSA alias), two
// ignored matches (one with an OpenVEX justification, one accepted risk)
// and one error. Advisory facts follow the Debian security tracker, NVD and
// the GitHub advisory database.

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	testDigest = "sha256:b877a1a3fdf02469440f1768cf69c9771338a875b7add5e80c45b756c92ac20a"
	testLayer  = "sha256:8b296f48696071aafb5a6286ca60d441a7e559b192fc7f94bb63ee93dae98f17"
	testLayer2 = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
)

type fixture struct {
	name   string
	report *Report
}

func fixtures() []fixture {
	return []fixture{
		{"debian", debianReport()},
		{"empty", emptyReport()},
	}
}

func emptyReport() *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		CreatedAt:     fixedTime,
		Tool:          Tool{Name: ToolName, Version: "1.2.0"},
		Image:         Image{Reference: "alpine:3.20", Kind: "registry"},
		Database:      Database{Path: "/var/cache/vigil/db.sqlite", BuiltAt: fixedTime.Add(-time.Hour), Advisories: 0},
	}
}

func debianReport() *Report {
	dpkg := func(name, version, src, srcVersion string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.EcosystemDeb,
			PURL:       "pkg:deb/debian/" + name + "@" + version + "?arch=amd64&distro=debian-12",
			Arch:       "amd64",
			SourceName: src, SourceVersion: srcVersion,
			Cataloger: "dpkg",
			Location:  inventory.Location{Path: "var/lib/dpkg/status", Layer: testLayer},
		}
	}
	// Not in inventory.Sort order: the json format sorts.
	pkgs := []inventory.Package{
		dpkg("libkrb5-3", "1.20.1-2+deb12u1", "krb5", ""),
		dpkg("libssl3", "3.0.11-1~deb12u2", "openssl", ""),
		dpkg("zlib1g", "1:1.2.13.dfsg-1", "zlib", ""),
		{
			Name: "golang.org/x/net", Version: "v0.15.0", Ecosystem: inventory.EcosystemGo,
			PURL:      "pkg:golang/golang.org/x/net@v0.15.0",
			Cataloger: "go-module-binary",
			Location:  inventory.Location{Path: "usr/local/bin/app", Layer: testLayer2},
		},
	}
	pkgs[0], pkgs[3] = pkgs[3], pkgs[0]
	deb := func(p inventory.Package) Package {
		return Package{Name: p.Name, Version: p.Version, Type: string(p.Ecosystem), PURL: p.PURL,
			Path: p.Location.Path, Layer: p.Location.Layer, SrcName: p.SourceName}
	}
	return &Report{
		SchemaVersion: SchemaVersion,
		CreatedAt:     fixedTime,
		Tool:          Tool{Name: ToolName, Version: "1.2.0"},
		Image: Image{
			Reference: "debian:12",
			Kind:      "registry",
			Digest:    testDigest,
			Platform:  "linux/amd64",
			OS:        &inventory.Distro{ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux 12 (bookworm)", SourcePath: "etc/os-release"},
			Layers:    []inventory.Layer{{Index: 0, DiffID: testLayer}, {Index: 1, DiffID: testLayer2}},
		},
		Packages: pkgs,
		// In no particular order: encoders sort.
		Vulnerabilities: []Vulnerability{
			{
				ID:               "CVE-2024-26458",
				Title:            "krb5: memory leak in src/lib/rpc/pmap_rmt.c",
				Package:          deb(pkgs[3]),
				InstalledVersion: "1.20.1-2+deb12u1",
				Status:           StatusUnderInvestigation,
				Severity:         SeverityUnknown,
				References:       []string{"https://security-tracker.debian.org/tracker/CVE-2024-26458"},
				DataSource:       DataSource{Feed: "debian", Namespace: "debian:distro:debian:12", Origin: "https://security-tracker.debian.org/tracker/data/json"},
				Match:            MatchRule{Query: "deb/krb5@1.20.1-2+deb12u1 (debian:12)", Range: "< (unfixed)", Comparator: "dpkg", Reason: "source package krb5 is listed for bookworm without a fixed version"},
			},
			{
				ID:               "CVE-2024-0727",
				Aliases:          []string{"DSA-5657-1"},
				Title:            "openssl: denial of service via null dereference in PKCS12 parsing",
				Package:          deb(pkgs[1]),
				InstalledVersion: "3.0.11-1~deb12u2",
				FixedVersion:     "3.0.13-1~deb12u1",
				Status:           StatusFixed,
				Severity:         SeverityMedium,
				SeveritySource:   "cvss-v3.1 (nvd)",
				CVSS:             []CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", Score: 5.5, Source: "nvd"}},
				References: []string{
					"https://security-tracker.debian.org/tracker/CVE-2024-0727",
					"https://www.openssl.org/news/secadv/20240125.txt",
				},
				DataSource: DataSource{Feed: "debian", Namespace: "debian:distro:debian:12", Origin: "https://security-tracker.debian.org/tracker/data/json"},
				Match:      MatchRule{Query: "deb/openssl@3.0.11-1~deb12u2 (debian:12)", Range: "< 3.0.13-1~deb12u1", Comparator: "dpkg", Reason: "3.0.11-1~deb12u2 < 3.0.13-1~deb12u1"},
			},
			{
				ID:               "CVE-2023-45853",
				Title:            "zlib: integer overflow and heap-based buffer overflow in zipOpenNewFileInZip4_6",
				Package:          deb(pkgs[2]),
				InstalledVersion: "1:1.2.13.dfsg-1",
				Status:           StatusWillNotFix,
				Severity:         SeverityCritical,
				SeveritySource:   "cvss-v3.1 (nvd)",
				CVSS:             []CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Source: "nvd"}},
				References:       []string{"https://security-tracker.debian.org/tracker/CVE-2023-45853"},
				DataSource:       DataSource{Feed: "debian", Namespace: "debian:distro:debian:12"},
				Match:            MatchRule{Query: "deb/zlib@1:1.2.13.dfsg-1 (debian:12)", Range: "< (unfixed)", Comparator: "dpkg", Reason: "marked <ignored> for bookworm: will not be fixed"},
			},
			{
				ID:               "GHSA-4374-p667-p6c8",
				Aliases:          []string{"CVE-2023-39325", "GO-2023-2102"},
				Title:            "HTTP/2 rapid reset can cause excessive work in net/http",
				Package:          Package{Name: "golang.org/x/net", Version: "v0.15.0", Type: "go-module", PURL: "pkg:golang/golang.org/x/net@v0.15.0", Path: "usr/local/bin/app", Layer: testLayer2},
				InstalledVersion: "v0.15.0",
				FixedVersion:     "0.17.0",
				Status:           StatusFixed,
				Severity:         SeverityHigh,
				SeveritySource:   "ghsa",
				CVSS:             []CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Score: 7.5, Source: "ghsa"}},
				References:       []string{"https://github.com/advisories/GHSA-4374-p667-p6c8", "https://go.dev/issue/63417"},
				DataSource:       DataSource{Feed: "osv", Namespace: "github:language:go"},
				Match:            MatchRule{Query: "go-module/golang.org/x/net@v0.15.0", Range: ">= 0, < 0.17.0", Comparator: "semver", Reason: "v0.15.0 < 0.17.0"},
			},
		},
		Ignored: []Ignored{
			{ID: "CVE-2023-4911", Package: "libc6", PURL: "pkg:deb/debian/libc6@2.36-9+deb12u3?arch=amd64&distro=debian-12", Version: "2.36-9+deb12u3",
				Reason: "no setuid binaries in the image", Justification: "vulnerable_code_not_in_execute_path"},
			{ID: "CVE-2011-3374", Package: "apt", PURL: "pkg:deb/debian/apt@2.6.1?arch=amd64&distro=debian-12", Version: "2.6.1",
				Reason: "accepted risk", Expires: "2026-06-30"},
		},
		Database: Database{Path: "/var/cache/vigil/db.sqlite", BuiltAt: fixedTime.Add(-time.Hour), Advisories: 412345},
		Errors:   []string{`catalog go-module-binary: reading "usr/local/bin/broken": unexpected EOF`},
	}
}
