package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/report"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/testimages"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/build"
	feedlist "github.com/vigilhq/vigil/internal/vulndb/feed/list"
)

// Vulnerability databases the benchmarks use, each built from folders of
// ../shared/data.
var (
	// dbFull is every feed of the shared data at its latest snapshot (the
	// older Alpine snapshot and the legacy YAML secdb, which repeat the
	// Alpine feed, are left out): the realistic findings of the upsert and
	// list benchmarks come from it.
	dbFull = dbSpec{"full", []string{"distro/alpine-secdb", "distro/debian-security-tracker", "osv", "advisories"}}
	// dbAlpineOld and dbAlpineNew are the two real snapshots of the Alpine
	// secdb: the re-evaluation goes from the first to the second.
	dbAlpineOld = dbSpec{"alpine-secdb-2024-04-01", []string{"distro/alpine-secdb-2024-04-01"}}
	dbAlpineNew = dbSpec{"alpine-secdb-2024-12-31", []string{"distro/alpine-secdb"}}
)

// dbSpec names a database and its sources (relative to the shared data).
type dbSpec struct {
	name    string
	sources []string
}

// openDB opens the database of spec, building it first into cacheDir when
// it is not there yet.
func openDB(ctx context.Context, shared, cacheDir string, spec dbSpec) (*vulndb.DB, error) {
	path := filepath.Join(cacheDir, "vulndb-"+spec.name, vulndb.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		var srcs []string
		for _, s := range spec.sources {
			srcs = append(srcs, filepath.Join(shared, s))
		}
		if _, err := build.Build(ctx, path, srcs, build.Options{Formats: feedlist.All()}); err != nil {
			return nil, fmt.Errorf("building vulnerability database %s from %v: %w", spec.name, srcs, err)
		}
	} else if err != nil {
		return nil, err
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", spec.name, err)
	}
	return db, nil
}

// baseImage is one of the project's real test images, scanned once.
type baseImage struct {
	name string
	inv  *inventory.Inventory
	// report is the scan of inv against one database (set by scanBase).
	report *report.Report
}

// inventoryOf catalogs one of the test images (internal/testimages, built
// into .cache/images when missing).
func inventoryOf(ctx context.Context, imageCache, name string) (*inventory.Inventory, error) {
	p, err := testimages.Build(ctx, name, imageCache)
	if err != nil {
		return nil, fmt.Errorf("building test image %s: %w", name, err)
	}
	img, err := imagesrc.Open(ctx, "docker-archive:"+p, imagesrc.Options{})
	if err != nil {
		return nil, fmt.Errorf("opening test image %s: %w", p, err)
	}
	defer img.Close()
	inv, err := scan.Inventory(ctx, img, scan.Options{Catalogers: list.All()})
	if err != nil {
		return nil, fmt.Errorf("cataloging test image %s: %w", name, err)
	}
	return inv, nil
}

// scanBase matches a base image's inventory against db, as `vigil scan`
// does.
func scanBase(ctx context.Context, b *baseImage, db *vulndb.DB, at time.Time) error {
	ms, _, err := scan.Match(ctx, b.inv, db)
	if err != nil {
		return fmt.Errorf("matching %s against %s: %w", b.name, db.Path(), err)
	}
	info, err := db.Info(ctx, false)
	if err != nil {
		return err
	}
	b.report = scan.NewReport(b.inv, ms, info, report.Tool{Name: "vigil", Version: "bench"}, at)
	return nil
}

// Synthetic images live in ECR repositories of the example account of the
// AWS documentation, as the pipeline this project recreates scans them.
const (
	ecrRegistry  = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	repositories = 100
)

// syntheticImage is the i-th synthetic image: a made-up digest in one of
// the repositories, tagged by its number.
func syntheticImage(kind string, i int) findings.Image {
	h := sha256.Sum256(fmt.Appendf(nil, "vigil-bench-findings/%s/%d", kind, i))
	repo := fmt.Sprintf("%s/team-%02d/service-%03d", ecrRegistry, i%repositories%10, i%repositories)
	tag := fmt.Sprintf("build-%06d", i)
	return findings.Image{
		Digest:       "sha256:" + hex.EncodeToString(h[:]),
		Repository:   repo,
		Reference:    repo + ":" + tag,
		Tags:         []string{tag},
		Architecture: "amd64",
	}
}

// retag returns a copy of a base image's inventory as if it had been pulled
// as img: the packages are the real ones, the source is img.
func retag(inv *inventory.Inventory, img findings.Image) *inventory.Inventory {
	out := *inv
	out.Source = inventory.Source{
		Kind:         "registry",
		Reference:    img.Reference,
		Digest:       img.Digest,
		ImageID:      inv.Source.ImageID,
		Platform:     inv.Source.Platform,
		Architecture: inv.Source.Architecture,
	}
	return &out
}

// reportFor returns a copy of a base image's report as if img had been
// scanned at time at, holding only the vulnerabilities vulns.
func reportFor(base *report.Report, img findings.Image, vulns []report.Vulnerability, at time.Time) *report.Report {
	r := *base
	r.CreatedAt = at
	r.Image.Kind = "registry"
	r.Image.Reference = img.Reference
	r.Image.Digest = img.Digest
	r.Vulnerabilities = vulns
	return &r
}

// imageScan builds the ImageScan of a synthetic image from a report.
func imageScan(r *report.Report, img findings.Image, inv *inventory.Inventory, at time.Time) (findings.ImageScan, error) {
	fs, err := findings.FromReport(r, img, findings.Options{})
	if err != nil {
		return findings.ImageScan{}, err
	}
	return findings.ImageScan{
		Image:     img,
		Inventory: inv,
		Findings:  fs,
		VulnDB:    findings.VulnDB{BuiltAt: r.Database.BuiltAt, Advisories: r.Database.Advisories},
		By:        findings.By{Actor: "bench-scanner", At: at},
	}, nil
}
