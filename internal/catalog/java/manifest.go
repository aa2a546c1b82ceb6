package java

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// maxManifestLine bounds one line of a manifest (or of a pom.properties);
// syft gives up on the file past the same length.
const maxManifestLine = 1 << 20

// KeyValue is one "Key: value" attribute of a manifest section.
type KeyValue struct {
	Key   string
	Value string
}

// Section is one section of a manifest, in file order.
type Section []KeyValue

// Get returns the first value of key (case-sensitive, as syft matches it).
func (s Section) Get(key string) (string, bool) {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

func (s Section) value(key string) string {
	v, _ := s.Get(key)
	return v
}

// Manifest is a parsed META-INF/MANIFEST.MF: the main section and the
// per-entry sections after it.
type Manifest struct {
	Main     Section
	Sections []Section
}

// ParseManifest parses a JAR manifest the way syft does: sections are
// separated by empty lines, a line starting with a space continues the
// previous value (trimmed), lines without a colon are ignored.
func ParseManifest(b []byte) (*Manifest, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxManifestLine)
	var sections []Section
	lastKey := ""
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			lastKey = ""
			continue
		}
		if line[0] == ' ' {
			if lastKey == "" {
				continue
			}
			cur := sections[len(sections)-1]
			cur[len(cur)-1].Value += strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if lastKey == "" {
			sections = append(sections, Section{})
		}
		sections[len(sections)-1] = append(sections[len(sections)-1], KeyValue{Key: k, Value: strings.TrimSpace(v)})
		lastKey = k
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	m := &Manifest{}
	if len(sections) > 0 {
		m.Main = sections[0]
		m.Sections = sections[1:]
	}
	return m, nil
}

// field returns the first non-empty value of key in the main section, then
// in the per-entry sections.
func (m *Manifest) field(key string) string {
	if m == nil {
		return ""
	}
	if v := m.Main.value(key); v != "" {
		return v
	}
	for _, s := range m.Sections {
		if v := s.value(key); v != "" {
			return v
		}
	}
	return ""
}

// licenses are the manifest's declared licenses (OSGi Bundle-License,
// Jenkins Plugin-License-Name).
func (m *Manifest) licenses() []string {
	var out []string
	for _, k := range []string{"Bundle-License", "Plugin-License-Name"} {
		if v := m.field(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// versionFields are tried in order when neither Maven metadata nor the file
// name gives a version.
var versionFields = []string{"Implementation-Version", "Specification-Version", "Plugin-Version", "Bundle-Version"}

// selectVersion: the version in the archive's file name, else the first
// manifest version field.
func selectVersion(m *Manifest, fn archiveFilename) string {
	if fn.version != "" {
		return fn.version
	}
	for _, k := range versionFields {
		if v := m.field(k); v != "" {
			return v
		}
	}
	return ""
}

// selectName: the artifactId implied by a maven-bundle-plugin symbolic
// name, else the archive's file name, else the first naming field of the
// manifest's main section.
func selectName(m *Manifest, fn archiveFilename) string {
	if n := nameFromBundlePlugin(m); n != "" {
		return n
	}
	if n := nameFromFilename(fn); n != "" {
		return n
	}
	if m == nil {
		return ""
	}
	for _, k := range []string{"Name", "Bundle-Name", "Short-Name", "Extension-Name", "Implementation-Title"} {
		if v := m.Main.value(k); v != "" {
			return v
		}
	}
	return ""
}

// nameFromBundlePlugin: the Apache Maven Bundle Plugin writes
// Bundle-SymbolicName as groupId.artifactId, so its last dotted field is
// taken as the artifactId, unless the symbolic name is just the vendor id.
func nameFromBundlePlugin(m *Manifest) string {
	if m == nil || !strings.Contains(m.Main.value("Created-By"), "Apache Maven Bundle Plugin") {
		return ""
	}
	sym := m.Main.value("Bundle-SymbolicName")
	if sym == "" {
		return ""
	}
	if vendor := m.Main.value("Implementation-Vendor-Id"); vendor != "" && vendor == sym {
		return ""
	}
	return sym[strings.LastIndexByte(sym, '.')+1:]
}

// nameFromFilename: a dotted file name made of Java identifiers is taken to
// be groupId.artifactId (except Eclipse's org.eclipse.* artifacts).
func nameFromFilename(fn archiveFilename) string {
	if !strings.Contains(fn.name, ".") || strings.HasPrefix(fn.name, "org.eclipse.") {
		return fn.name
	}
	fields := strings.Split(fn.name, ".")
	for _, f := range fields {
		if !startsJavaIdentifier(f) {
			return fn.name
		}
	}
	return fields[len(fields)-1]
}

func startsJavaIdentifier(s string) bool {
	for _, r := range s {
		return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Lm, unicode.Lo, unicode.Nl, unicode.Sc, unicode.Pc)
	}
	return false
}

// manifestGroupIDFields are the manifest attributes that may hold a group
// id, in the two tiers syft consults.
var (
	primaryGroupIDFields   = []string{"Group-Id", "Bundle-SymbolicName", "Extension-Name", "Specification-Vendor", "Implementation-Vendor", "Implementation-Vendor-Id", "Implementation-Title", "Bundle-Activator"}
	secondaryGroupIDFields = []string{"Automatic-Module-Name", "Main-Class", "Package"}
	groupIDCorrections     = map[string]string{"org.lz4.java": "org.lz4"}
)

// groupIDFromManifest returns the smallest (sorted) domain-like value of the
// primary group id fields, else of the secondary ones.
func groupIDFromManifest(m *Manifest) string {
	if m == nil {
		return ""
	}
	for _, fields := range [][]string{primaryGroupIDFields, secondaryGroupIDFields} {
		var ids []string
		for _, k := range fields {
			for _, s := range append([]Section{m.Main}, m.Sections...) {
				if v, ok := s.Get(k); ok && startsWithTopLevelDomain(v) {
					ids = append(ids, cleanManifestGroupID(v))
				}
			}
		}
		if len(ids) > 0 {
			sort.Strings(ids)
			return ids[0]
		}
	}
	return ""
}

func startsWithTopLevelDomain(v string) bool {
	for _, d := range []string{"com", "org", "net", "io", "be"} {
		if strings.HasPrefix(v, d) {
			return true
		}
	}
	return false
}

func cleanManifestGroupID(v string) string {
	v, _, _ = strings.Cut(v, ";") // OSGi directives: org.bar;uses:="org.foo"
	v, _, _ = strings.Cut(v, "#")
	v = strings.TrimSpace(v)
	if c, ok := groupIDCorrections[v]; ok {
		return c
	}
	return v
}

// archiveFilename is the name and version guessed from an archive's file
// name ("commons-lang3-3.12.0.jar").
type archiveFilename struct {
	name    string
	version string
	ext     string
}

// The file-name patterns syft uses: a name made of dash-separated words,
// then a version group that starts with a digit, "build<n>" or "r<n>"/"rc<n>".
// The second pattern catches "_<version>" and ".<version>" suffixes.
var (
	nameVersionPattern      = regexp.MustCompile(`(?Ui)^(?P<name>(?:[[:alpha:]][[:word:].]*(?:\.[[:alpha:]][[:word:].]*)*-?)+)(?:-(?P<version>(\d.*|(build\d+.*)|(rc?\d+(?:^[[:alpha:]].*)?))))?$`)
	secondaryVersionPattern = regexp.MustCompile(`(?:[._-](?P<version>(\d.*|(build\d+.*)|(rc?\d+(?:^[[:alpha:]].*)?))))?$`)
)

func parseArchiveFilename(p string) archiveFilename {
	base := path.Base(p)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	fn := archiveFilename{ext: strings.TrimPrefix(ext, ".")}
	if m := nameVersionPattern.FindStringSubmatch(stem); m != nil {
		fn.name = m[nameVersionPattern.SubexpIndex("name")]
		fn.version = m[nameVersionPattern.SubexpIndex("version")]
	}
	if fn.version == "" {
		if m := secondaryVersionPattern.FindStringSubmatch(fn.name); m != nil {
			if v := m[secondaryVersionPattern.SubexpIndex("version")]; v != "" {
				fn.version = v
				fn.name = fn.name[:len(fn.name)-len(v)-1]
			}
		}
	}
	return fn
}

// isJenkinsExt reports whether the archive's extension marks a Jenkins plugin.
func (fn archiveFilename) isJenkinsExt() bool {
	e := strings.ToLower(fn.ext)
	return e == "jpi" || e == "hpi"
}
