package npm

import (
	"context"
	"fmt"
	"io/fs"
	"path"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// LockCataloger reads lockfiles: package-lock.json (v1, v2 and v3),
// yarn.lock (v1) and pnpm-lock.yaml (v5 to v9), as syft's
// javascript-lock-cataloger does. Lockfiles declare what an install would
// put on disk; syft runs this cataloger on directory scans, not image scans.
//
// Like syft it ignores package-lock.json and yarn.lock files inside
// node_modules (they belong to dependencies, not to the project) and
// npm-shrinkwrap.json, and leaves out dev dependencies where the lockfile
// marks them.
type LockCataloger struct{}

var _ catalog.Cataloger = LockCataloger{}

// Name implements catalog.Cataloger.
func (LockCataloger) Name() string { return "npm-lock" }

// Version implements catalog.Cataloger.
func (LockCataloger) Version() int { return 1 }

// maxLockfile bounds a lockfile; the largest monorepo lockfiles are tens of
// megabytes.
const maxLockfile = 128 << 20

// Required implements catalog.Cataloger.
func (LockCataloger) Required(p string, mode fs.FileMode, size int64) bool {
	if !mode.IsRegular() || size > maxLockfile {
		return false
	}
	switch path.Base(p) {
	case "package-lock.json", "yarn.lock":
		return !inNodeModules(p)
	case "pnpm-lock.yaml":
		return true
	}
	return false
}

// Catalog implements catalog.Cataloger.
func (LockCataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	var (
		pkgs []inventory.Package
		err  error
		what string
	)
	switch path.Base(in.Path) {
	case "package-lock.json":
		what = "npm package-lock.json"
		pkgs, err = ParsePackageLock(ctx, in.Reader())
	case "yarn.lock":
		what = "yarn.lock"
		pkgs, err = ParseYarnLock(ctx, in.Reader())
	case "pnpm-lock.yaml":
		what = "pnpm-lock.yaml"
		pkgs, err = ParsePnpmLock(ctx, in.Reader())
	default:
		return catalog.Result{}, nil
	}
	if err != nil {
		// A parser may return the packages it could read along with the
		// error (a pnpm lockfile with a bad document among good ones).
		return catalog.Result{Packages: pkgs}, fmt.Errorf("reading %s %q: %w", what, in.Path, err)
	}
	return catalog.Result{Packages: pkgs}, nil
}

// pkgSet collects packages in order, one per name and version; licenses of
// duplicates are merged.
type pkgSet struct {
	pkgs  []inventory.Package
	index map[[2]string]int
}

func (s *pkgSet) add(p inventory.Package) {
	if p.Name == "" {
		return // syft drops nameless packages
	}
	if s.index == nil {
		s.index = map[[2]string]int{}
	}
	k := [2]string{p.Name, p.Version}
	if i, ok := s.index[k]; ok {
		if len(p.Licenses) > 0 {
			s.pkgs[i].Licenses = cleanLicenses(append(s.pkgs[i].Licenses, p.Licenses...))
		}
		return
	}
	s.index[k] = len(s.pkgs)
	s.pkgs = append(s.pkgs, p)
}

// sorted returns the packages ordered by name and version.
func (s *pkgSet) sorted() []inventory.Package {
	inventory.Sort(s.pkgs)
	return s.pkgs
}
