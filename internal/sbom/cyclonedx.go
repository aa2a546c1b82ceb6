package sbom

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigilhq/vigil/internal/inventory"
)

// cycloneDXSchema is the $schema Vigil's CycloneDX documents declare.
const cycloneDXSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// CycloneDXJSON writes CycloneDX 1.6 JSON.
type CycloneDXJSON struct{}

var _ Encoder = CycloneDXJSON{}

// Name implements Encoder.
func (CycloneDXJSON) Name() string { return FormatCycloneDXJSON }

// Encode implements Encoder.
func (CycloneDXJSON) Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	d, err := newDocument(FormatCycloneDXJSON, inv, opts)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(d.cycloneDX()); err != nil {
		return fmt.Errorf("writing CycloneDX JSON: %w", err)
	}
	return nil
}

func (d *document) cycloneDX() *cdx.BOM {
	inv := &d.inv
	image := cdx.Component{
		BOMRef:     "vigil-image-" + shortHash(inv.Source.Kind, inv.Source.Reference, inv.Source.Digest),
		Type:       cdx.ComponentTypeContainer,
		Name:       inv.Source.Reference,
		Version:    inv.Source.Digest,
		Properties: cdxProperties(sourceProperties(inv)),
	}
	if inv.Source.Kind == "dir" {
		image.Type = cdx.ComponentTypeFile
	}
	bom := &cdx.BOM{
		JSONSchema:   cycloneDXSchema,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: "urn:uuid:" + d.id,
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: d.created.Format(time.RFC3339),
			Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
				Type:    cdx.ComponentTypeApplication,
				Name:    ToolName,
				Version: d.toolVersion,
			}}},
			Component: &image,
		},
	}

	components := make([]cdx.Component, 0, len(inv.Packages)+1)
	refs := uniqueIDs{}
	for _, p := range inv.Packages {
		components = append(components, cdxComponent(p, refs))
	}
	if dist := inv.Distro; dist != nil {
		components = append(components, cdx.Component{
			BOMRef:      refs.next("os:" + dist.ID + "@" + dist.VersionID),
			Type:        cdx.ComponentTypeOS,
			Name:        dist.ID,
			Version:     dist.VersionID,
			Description: dist.Name,
			Properties:  cdxProperties(distroProperties(dist, false)),
		})
	}
	if len(components) > 0 {
		bom.Components = &components
	}
	var errs properties
	for _, e := range inv.Errors {
		errs = append(errs, property{propError, e})
	}
	bom.Properties = cdxProperties(errs)
	return bom
}

func cdxComponent(p inventory.Package, refs uniqueIDs) cdx.Component {
	return cdx.Component{
		BOMRef:     refs.next(bomRef(p)),
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		Licenses:   cdxLicenses(p.Licenses),
		PackageURL: p.PURL,
		Properties: cdxProperties(packageProperties(p)),
	}
}

// bomRef is the PURL with a package-id qualifier that tells apart the same
// package found in several places (as syft does), or a plain id when the
// package has no PURL.
func bomRef(p inventory.Package) string {
	id := packageID(p)
	if p.PURL == "" {
		return "vigil-package-" + id
	}
	base, subpath, hasSubpath := strings.Cut(p.PURL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	ref := base + sep + "package-id=" + id
	if hasSubpath {
		ref += "#" + subpath
	}
	return ref
}

// cdxLicenses writes licenses as SPDX ids where they are ids on the SPDX
// list, else as names; a single compound expression is written as an
// expression (CycloneDX allows an expression only as the sole entry).
func cdxLicenses(ls []string) *cdx.Licenses {
	var out cdx.Licenses
	if len(ls) == 1 && isCompoundExpression(ls[0]) {
		out = cdx.Licenses{{Expression: strings.TrimSpace(ls[0])}}
		return &out
	}
	for _, l := range ls {
		l = strings.TrimSpace(l)
		switch id, ok := licenseID(l); {
		case l == "":
		case ok:
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
		default:
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

func cdxProperties(ps properties) *[]cdx.Property {
	if len(ps) == 0 {
		return nil
	}
	out := make([]cdx.Property, len(ps))
	for i, p := range ps {
		out[i] = cdx.Property{Name: p.Name, Value: p.Value}
	}
	return &out
}

// decodeCycloneDX reads a CycloneDX JSON document.
func decodeCycloneDX(data []byte) (*inventory.Inventory, error) {
	var bom cdx.BOM
	if err := guard("cyclonedx-go", func() error { return json.Unmarshal(data, &bom) }); err != nil {
		return nil, fmt.Errorf("decoding CycloneDX JSON: %w", err)
	}
	ours := cdxWrittenByVigil(&bom)
	inv := &inventory.Inventory{Packages: []inventory.Package{}}
	var facts imageFacts
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		c := bom.Metadata.Component
		inv.Source.Reference = c.Name
		if ours || looksLikeDigest(c.Version) {
			inv.Source.Digest = c.Version
		}
		for _, p := range derefSlice(c.Properties) {
			facts.apply(p.Name, p.Value)
		}
	}
	for _, p := range derefSlice(bom.Properties) {
		if p.Name == propError {
			facts.apply(p.Name, p.Value)
		}
	}
	if facts.err != nil {
		return nil, fmt.Errorf("decoding CycloneDX JSON: metadata component: %w", facts.err)
	}
	inv.Source.Kind = facts.source.Kind
	inv.Source.ImageID = facts.source.ImageID
	inv.Source.Platform = facts.source.Platform
	inv.Source.Architecture = facts.source.Architecture
	inv.Layers = facts.sortedLayers()
	inv.Errors = facts.errors
	if !ours {
		inv.Source.Kind = "sbom"
	}

	// Components may nest; walk them all without recursion.
	stack := reversed(derefSlice(bom.Components))
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, reversed(derefSlice(c.Components))...)

		switch {
		case c.Type == cdx.ComponentTypeOS:
			if inv.Distro == nil {
				inv.Distro = cdxDistro(c)
			}
			continue
		case !cdxIsPackageType(c.Type):
			continue // files, containers, data...
		}
		inv.Packages = append(inv.Packages, cdxPackage(c, ours))
	}
	if !ours {
		inferPeerInventory(inv)
	}
	return inv, nil
}

func cdxWrittenByVigil(bom *cdx.BOM) bool {
	if bom.Metadata == nil || bom.Metadata.Tools == nil {
		return false
	}
	for _, c := range derefSlice(bom.Metadata.Tools.Components) {
		if c.Name == ToolName {
			return true
		}
	}
	for _, t := range derefSlice(bom.Metadata.Tools.Tools) {
		if t.Name == ToolName {
			return true
		}
	}
	return false
}

// cdxIsPackageType reports whether components of type t are packages:
// everything but the image, files, data, devices and the like.
func cdxIsPackageType(t cdx.ComponentType) bool {
	switch t {
	case cdx.ComponentTypeContainer, cdx.ComponentTypeFile, cdx.ComponentTypeData,
		cdx.ComponentTypeDevice, cdx.ComponentTypeDeviceDriver, cdx.ComponentTypeMachineLearningModel,
		cdx.ComponentTypeCryptographicAsset, cdx.ComponentTypeOS:
		return false
	}
	return true
}

func cdxDistro(c cdx.Component) *inventory.Distro {
	d := &inventory.Distro{ID: c.Name, VersionID: c.Version, Name: c.Description}
	var facts imageFacts
	facts.distro = d
	for _, p := range derefSlice(c.Properties) {
		switch {
		case strings.HasPrefix(p.Name, "vigil:distro:"):
			facts.apply(p.Name, p.Value)
		case p.Name == "syft:distro:versionCodename":
			d.Codename = p.Value
		case strings.HasPrefix(p.Name, "syft:distro:idLike"):
			d.IDLike = append(d.IDLike, p.Value)
		}
	}
	return d
}

func cdxPackage(c cdx.Component, ours bool) inventory.Package {
	p := inventory.Package{
		Name:     c.Name,
		Version:  c.Version,
		PURL:     c.PackageURL,
		Licenses: cdxLicenseStrings(c.Licenses),
	}
	for _, prop := range derefSlice(c.Properties) {
		if applyPackageProperty(&p, prop.Name, prop.Value) || ours {
			continue
		}
		// syft's own properties, for SBOMs syft wrote.
		switch prop.Name {
		case "syft:package:type":
			if p.Ecosystem == "" {
				p.Ecosystem = inventory.Ecosystem(prop.Value)
			}
		case "syft:package:foundBy":
			if p.Cataloger == "" {
				p.Cataloger = prop.Value
			}
		case "syft:location:0:path":
			if p.Location.Path == "" {
				p.Location.Path = inventory.CleanPath(prop.Value)
			}
		case "syft:location:0:layerID":
			if p.Location.Layer == "" {
				p.Location.Layer = prop.Value
			}
		}
	}
	if !ours && p.Location.Path == "" && c.Evidence != nil {
		for _, o := range derefSlice(c.Evidence.Occurrences) {
			if o.Location != "" {
				p.Location.Path = inventory.CleanPath(o.Location)
				break
			}
		}
	}
	if !ours {
		inferFromPURL(&p)
	}
	return p
}

func cdxLicenseStrings(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, l := range *ls {
		switch {
		case l.Expression != "":
			out = append(out, l.Expression)
		case l.License == nil:
		case l.License.ID != "":
			out = append(out, l.License.ID)
		case l.License.Name != "":
			out = append(out, l.License.Name)
		}
	}
	return out
}

func derefSlice[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// looksLikeDigest reports whether s has the form algorithm:hex.
func looksLikeDigest(s string) bool {
	alg, hexPart, ok := strings.Cut(s, ":")
	if !ok || alg == "" || len(hexPart) < 32 {
		return false
	}
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
