package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vigilhq/vigil/internal/inventory"
)

// MaxDecodeSize is the most bytes Decode reads: an SBOM of a large image is a
// few tens of MiB.
const MaxDecodeSize = 512 << 20

// maxDecodeSize is MaxDecodeSize, lowered by tests.
var maxDecodeSize int64 = MaxDecodeSize

// Decode reads a CycloneDX JSON, SPDX JSON or Vigil JSON document and
// returns its inventory and the name of its format (FormatCycloneDXJSON,
// FormatSPDXJSON or FormatJSON). See the package documentation for what is
// read from each.
func Decode(r io.Reader) (*inventory.Inventory, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDecodeSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("decoding SBOM: reading: %w", err)
	}
	if int64(len(data)) > maxDecodeSize {
		return nil, "", fmt.Errorf("decoding SBOM: larger than %d bytes", maxDecodeSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", errors.New("decoding SBOM: empty input")
	}

	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, "", fmt.Errorf("decoding SBOM: not CycloneDX, SPDX or Vigil JSON: the document is a JSON %s, not an object", typeErr.Value)
		}
		return nil, "", fmt.Errorf("decoding SBOM: not CycloneDX, SPDX or Vigil JSON: %w", positioned(data, err))
	}
	if top == nil {
		return nil, "", errors.New("decoding SBOM: not CycloneDX, SPDX or Vigil JSON: the document is null")
	}

	switch {
	case top["bomFormat"] != nil:
		var f string
		if err := json.Unmarshal(top["bomFormat"], &f); err != nil || f != "CycloneDX" {
			return nil, "", fmt.Errorf("decoding SBOM: bomFormat %s is not \"CycloneDX\"", truncate(string(top["bomFormat"]), 40))
		}
		inv, err := decodeCycloneDX(data)
		return inv, FormatCycloneDXJSON, err
	case top["spdxVersion"] != nil:
		var v string
		if err := json.Unmarshal(top["spdxVersion"], &v); err != nil {
			return nil, "", fmt.Errorf("decoding SBOM: spdxVersion %s is not a string", truncate(string(top["spdxVersion"]), 40))
		}
		inv, err := decodeSPDX(data, v)
		return inv, FormatSPDXJSON, err
	case top["packages"] != nil:
		inv, err := decodeVigilJSON(data)
		return inv, FormatJSON, err
	}
	return nil, "", errors.New("decoding SBOM: not CycloneDX, SPDX or Vigil JSON: no bomFormat, spdxVersion or packages field")
}

// positioned adds the line and column to a JSON syntax error. Type errors
// are left as they are: their message names the field, and their offset is
// relative to whichever custom unmarshaler (the format libraries have many)
// reported them.
func positioned(data []byte, err error) error {
	var syntaxErr *json.SyntaxError
	if !errors.As(err, &syntaxErr) || syntaxErr.Offset < 0 || syntaxErr.Offset > int64(len(data)) {
		return err
	}
	// Offset counts the bytes read when the error was found: the bad byte
	// is the last of them.
	offset := syntaxErr.Offset
	if offset > 0 {
		offset--
	}
	line, col := 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// guard runs a format library's decoder and turns a panic in it into an
// error: the libraries are not hardened against hostile input, and nothing
// may panic on input.
func guard(library string, decode func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s failed on this input: %v", library, r)
		}
	}()
	return decode()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
