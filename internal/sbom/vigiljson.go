package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigilhq/vigil/internal/inventory"
)

// JSON writes Vigil's own JSON: the inventory as it is in memory, indented,
// packages in inventory.Sort order. It is the lossless format.
type JSON struct{}

var _ Encoder = JSON{}

// Name implements Encoder.
func (JSON) Name() string { return FormatJSON }

// Encode implements Encoder. Options are not used: the format has no
// creation time or document id.
func (JSON) Encode(w io.Writer, inv *inventory.Inventory, _ Options) error {
	if inv == nil {
		return fmt.Errorf("encoding %s: no inventory", FormatJSON)
	}
	c := sortedCopy(inv)
	if c.Packages == nil {
		c.Packages = []inventory.Package{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("writing Vigil JSON: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing Vigil JSON: %w", err)
	}
	return nil
}

// decodeVigilJSON reads Vigil's own JSON.
func decodeVigilJSON(data []byte) (*inventory.Inventory, error) {
	var inv inventory.Inventory
	if err := json.Unmarshal(data, &inv); err != nil {
		return nil, fmt.Errorf("decoding Vigil JSON: %w", positioned(data, err))
	}
	if inv.Packages == nil {
		inv.Packages = []inventory.Package{}
	}
	return &inv, nil
}
