// Package rpm catalogs RPM packages from the rpm database in its three
// formats (Berkeley DB "Packages", ndb "Packages.db", SQLite
// "rpmdb.sqlite") and records the files each package owns. Headers are
// read by package headerdb and parsed by github.com/knqyf263/go-rpmdb.
//
// It imports catalog, inventory, headerdb, go-rpmdb, the PURL library and
// the SQLite driver; it must not import vulndb, findings or server.
package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	// headerdb reads SQLite databases through database/sql's "sqlite"
	// driver, which modernc.org/sqlite (pure Go) registers. Nothing else in
	// the binary may register a driver under that name.
	_ "modernc.org/sqlite"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/rpm/headerdb"
	"github.com/vigilhq/vigil/internal/inventory"
)

// isDBPath reports whether p is where rpm keeps its database: /var/lib/rpm
// on most distributions, /usr/lib/sysimage/rpm on newer SUSE and Fedora,
// /usr/share/rpm on rpm-ostree systems (syft's RpmDBGlob, anchored at the
// root).
func isDBPath(p string) bool {
	dir, file := path.Split(p)
	switch file {
	case "Packages", "Packages.db", "rpmdb.sqlite":
	default:
		return false
	}
	switch dir {
	case "var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/":
		return true
	}
	return false
}

// Cataloger reads rpm databases.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "rpm" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 2 }

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && isDBPath(p)
}

// Catalog implements catalog.Cataloger. Records that cannot be read are
// skipped and packages whose file list cannot be read are reported without
// owned files; both are counted in the error returned with the packages.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	infos, err := headerdb.Read(ctx, in.Content, in.Size)
	var skipped *headerdb.SkippedError
	if err != nil && !errors.As(err, &skipped) {
		return catalog.Result{}, fmt.Errorf("reading rpm db %q: %w", in.Path, err)
	}
	var res catalog.Result
	badFiles := 0
	for i, info := range infos {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return catalog.Result{}, err
			}
		}
		if info == nil || info.Name == "" {
			continue // syft drops nameless packages too
		}
		res.Packages = append(res.Packages, toPackage(info))
		files, ok := installedFiles(info)
		if !ok {
			badFiles++
			continue
		}
		res.Owned = append(res.Owned, files...)
	}
	switch {
	case skipped != nil && badFiles > 0:
		return res, fmt.Errorf("reading rpm db %q: %w; %d packages have an unreadable file list", in.Path, skipped, badFiles)
	case skipped != nil:
		return res, fmt.Errorf("reading rpm db %q: %w", in.Path, skipped)
	case badFiles > 0:
		return res, fmt.Errorf("reading rpm db %q: %d packages have an unreadable file list", in.Path, badFiles)
	}
	return res, nil
}

// installedFiles lists the paths a package owns, clean and without a
// leading slash. go-rpmdb's InstalledFileNames indexes the directory list
// with unchecked (possibly negative) indexes, so they are checked first.
func installedFiles(info *rpmdb.PackageInfo) ([]string, bool) {
	if len(info.DirNames) == 0 || len(info.DirIndexes) == 0 || len(info.BaseNames) == 0 {
		return nil, true
	}
	for _, i := range info.DirIndexes {
		if i < 0 || int(i) >= len(info.DirNames) {
			return nil, false
		}
	}
	files, err := info.InstalledFileNames()
	if err != nil {
		return nil, false
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		if p := inventory.CleanPath(path.Clean("/" + f)); p != "" && p != "." {
			out = append(out, p)
		}
	}
	return out, true
}
