package java

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// PomProperties is a META-INF/maven/<groupId>/<artifactId>/pom.properties
// file, written by the Maven archiver.
type PomProperties struct {
	Path       string
	Name       string
	GroupID    string
	ArtifactID string
	Version    string
}

// ParsePomProperties parses a pom.properties file as syft does: "key=value"
// or "key:value" per line, '#' comments; a line with neither separator
// makes the file unreadable.
func ParsePomProperties(b []byte) (*PomProperties, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxManifestLine)
	kv := map[string]string{}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimLeft(line, " "), "#") {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			return nil, fmt.Errorf("not a key-value pair: %q", truncate(line))
		}
		kv[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return &PomProperties{
		Name:       lookupFold(kv, "name"),
		GroupID:    lookupFold(kv, "groupId"),
		ArtifactID: lookupFold(kv, "artifactId"),
		Version:    lookupFold(kv, "version"),
	}, nil
}

// lookupFold finds key exactly, else case-insensitively (the way syft's
// mapstructure decoding matches keys), preferring the smallest such key so
// that the result does not depend on map order.
func lookupFold(kv map[string]string, key string) string {
	if v, ok := kv[key]; ok {
		return v
	}
	best, found := "", false
	var val string
	for k, v := range kv {
		if strings.EqualFold(k, key) && (!found || k < best) {
			best, val, found = k, v, true
		}
	}
	return val
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// rawPom is the part of a pom.xml that identifies the project.
type rawPom struct {
	GroupID    *string        `xml:"groupId"`
	ArtifactID *string        `xml:"artifactId"`
	Version    *string        `xml:"version"`
	Parent     *rawPomParent  `xml:"parent"`
	Properties pomPropertyMap `xml:"properties"`
	Licenses   []struct {
		Name *string `xml:"name"`
		URL  *string `xml:"url"`
	} `xml:"licenses>license"`
}

type rawPomParent struct {
	GroupID    *string `xml:"groupId"`
	ArtifactID *string `xml:"artifactId"`
	Version    *string `xml:"version"`
}

// pomPropertyMap collects the <properties> children: element name to text.
type pomPropertyMap map[string]string

// UnmarshalXML implements xml.Unmarshaler.
func (m *pomPropertyMap) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	if *m == nil {
		*m = pomPropertyMap{}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var v string
			if err := d.DecodeElement(&v, &t); err != nil {
				return err
			}
			(*m)[t.Name.Local] = v
		case xml.EndElement:
			return nil
		}
	}
}

// PomProject is the identity of a pom.xml, with ${...} references resolved
// against the pom itself (parent poms are not fetched).
type PomProject struct {
	Path             string
	GroupID          string
	ArtifactID       string
	Version          string
	ParentGroupID    string
	ParentArtifactID string
	ParentVersion    string
	Licenses         []string
}

// ParsePomXML parses a pom.xml and resolves its identity.
func ParsePomXML(b []byte) (*PomProject, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = charsetReader
	var raw rawPom
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	p := &PomProject{}
	p.GroupID, p.ArtifactID, p.Version = raw.id()
	if raw.Parent != nil {
		p.ParentGroupID = raw.resolveValue(raw.Parent.GroupID)
		p.ParentArtifactID = raw.resolveValue(raw.Parent.ArtifactID)
		p.ParentVersion = raw.resolveValue(raw.Parent.Version)
	}
	for _, l := range raw.Licenses {
		name, url := raw.resolveValue(l.Name), raw.resolveValue(l.URL)
		switch {
		case name != "":
			p.Licenses = append(p.Licenses, name)
		case url != "":
			p.Licenses = append(p.Licenses, url)
		}
	}
	return p, nil
}

// id resolves groupId, artifactId and version; groupId and version (never
// artifactId) are inherited from <parent> when the pom does not set them.
func (r *rawPom) id() (group, artifact, version string) {
	group = r.resolveValue(r.GroupID)
	artifact = r.resolveValue(r.ArtifactID)
	version = r.resolveValue(r.Version)
	if r.Parent != nil {
		if group == "" && deref(r.GroupID) == "" {
			group = r.resolveValue(r.Parent.GroupID)
		}
		if version == "" && deref(r.Version) == "" {
			version = r.resolveValue(r.Parent.Version)
		}
	}
	return group, artifact, version
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var expressionPattern = regexp.MustCompile(`[$][{][^}]+[}]`)

// resolveValue resolves the ${...} references in v; a reference that
// cannot be resolved makes the whole value empty, as in syft.
func (r *rawPom) resolveValue(v *string) string {
	if v == nil {
		return ""
	}
	s, err := r.resolveExpression(*v, nil)
	if err != nil {
		return ""
	}
	return s
}

// maxResolveDepth bounds nested property references.
const maxResolveDepth = 32

var errUnresolved = errors.New("unresolved property")

func (r *rawPom) resolveExpression(expr string, resolving []string) (string, error) {
	var errs error
	out := expressionPattern.ReplaceAllStringFunc(expr, func(m string) string {
		v, err := r.resolveProperty(strings.TrimSpace(m[2:len(m)-1]), resolving)
		if err != nil {
			errs = err
			return ""
		}
		return v
	})
	return out, errs
}

func (r *rawPom) resolveProperty(name string, resolving []string) (string, error) {
	if slices.Contains(resolving, name) || len(resolving) >= maxResolveDepth {
		return "", fmt.Errorf("cycle resolving %s: %w", name, errUnresolved)
	}
	resolving = append(resolving, name)
	if v, ok, err := r.projectProperty(name, resolving); ok || err != nil {
		return v, err
	}
	if v, ok := r.Properties[name]; ok {
		return r.resolveExpression(v, resolving)
	}
	return "", fmt.Errorf("%s: %w", name, errUnresolved)
}

// projectProperty resolves project.* references to the pom's own elements.
// ok is false when the reference names no such element (then the pom's
// <properties> are consulted).
func (r *rawPom) projectProperty(name string, resolving []string) (string, bool, error) {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || strings.TrimSpace(parts[0]) != "project" {
		return "", false, nil
	}
	var field *string
	switch {
	case len(parts) == 2 && parts[1] == "version":
		if r.Version == nil && r.Parent != nil && r.Parent.Version != nil {
			v, err := r.resolveExpression(*r.Parent.Version, resolving)
			return v, true, err
		}
		field = r.Version
	case len(parts) == 2 && parts[1] == "groupId":
		field = r.GroupID
	case len(parts) == 2 && parts[1] == "artifactId":
		field = r.ArtifactID
	case len(parts) == 3 && parts[1] == "parent":
		if r.Parent == nil {
			return "", true, fmt.Errorf("%s: %w", name, errUnresolved)
		}
		switch parts[2] {
		case "groupId":
			field = r.Parent.GroupID
		case "artifactId":
			field = r.Parent.ArtifactID
		case "version":
			field = r.Parent.Version
		default:
			return "", false, nil
		}
	default:
		return "", false, nil
	}
	if field == nil {
		return "", true, fmt.Errorf("%s: %w", name, errUnresolved)
	}
	v, err := r.resolveExpression(*field, resolving)
	return v, true, err
}

// charsetReader lets encoding/xml read poms that declare a single-byte
// encoding (ISO-8859-1 is common in older poms).
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return in, nil
}
