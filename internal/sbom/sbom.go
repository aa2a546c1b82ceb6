// Package sbom writes an inventory as an SBOM document and reads SBOM
// documents back into an inventory. It is what `vigil sbom --format ...`,
// `vigil sbom convert` and `vigil scan sbom:FILE` call.
//
// # Writing
//
// Formats lists the encoders; their names are the values of --format:
//
//	cyclonedx-json  CycloneDX 1.6 JSON (github.com/CycloneDX/cyclonedx-go)
//	spdx-json       SPDX 2.3 JSON (github.com/spdx/tools-golang, v2_3 model)
//	json            Vigil's own JSON: the inventory.Inventory, indented
//	table           a table for people: NAME, VERSION, TYPE, LAYER
//
// Use Lookup(name) to get one, or Encode(w, name, inv, opts) directly:
//
//	err := sbom.Encode(os.Stdout, "cyclonedx-json", inv, sbom.Options{ToolVersion: "1.2.0"})
//
// Options.Created and Options.DocumentID make the output reproducible (tests,
// golden files); left zero, the time is now and the identity is a random
// UUID. Packages are always written in inventory.Sort order, so the same
// inventory and options give the same bytes.
//
// # Reading
//
//	inv, format, err := sbom.Decode(r)
//
// Decode reads at most MaxDecodeSize bytes (512 MiB) and recognises
// CycloneDX JSON (a "bomFormat" field; spec versions 1.2 to 1.7, as
// cyclonedx-go reads them), SPDX JSON (a "spdxVersion" field: SPDX-2.3, 2.2
// or 2.1) and Vigil JSON (a "packages" field); format is the name of the
// matching encoder. Anything else fails with "decoding SBOM: not CycloneDX,
// SPDX or Vigil JSON: ...", with the line and column when the JSON itself is
// broken. CycloneDX XML and SPDX tag-value are not read.
//
// Documents Vigil wrote decode to the inventory that was encoded (packages in
// inventory.Sort order, license ids in their canonical SPDX case, empty
// license strings dropped). Documents written by other tools (tested with
// syft) give, per package, name, version, PURL and declared licenses, plus:
// the type from syft's "syft:package:type" property or else from the PURL
// type (deb, apk, rpm, golang→go-module, npm, pypi→python, maven→java-archive,
// gem, cargo→rust-crate, composer→php-composer, nuget→dotnet; other types are
// kept as they are); arch from the "arch" qualifier; for deb, apk and rpm the
// source package from the "upstream" qualifier; the location from syft's
// location properties, CycloneDX evidence or the SPDX sourceInfo; the
// distribution from the operating-system component (SPDX: the package whose
// purpose is OPERATING-SYSTEM) or, failing that, from the "distro" qualifier
// of an OS package. Files, containers and other non-package components are
// skipped; the image or directory the document describes gives
// Source.Reference, and Source.Digest when its version is a digest. Their
// Source.Kind is "sbom".
//
// # Vigil's fields in CycloneDX and SPDX
//
// What the standard fields cannot hold is written as name/value properties
// in the "vigil:" namespace: CycloneDX component properties, and in SPDX one
// "name=value" line per property in the package comment (backslash, newline
// and carriage return escaped as \\, \n, \r; "=" in a name as \=).
//
//	vigil:package:type           inventory.Package.Ecosystem
//	vigil:package:arch           Arch
//	vigil:package:sourceName     SourceName
//	vigil:package:sourceVersion  SourceVersion
//	vigil:cataloger              Cataloger
//	vigil:location:path          Location.Path
//	vigil:location:layer         Location.Layer
//	vigil:metadata:<key>         Metadata[key]
//
// The image (CycloneDX metadata.component, SPDX package described by the
// document) carries vigil:source:kind, vigil:source:imageId,
// vigil:source:platform, vigil:source:architecture and, per layer,
// vigil:layer:<index>:diffId, vigil:layer:<index>:digest and
// vigil:layer:<index>:size. The distribution is a CycloneDX operating-system
// component (name = ID, version = VERSION_ID, description = PRETTY_NAME,
// properties vigil:distro:codename, vigil:distro:idLike (one per value),
// vigil:distro:source); in SPDX it is vigil:distro:id, vigil:distro:versionId,
// vigil:distro:prettyName and the same three on the image package.
// Inventory.Errors are vigil:error properties of the CycloneDX BOM and lines
// of the SPDX document comment.
//
// This package depends on inventory and the format libraries only; it must
// not import catalogers, vulndb, findings or server.
package sbom

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/internal/inventory"
)

// The format names, as used by --format and returned by Decode.
const (
	FormatCycloneDXJSON = "cyclonedx-json"
	FormatSPDXJSON      = "spdx-json"
	FormatJSON          = "json"
	FormatTable         = "table"
)

// ToolName is how Vigil names itself in the documents it writes; Decode
// uses it to recognise them.
const ToolName = "vigil"

// Options are the settings of one encoding.
type Options struct {
	// ToolVersion is Vigil's version, written as the tool that made the
	// document. Empty means "unknown".
	ToolVersion string
	// Created is the creation time written in the document. Zero means now.
	Created time.Time
	// DocumentID is a UUID (lower-case 8-4-4-4-12 hex) naming this document:
	// the CycloneDX serialNumber urn:uuid:<DocumentID> and the last part of
	// the SPDX documentNamespace. Empty means a random UUID.
	DocumentID string
}

// Encoder writes an inventory in one format.
type Encoder interface {
	// Name is the format name: one of the Format* constants.
	Name() string
	Encode(w io.Writer, inv *inventory.Inventory, opts Options) error
}

// Formats returns every encoder, in the order they are offered to users.
func Formats() []Encoder {
	return []Encoder{
		CycloneDXJSON{},
		SPDXJSON{},
		JSON{},
		Table{},
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

// Encode writes inv to w in the format called name.
func Encode(w io.Writer, name string, inv *inventory.Inventory, opts Options) error {
	e, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("encoding SBOM: unknown format %q (want one of %s)", name, strings.Join(FormatNames(), ", "))
	}
	return e.Encode(w, inv, opts)
}

// document is what every structured encoder starts from: the inventory with
// its packages sorted, and the resolved options.
type document struct {
	inv         inventory.Inventory
	created     time.Time
	id          string
	toolVersion string
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func newDocument(format string, inv *inventory.Inventory, opts Options) (*document, error) {
	if inv == nil {
		return nil, fmt.Errorf("encoding %s: no inventory", format)
	}
	d := &document{inv: sortedCopy(inv), created: opts.Created, id: opts.DocumentID, toolVersion: opts.ToolVersion}
	if d.created.IsZero() {
		d.created = time.Now()
	}
	d.created = d.created.UTC().Truncate(time.Second)
	if d.id == "" {
		id, err := newUUID()
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", format, err)
		}
		d.id = id
	}
	if !uuidRE.MatchString(d.id) {
		return nil, fmt.Errorf("encoding %s: document id %q is not a lower-case UUID", format, d.id)
	}
	if d.toolVersion == "" {
		d.toolVersion = "unknown"
	}
	return d, nil
}

// sortedCopy returns inv with its own packages slice, sorted.
func sortedCopy(inv *inventory.Inventory) inventory.Inventory {
	c := *inv
	c.Packages = slices.Clone(inv.Packages)
	inventory.Sort(c.Packages)
	return c
}

// newUUID returns a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating document id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// packageID is a short stable identifier of one package within a document:
// a hash of its PURL, its identity and where it was found.
func packageID(p inventory.Package) string {
	return shortHash(p.PURL, string(p.Ecosystem), p.Name, p.Version, p.Arch, p.Location.Path, p.Location.Layer)
}

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// uniqueIDs hands out identifiers, adding "-2", "-3"... to repeats so that
// identical packages still get distinct references.
type uniqueIDs map[string]int

func (u uniqueIDs) next(id string) string {
	u[id]++
	if n := u[id]; n > 1 {
		return fmt.Sprintf("%s-%d", id, n)
	}
	return id
}
