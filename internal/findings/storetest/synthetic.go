// Package storetest is the conformance suite every findings.Store backend
// runs: Run(t, open) drives a fresh store per case through the lifecycle,
// exceptions, user updates, queries, summaries, the package index, bad
// input and failed writes, and compares what the store returns with what
// package findings' pure functions say it must.
//
// The findings it stores are SYNTHETIC: made-up packages and ids
// ("CVE-2099-…") in made-up images under registry.example.com, built with
// findings.FromReport from synthetic reports. A store's behaviour does not
// depend on whether a vulnerability is real; detection on real data is
// tested in package scan and package findings.
package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/report"
)

// T0 is the synthetic clock's start; tests step it by hours.
var T0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func at(h float64) time.Time { return T0.Add(time.Duration(h * float64(time.Hour))) }

// Vuln is one synthetic vulnerability of one synthetic apk package.
type Vuln struct {
	Package, Version, ID, Severity, Fixed string
}

// PURL is the package's URL.
func (v Vuln) PURL() string {
	return "pkg:apk/alpine/" + v.Package + "@" + v.Version + "?arch=x86_64&distro=alpine-3.20.3"
}

// SyntheticImage is a made-up image in a made-up repository.
func SyntheticImage(repo, tag string) findings.Image {
	h := sha256.Sum256([]byte(repo + ":" + tag))
	r := "registry.example.com/synthetic/" + repo
	return findings.Image{Digest: "sha256:" + hex.EncodeToString(h[:]), Repository: r, Reference: r + ":" + tag, Tags: []string{tag}, Architecture: "amd64"}
}

// FindingID is the id of a vulnerability's finding in an image.
func FindingID(img findings.Image, v Vuln) string {
	return findings.VulnerabilityFindingID(img.Digest, v.PURL(), v.ID)
}

// SyntheticScan builds the ImageScan of an image in which the
// vulnerabilities are observed at time t: findings through
// findings.FromReport, and an Alpine 3.20 inventory holding the packages
// (plus extra packages with no vulnerability).
func SyntheticScan(tb testing.TB, img findings.Image, t time.Time, vulns []Vuln, extra ...string) findings.ImageScan {
	tb.Helper()
	inv := &inventory.Inventory{
		Source: inventory.Source{Kind: "registry", Reference: img.Reference, Digest: img.Digest, Architecture: img.Architecture},
		Distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3", Name: "Alpine Linux v3.20"},
	}
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		CreatedAt:     t,
		Image:         report.Image{Reference: img.Reference, Kind: "registry", Digest: img.Digest, Platform: "linux/amd64", OS: inv.Distro},
	}
	seen := map[string]bool{}
	addPkg := func(name, version, purl string) {
		if seen[purl] {
			return
		}
		seen[purl] = true
		inv.Packages = append(inv.Packages, inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.EcosystemAPK, PURL: purl, Arch: "x86_64",
			SourceName: name, Cataloger: "apk-db", Location: inventory.Location{Path: "lib/apk/db/installed", Layer: "sha256:synthetic-layer"},
		})
	}
	for _, v := range vulns {
		addPkg(v.Package, v.Version, v.PURL())
		rep.Vulnerabilities = append(rep.Vulnerabilities, report.Vulnerability{
			ID:               v.ID,
			Title:            "synthetic vulnerability " + v.ID,
			Package:          report.Package{Name: v.Package, Version: v.Version, Type: "apk", PURL: v.PURL(), Path: "/lib/apk/db/installed", Layer: "sha256:synthetic-layer"},
			InstalledVersion: v.Version,
			FixedVersion:     v.Fixed,
			Status:           "fixed",
			Severity:         v.Severity,
			References:       []string{"https://example.com/advisories/" + v.ID},
			DataSource:       report.DataSource{Feed: "synthetic", Namespace: "alpine:3.20"},
		})
	}
	for _, name := range extra {
		addPkg(name, "1.0.0-r0", "pkg:apk/alpine/"+name+"@1.0.0-r0?arch=x86_64&distro=alpine-3.20.3")
	}
	inventory.Sort(inv.Packages)
	rep.Packages = inv.Packages
	fs, err := findings.FromReport(rep, img, findings.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return findings.ImageScan{
		Image:     img,
		Inventory: inv,
		Findings:  fs,
		VulnDB:    findings.VulnDB{BuiltAt: t.Add(-6 * time.Hour), Advisories: 1234},
		By:        findings.By{Actor: "scanner", At: t},
	}
}

// ManyVulns returns n synthetic vulnerabilities over n/4+1 packages, with
// severities cycling through the labels; seed varies the ids.
func ManyVulns(n int, seed string) []Vuln {
	sevs := []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}
	out := make([]Vuln, n)
	for i := range out {
		out[i] = Vuln{
			Package:  fmt.Sprintf("pkg%03d", i/4),
			Version:  fmt.Sprintf("1.%d.0-r0", i%3),
			ID:       fmt.Sprintf("CVE-2099-%s%05d", seed, i),
			Severity: sevs[i%len(sevs)],
		}
		if i%2 == 0 {
			out[i].Fixed = "9.9.9-r0"
		}
	}
	return out
}
