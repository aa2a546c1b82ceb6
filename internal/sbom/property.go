package sbom

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/internal/inventory"
)

// The names of Vigil's properties (see the package documentation).
const (
	propType          = "vigil:package:type"
	propArch          = "vigil:package:arch"
	propSourceName    = "vigil:package:sourceName"
	propSourceVersion = "vigil:package:sourceVersion"
	propCataloger     = "vigil:cataloger"
	propPath          = "vigil:location:path"
	propLayer         = "vigil:location:layer"
	propMetadata      = "vigil:metadata:"

	propSourceKind   = "vigil:source:kind"
	propImageID      = "vigil:source:imageId"
	propPlatform     = "vigil:source:platform"
	propArchitecture = "vigil:source:architecture"
	propLayerPrefix  = "vigil:layer:"

	propDistroID         = "vigil:distro:id"
	propDistroVersionID  = "vigil:distro:versionId"
	propDistroPrettyName = "vigil:distro:prettyName"
	propDistroCodename   = "vigil:distro:codename"
	propDistroIDLike     = "vigil:distro:idLike"
	propDistroSource     = "vigil:distro:source"

	propError = "vigil:error"
)

// property is one name/value pair; names repeat for lists.
type property struct {
	Name, Value string
}

type properties []property

func (ps *properties) add(name, value string) {
	if value != "" {
		*ps = append(*ps, property{name, value})
	}
}

// packageProperties returns the Vigil fields of p that the standard fields
// of CycloneDX and SPDX cannot hold, in a fixed order.
func packageProperties(p inventory.Package) properties {
	var ps properties
	ps.add(propType, string(p.Ecosystem))
	ps.add(propArch, p.Arch)
	ps.add(propSourceName, p.SourceName)
	ps.add(propSourceVersion, p.SourceVersion)
	ps.add(propCataloger, p.Cataloger)
	ps.add(propPath, p.Location.Path)
	ps.add(propLayer, p.Location.Layer)
	for _, k := range slices.Sorted(maps.Keys(p.Metadata)) {
		// Metadata values may be empty; the key alone is information.
		ps = append(ps, property{propMetadata + k, p.Metadata[k]})
	}
	return ps
}

// applyPackageProperty sets the field of p that a Vigil property names, and
// reports whether it was one.
func applyPackageProperty(p *inventory.Package, name, value string) bool {
	switch name {
	case propType:
		p.Ecosystem = inventory.Ecosystem(value)
	case propArch:
		p.Arch = value
	case propSourceName:
		p.SourceName = value
	case propSourceVersion:
		p.SourceVersion = value
	case propCataloger:
		p.Cataloger = value
	case propPath:
		p.Location.Path = value
	case propLayer:
		p.Location.Layer = value
	default:
		key, ok := strings.CutPrefix(name, propMetadata)
		if !ok || key == "" {
			return false
		}
		if p.Metadata == nil {
			p.Metadata = map[string]string{}
		}
		p.Metadata[key] = value
	}
	return true
}

// sourceProperties returns the facts about the scanned image that have no
// standard field: source kind, image id, platform and the layers.
func sourceProperties(inv *inventory.Inventory) properties {
	var ps properties
	ps.add(propSourceKind, inv.Source.Kind)
	ps.add(propImageID, inv.Source.ImageID)
	ps.add(propPlatform, inv.Source.Platform)
	ps.add(propArchitecture, inv.Source.Architecture)
	for _, l := range inv.Layers {
		prefix := propLayerPrefix + strconv.Itoa(l.Index) + ":"
		ps = append(ps, property{prefix + "diffId", l.DiffID})
		ps.add(prefix+"digest", l.Digest)
		if l.Size != 0 {
			ps.add(prefix+"size", strconv.FormatInt(l.Size, 10))
		}
	}
	return ps
}

// distroProperties returns the fields of d that the CycloneDX
// operating-system component has no place for; with all set, every field.
func distroProperties(d *inventory.Distro, all bool) properties {
	var ps properties
	if all {
		// The ID is written even when empty: the property marks that a
		// distribution was identified.
		ps = append(ps, property{propDistroID, d.ID})
		ps.add(propDistroVersionID, d.VersionID)
		ps.add(propDistroPrettyName, d.Name)
	}
	ps.add(propDistroCodename, d.Codename)
	for _, l := range d.IDLike {
		ps = append(ps, property{propDistroIDLike, l})
	}
	ps.add(propDistroSource, d.SourcePath)
	return ps
}

// imageFacts gathers what the image-level properties of a document say.
type imageFacts struct {
	source inventory.Source
	distro *inventory.Distro
	layers map[int]*inventory.Layer
	errors []string
	err    error // the first malformed property
}

func (f *imageFacts) distroOrNew() *inventory.Distro {
	if f.distro == nil {
		f.distro = &inventory.Distro{}
	}
	return f.distro
}

// apply records one image-level property; unknown names are ignored.
func (f *imageFacts) apply(name, value string) {
	switch name {
	case propSourceKind:
		f.source.Kind = value
	case propImageID:
		f.source.ImageID = value
	case propPlatform:
		f.source.Platform = value
	case propArchitecture:
		f.source.Architecture = value
	case propDistroID:
		f.distroOrNew().ID = value
	case propDistroVersionID:
		f.distroOrNew().VersionID = value
	case propDistroPrettyName:
		f.distroOrNew().Name = value
	case propDistroCodename:
		f.distroOrNew().Codename = value
	case propDistroIDLike:
		d := f.distroOrNew()
		d.IDLike = append(d.IDLike, value)
	case propDistroSource:
		f.distroOrNew().SourcePath = value
	case propError:
		f.errors = append(f.errors, value)
	default:
		rest, ok := strings.CutPrefix(name, propLayerPrefix)
		if !ok {
			return
		}
		idx, field, ok := strings.Cut(rest, ":")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 {
			f.fail(fmt.Errorf("property %q: not vigil:layer:<index>:<field>", name))
			return
		}
		if f.layers == nil {
			f.layers = map[int]*inventory.Layer{}
		}
		l := f.layers[i]
		if l == nil {
			l = &inventory.Layer{Index: i}
			f.layers[i] = l
		}
		switch field {
		case "diffId":
			l.DiffID = value
		case "digest":
			l.Digest = value
		case "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				f.fail(fmt.Errorf("property %q: %w", name, err))
				return
			}
			l.Size = n
		}
	}
}

func (f *imageFacts) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// sortedLayers returns the layers in index order.
func (f *imageFacts) sortedLayers() []inventory.Layer {
	var out []inventory.Layer
	for _, l := range f.layers {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b inventory.Layer) int { return cmp.Compare(a.Index, b.Index) })
	return out
}

// formatComment writes properties as the lines of an SPDX comment.
func formatComment(ps properties) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(escapeComment(p.Name, true))
		b.WriteByte('=')
		b.WriteString(escapeComment(p.Value, false))
	}
	return b.String()
}

// parseComment reads the "vigil:" lines of an SPDX comment; other lines are
// free text and ignored.
func parseComment(s string) properties {
	var ps properties
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if !strings.HasPrefix(line, "vigil:") {
			continue
		}
		name, value, ok := splitCommentLine(line)
		if ok {
			ps = append(ps, property{name, value})
		}
	}
	return ps
}

func escapeComment(s string, name bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '=' && name:
			b.WriteString(`\=`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitCommentLine splits "name=value" at the first unescaped "=" and
// unescapes both sides.
func splitCommentLine(line string) (name, value string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			i++
			b.WriteByte(unescapeByte(line[i]))
		case c == '=':
			return b.String(), unescapeComment(line[i+1:]), true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

func unescapeComment(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			b.WriteByte(unescapeByte(s[i]))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unescapeByte(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	}
	return c // \\ and \=
}
