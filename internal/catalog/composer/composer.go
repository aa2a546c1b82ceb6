// Package composer catalogs PHP packages installed by Composer, from the
// installed.json Composer writes to <vendor>/composer/ (the Composer 1 array
// and the Composer 2 {"packages": [...]} forms), as syft's
// php-composer-installed-cataloger does: every installed.json, dev packages
// included.
//
// composer.lock is not read: syft catalogs it only in directory scans (it
// declares what should be installed), and Vigil mirrors syft's image scans.
//
// It imports only catalog and inventory of Vigil.
package composer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads Composer's installed.json.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "composer" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger: any file named installed.json, as
// syft's glob **/installed.json (the vendor directory can be renamed).
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && (p == "installed.json" || strings.HasSuffix(p, "/installed.json"))
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	entries, err := ParseInstalled(ctx, in.Reader())
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading composer installed.json %q: %w", in.Path, err)
	}
	var res catalog.Result
	for _, e := range entries {
		if e.Name == "" {
			continue
		}
		res.Packages = append(res.Packages, e.pkg())
	}
	return res, nil
}

// Entry is one installed package.
type Entry struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	License licenses `json:"license"`
}

// licenses is Composer's "license": an array of SPDX identifiers, or (in
// older metadata) a single string.
type licenses []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *licenses) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		if one != "" {
			*l = licenses{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// ParseInstalled decodes every JSON document of an installed.json: a
// Composer 2 object with "packages", or a Composer 1 array of packages.
func ParseInstalled(ctx context.Context, r io.Reader) ([]Entry, error) {
	dec := json.NewDecoder(r)
	var out []Entry
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		var v2 struct {
			Packages []Entry `json:"packages"`
		}
		if err := json.Unmarshal(raw, &v2); err == nil {
			out = append(out, v2.Packages...)
			continue
		}
		var v1 []Entry
		if err := json.Unmarshal(raw, &v1); err != nil {
			return nil, fmt.Errorf("neither a Composer 2 object nor a Composer 1 array: %w", err)
		}
		out = append(out, v1...)
	}
}

// pkg makes the inventory package; the PURL is pkg:composer/<vendor>/<name>
// (further slashes of the name become dashes, as syft writes them).
func (e Entry) pkg() inventory.Package {
	vendor, name := "", e.Name
	if v, n, ok := strings.Cut(e.Name, "/"); ok {
		vendor, name = v, strings.ReplaceAll(n, "/", "-")
	}
	purl := packageurl.NewPackageURL(packageurl.TypeComposer, vendor, name, e.Version, nil, "")
	return inventory.Package{
		Name:      e.Name,
		Version:   e.Version,
		Ecosystem: inventory.EcosystemComposer,
		PURL:      purl.ToString(),
		Licenses:  []string(e.License),
	}
}
