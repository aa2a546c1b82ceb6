// Package dpkg catalogs Debian packages from the dpkg status database
// (/var/lib/dpkg/status), from distroless images' per-package files
// (/var/lib/dpkg/status.d/*), and records the files each package owns from
// /var/lib/dpkg/info/*.list and *.md5sums.
package dpkg

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads dpkg databases.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "dpkg" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	if !mode.IsRegular() {
		return false
	}
	switch {
	case p == "var/lib/dpkg/status":
		return true
	case strings.HasPrefix(p, "var/lib/dpkg/status.d/"):
		return !strings.Contains(p[len("var/lib/dpkg/status.d/"):], "/")
	case strings.HasPrefix(p, "var/lib/dpkg/info/"):
		return strings.HasSuffix(p, ".list") || strings.HasSuffix(p, ".md5sums")
	}
	return false
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	if strings.HasSuffix(in.Path, ".md5sums") {
		owned, err := parseMD5Sums(in.Reader())
		if err != nil {
			return catalog.Result{}, fmt.Errorf("reading dpkg md5sums %q: %w", in.Path, err)
		}
		return catalog.Result{Owned: owned}, nil
	}
	if strings.HasPrefix(in.Path, "var/lib/dpkg/info/") {
		owned, err := parseList(in.Reader())
		if err != nil {
			return catalog.Result{}, fmt.Errorf("reading dpkg file list %q: %w", in.Path, err)
		}
		return catalog.Result{Owned: owned}, nil
	}
	entries, err := ParseStatus(ctx, in.Reader())
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading dpkg status %q: %w", in.Path, err)
	}
	var res catalog.Result
	for _, e := range entries {
		if !e.installed() {
			continue
		}
		res.Packages = append(res.Packages, e.pkg())
	}
	return res, nil
}

// Entry is one stanza of a dpkg status file.
type Entry struct {
	Package       string
	Version       string
	Architecture  string
	Status        string
	Source        string
	SourceVersion string
	Maintainer    string
}

// installed reports whether the stanza describes an installed package.
// Distroless status.d files carry no Status field.
func (e Entry) installed() bool {
	if e.Package == "" || e.Version == "" {
		return false
	}
	if e.Status == "" {
		return true
	}
	f := strings.Fields(e.Status)
	return len(f) == 3 && (f[2] == "installed" || f[2] == "half-configured" || f[2] == "triggers-awaited" || f[2] == "triggers-pending")
}

func (e Entry) pkg() inventory.Package {
	src, srcVer := e.Source, e.SourceVersion
	if src == "" {
		src = e.Package
	}
	if srcVer == "" {
		srcVer = e.Version
	}
	q := map[string]string{}
	if e.Architecture != "" {
		q["arch"] = e.Architecture
	}
	switch {
	case src != e.Package && srcVer != e.Version:
		q["upstream"] = src + "@" + srcVer
	case src != e.Package:
		q["upstream"] = src
	}
	purl := packageurl.NewPackageURL(packageurl.TypeDebian, "", e.Package, e.Version, packageurl.QualifiersFromMap(q), "")
	return inventory.Package{
		Name:          e.Package,
		Version:       e.Version,
		Ecosystem:     inventory.EcosystemDeb,
		PURL:          purl.ToString(),
		Arch:          e.Architecture,
		SourceName:    src,
		SourceVersion: srcVer,
	}
}

// maxStanza bounds one field line; dpkg's own descriptions are far shorter.
const maxLine = 1 << 20

// ParseStatus parses a dpkg status file (or a status.d file) into stanzas.
func ParseStatus(ctx context.Context, r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Entry
	var cur Entry
	flush := func() {
		if cur.Package != "" {
			out = append(out, cur)
		}
		cur = Entry{}
	}
	line := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			flush()
			continue
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '#' {
			continue // continuation line or comment
		}
		i := bytes.IndexByte(b, ':')
		if i <= 0 {
			return nil, fmt.Errorf("line %d: not a field: %q", line, truncate(b))
		}
		key := string(b[:i])
		val := string(bytes.TrimSpace(b[i+1:]))
		switch key {
		case "Package":
			cur.Package = val
		case "Version":
			cur.Version = val
		case "Architecture":
			cur.Architecture = val
		case "Status":
			cur.Status = val
		case "Maintainer":
			cur.Maintainer = val
		case "Source":
			// "Source: glibc (2.36-9+deb12u4)" or "Source: glibc"
			name, ver, ok := strings.Cut(val, " ")
			cur.Source = name
			if ok {
				ver = strings.TrimSpace(ver)
				cur.SourceVersion = strings.TrimSuffix(strings.TrimPrefix(ver, "("), ")")
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	return out, nil
}

func truncate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// parseList reads a .list file: one absolute path per line.
func parseList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []string
	for sc.Scan() {
		p := inventory.CleanPath(path.Clean("/" + sc.Text()))
		if p != "" && p != "." {
			out = append(out, p)
		}
	}
	return out, sc.Err()
}

// parseMD5Sums reads a .md5sums file: "<md5>  <relative path>" per line.
func parseMD5Sums(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []string
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "  ", 2)
		if len(f) != 2 {
			continue
		}
		out = append(out, inventory.CleanPath(path.Clean("/"+f[1])))
	}
	return out, sc.Err()
}
