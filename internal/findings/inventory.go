package findings

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// maxInventoryJSON caps a decoded inventory (a gzip bomb in a corrupt row
// must not exhaust memory).
const maxInventoryJSON = 1 << 30

// EncodeInventory serializes an inventory for storage: gzip-compressed JSON.
func EncodeInventory(inv *inventory.Inventory) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(inv); err != nil {
		return nil, fmt.Errorf("encoding inventory of %q: %w", inv.Source.Reference, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing inventory of %q: %w", inv.Source.Reference, err)
	}
	return buf.Bytes(), nil
}

// DecodeInventory reads what EncodeInventory wrote.
func DecodeInventory(b []byte) (*inventory.Inventory, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompressing stored inventory: %w", err)
	}
	defer zr.Close()
	var inv inventory.Inventory
	if err := json.NewDecoder(io.LimitReader(zr, maxInventoryJSON)).Decode(&inv); err != nil {
		return nil, fmt.Errorf("decoding stored inventory: %w", err)
	}
	return &inv, nil
}

// PackageIndex lists the (namespace, package) pairs an inventory is looked
// up by in the vulnerability database (match.Queries, names normalized as
// vulndb stores them), sorted and unique: the keys of the index from
// package to images that re-evaluation reads with ImagesWithPackages and
// vulndb.Diff's Change.Packages.
func PackageIndex(inv *inventory.Inventory) []vulndb.PackageRef {
	if inv == nil {
		return nil
	}
	seen := map[vulndb.PackageRef]bool{}
	var out []vulndb.PackageRef
	for _, p := range inv.Packages {
		for _, q := range match.Queries(p, inv.Distro) {
			r := vulndb.PackageRef{Namespace: q.Namespace, Package: vulndb.NormalizeName(q.Namespace, q.Name)}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Package < out[j].Package
	})
	return out
}
