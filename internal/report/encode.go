package report

import (
	"fmt"
	"io"
	"strings"
)

// The format names, as used by `vigil scan --format`.
const (
	FormatTable        = "table"
	FormatJSON         = "json"
	FormatSARIF        = "sarif"
	FormatCycloneDXVEX = "cyclonedx-vex"
	FormatOpenVEX      = "openvex"
)

// ToolName is how Vigil names itself in the documents it writes.
const ToolName = "vigil"

// Encoder writes a report in one format.
type Encoder interface {
	// Name is the format name: one of the Format* constants.
	Name() string
	Encode(w io.Writer, r *Report) error
}

// Formats returns every encoder, in the order they are offered to users.
func Formats() []Encoder {
	return []Encoder{
		Table{},
		JSON{},
		SARIF{},
		CycloneDXVEX{},
		OpenVEX{},
	}
}

// FormatNames returns the names of Formats.
func FormatNames() []string {
	var names []string
	for _, e := range Formats() {
		names = append(names, e.Name())
	}
	return names
}

// Lookup returns the encoder called name.
func Lookup(name string) (Encoder, bool) {
	for _, e := range Formats() {
		if e.Name() == name {
			return e, true
		}
	}
	return nil, false
}

// Encode writes r to w in the format called name.
func Encode(w io.Writer, name string, r *Report) error {
	e, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("encoding report: unknown format %q (want one of %s)", name, strings.Join(FormatNames(), ", "))
	}
	return e.Encode(w, r)
}
