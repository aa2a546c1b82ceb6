// Package gem catalogs installed Ruby gems from their specifications
// (<gem home>/specifications/**/*.gemspec), reading the Ruby source with
// the line patterns syft's ruby-installed-gemspec-cataloger uses rather
// than evaluating it.
//
// Gemfile.lock is not read: syft catalogs it only in directory scans (it
// declares what should be installed, not what is), and Vigil mirrors syft's
// image scans.
//
// It imports only catalog and inventory of Vigil.
package gem

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads installed gem specifications.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "gem" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger: a .gemspec anywhere below a
// "specifications" directory.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && strings.HasSuffix(p, ".gemspec") &&
		(strings.HasPrefix(p, "specifications/") || strings.Contains(p, "/specifications/"))
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	spec, err := ParseGemspec(ctx, in.Reader())
	var res catalog.Result
	if spec.Name != "" {
		res.Packages = []inventory.Package{spec.pkg()}
	}
	if err != nil {
		return res, fmt.Errorf("reading gemspec %q: %w", in.Path, err)
	}
	return res, nil
}

// Spec is what is read of a gemspec.
type Spec struct {
	Name     string
	Version  string
	Licenses []string
}

func (s Spec) pkg() inventory.Package {
	purl := packageurl.NewPackageURL(packageurl.TypeGem, "", s.Name, s.Version, nil, "")
	return inventory.Package{
		Name:      s.Name,
		Version:   s.Version,
		Ecosystem: inventory.EcosystemGem,
		PURL:      purl.ToString(),
		Licenses:  s.Licenses,
	}
}

// The assignments syft recognises; the value runs to the last quote (or
// bracket) of the line.
var (
	namePattern     = regexp.MustCompile(`.*\.name\s*=\s*["']{1}(.*)["']{1} *`)
	versionPattern  = regexp.MustCompile(`.*\.version\s*=\s*["']{1}(.*)["']{1} *`)
	licensesPattern = regexp.MustCompile(`.*\.licenses\s*=\s*\[(.*)] *`)
	// unicodeEscape is Ruby's "\u00E9" escape as gemspecs write it.
	unicodeEscape = regexp.MustCompile(`\\u[0-9A-F]{4}`)
)

// maxLine bounds one line; syft stops reading a gemspec at the same length.
const maxLine = 1 << 20

// ParseGemspec reads name, version and licenses from a gemspec written by
// RubyGems (`s.name = "rake".freeze`). A later assignment overrides an
// earlier one. On a read error the fields read so far are returned with it.
func ParseGemspec(ctx context.Context, r io.Reader) (Spec, error) {
	var s Spec
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	for n := 0; sc.Scan(); n++ {
		if n%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return s, err
			}
		}
		line := strings.TrimSpace(sc.Text())
		line = strings.ReplaceAll(line, ".freeze", "")
		line = unicodeEscape.ReplaceAllStringFunc(line, unescapeUnicode)
		if line == "" {
			continue
		}
		if m := namePattern.FindStringSubmatch(line); m != nil && m[1] != "" {
			s.Name = m[1]
		} else if m := versionPattern.FindStringSubmatch(line); m != nil && m[1] != "" {
			s.Version = m[1]
		} else if m := licensesPattern.FindStringSubmatch(line); m != nil && m[1] != "" {
			s.Licenses = splitList(m[1])
		}
	}
	return s, sc.Err()
}

// splitList splits `"MIT", "Ruby"` into its items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		out = append(out, strings.Trim(item, `" `))
	}
	return out
}

// unescapeUnicode turns `\u00E9` into é; a lone surrogate becomes U+FFFD.
func unescapeUnicode(esc string) string {
	n, err := strconv.ParseUint(esc[2:], 16, 32)
	if err != nil {
		return esc
	}
	r := rune(n)
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return string(r)
}
