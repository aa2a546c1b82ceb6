package sbom

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigilhq/vigil/internal/inventory"
)

// Table writes a table for people: NAME, VERSION, TYPE and the short id of
// the LAYER that introduced the package, sorted by name, version and type.
type Table struct{}

var _ Encoder = Table{}

// Name implements Encoder.
func (Table) Name() string { return FormatTable }

// Encode implements Encoder. Options are not used.
func (Table) Encode(w io.Writer, inv *inventory.Inventory, _ Options) error {
	if inv == nil {
		return fmt.Errorf("encoding %s: no inventory", FormatTable)
	}
	pkgs := slices.Clone(inv.Packages)
	slices.SortStableFunc(pkgs, func(a, b inventory.Package) int {
		return cmp.Or(
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Version, b.Version),
			cmp.Compare(a.Ecosystem, b.Ecosystem),
			cmp.Compare(a.Location.Layer, b.Location.Layer),
			cmp.Compare(a.Location.Path, b.Location.Path),
		)
	})
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tTYPE\tLAYER")
	for _, p := range pkgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(p.Name), cell(p.Version), cell(string(p.Ecosystem)), cell(ShortLayer(p.Location.Layer)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// ShortLayer shortens a layer diffID to the 12 hex digits people
// recognise, as docker does: "sha256:4f4fb700ef54..." → "4f4fb700ef54".
func ShortLayer(diffID string) string {
	_, h, ok := strings.Cut(diffID, ":")
	if !ok {
		h = diffID
	}
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// cell keeps a value on one line of one column.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r', '\v', '\f':
			return ' '
		}
		return r
	}, s)
}
