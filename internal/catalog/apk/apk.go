// Package apk catalogs Alpine packages from the apk installed database
// (/lib/apk/db/installed) and records the files each package owns.
//
// It imports only catalog, inventory and the standard library (plus the PURL
// library); it must not import vulndb, findings or server.
package apk

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// dbPath is where apk keeps its installed database.
const dbPath = "lib/apk/db/installed"

// Cataloger reads the apk installed database.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "apk" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && p == dbPath
}

// Catalog implements catalog.Cataloger. Lines it cannot read are skipped and
// reported in the error, along with the packages it could read.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	entries, perr := ParseInstalled(ctx, in.Reader())
	var res catalog.Result
	for _, e := range entries {
		res.Packages = append(res.Packages, e.pkg())
		res.Owned = append(res.Owned, e.Files...)
	}
	if perr != nil {
		return res, fmt.Errorf("reading apk db %q: %w", in.Path, perr)
	}
	return res, nil
}

// Entry is one stanza of the installed database.
type Entry struct {
	Package    string // P:
	Version    string // V:
	Arch       string // A:
	Origin     string // o:
	License    string // L:
	Maintainer string // m:
	Commit     string // c:
	// Files lists the directories (F:) and files (R:) the package owns, as
	// clean paths without a leading slash, in database order.
	Files []string
}

func (e Entry) pkg() inventory.Package {
	src := e.Origin
	if src == "" {
		src = e.Package
	}
	q := map[string]string{}
	if e.Arch != "" {
		q["arch"] = e.Arch
	}
	if e.Origin != "" && e.Origin != e.Package {
		q["upstream"] = e.Origin
	}
	// The namespace ("alpine", "wolfi", ...) and the distro qualifier are
	// the distribution's: the merge step adds them once it is known, as
	// syft does from its release.
	purl := packageurl.NewPackageURL(packageurl.TypeApk, "", e.Package, e.Version, packageurl.QualifiersFromMap(q), "")
	return inventory.Package{
		Name:          e.Package,
		Version:       e.Version,
		Ecosystem:     inventory.EcosystemAPK,
		PURL:          purl.ToString(),
		Arch:          e.Arch,
		SourceName:    src,
		SourceVersion: e.Version,
		Licenses:      licenses(e.License),
	}
}

// maxLine bounds one line of the database; syft gives up at 512 KiB.
const maxLine = 1 << 20

// ParseInstalled parses an apk installed database. Stanzas without a package
// name are dropped. Lines that are not "K:value" fields are skipped; if there
// were any, the entries read are returned with an error that counts them.
// A line longer than 1 MiB or a read error ends the parse with no entries.
func ParseInstalled(ctx context.Context, r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var (
		out     []Entry
		cur     Entry
		dir     string // the last F: directory, "" before the first
		bad     int
		badLine int
		badText string
	)
	flush := func() {
		if cur.Package != "" {
			out = append(out, cur)
		}
		cur, dir = Entry{}, ""
	}
	line := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		s := sc.Text()
		if s == "" {
			flush()
			continue
		}
		key, val, ok := strings.Cut(s, ":")
		if !ok || key == "" {
			if bad == 0 {
				badLine, badText = line, truncate(s)
			}
			bad++
			continue
		}
		if val == "" {
			continue // syft skips empty fields too
		}
		switch key {
		case "P":
			cur.Package = val
		case "V":
			cur.Version = val
		case "A":
			cur.Arch = val
		case "o":
			cur.Origin = val
		case "L":
			cur.License = val
		case "m":
			cur.Maintainer = val
		case "c":
			cur.Commit = val
		case "F":
			dir = cleanPath(val)
			if dir != "" {
				cur.Files = append(cur.Files, dir)
			}
		case "R":
			if f := cleanPath(path.Join(dir, val)); f != "" {
				cur.Files = append(cur.Files, f)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	if bad > 0 {
		return out, fmt.Errorf("skipped %d lines that are not fields, the first at line %d: %q", bad, badLine, badText)
	}
	return out, nil
}

// cleanPath turns a database path (relative to the root) into the
// canonical form; paths that climb out of the root stay at the root.
func cleanPath(p string) string {
	p = inventory.CleanPath(path.Clean("/" + p))
	if p == "." {
		return ""
	}
	return p
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// licenses splits an L: field the way syft does: a valid SPDX expression
// ("MPL-2.0 AND MIT") is one license; anything else ("MIT BSD GPL2+") is a
// space-separated list. The result is sorted and de-duplicated, as syft's
// license set is.
func licenses(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if isExpression(s) {
		return []string{s}
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.Split(s, " ") {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}
