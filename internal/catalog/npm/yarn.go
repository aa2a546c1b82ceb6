package npm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/inventory"
)

var (
	// yarnAliasName matches an aliased pattern and captures the real name:
	// "string-width-cjs@npm:string-width@^4.2.0" gives string-width.
	yarnAliasName = regexp.MustCompile(`^"?(?:@\w[\w-_.]*\/)?\w[\w-_.]*@npm:((?:@\w[\w-_.]*\/)?\w[\w-_.]*)@`)
	// yarnName matches the name at the start of a pattern, with its scope.
	yarnName = regexp.MustCompile(`^"?((?:@\w[\w-_.]*\/)?\w[\w-_.]*)@`)
	// yarnRegistryTarball matches a v1 "resolved" line on the public
	// registry and captures the package name and version.
	yarnRegistryTarball = regexp.MustCompile(`^resolved\s+"https://registry\.(?:yarnpkg\.com|npmjs\.org)/(.+?)/-/(?:.+?)-(\d+\..+?)\.tgz`)
	yarnResolved        = regexp.MustCompile(`^resolved\s+"(.+?)"`)
)

// ParseYarnLock parses a yarn.lock and returns the packages it pins, one
// per name and version, sorted. A file containing "# yarn lockfile v1" is
// read as the v1 format; any other as the YAML format of yarn 2 and later.
//
// This mirrors syft: an entry's name comes from the first pattern of its
// header ("@babel/code-frame@^7.0.0", ...:), or from the target of an npm
// alias ("string-width-cjs@npm:string-width@^4.2.0" is string-width); a v1
// "resolved" URL on the public registry sets both name and version; an entry
// without a version has an empty version. yarn.lock does not mark dev
// dependencies: syft drops the packages only the scanned root's package.json
// devDependencies reach, which a one-file parser cannot do.
func ParseYarnLock(ctx context.Context, r io.Reader) ([]inventory.Package, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var set pkgSet
	if bytes.Contains(data, []byte("# yarn lockfile v1")) {
		err = parseYarnV1(ctx, data, &set)
	} else {
		err = parseYarnBerry(ctx, data, &set)
	}
	if err != nil {
		return nil, err
	}
	return set.sorted(), nil
}

// parseYarnV1 reads the v1 format line by line: a header, fields indented by
// two spaces, dependencies by four, and a blank line after each entry. Its
// quirks (a repeated entry is not reset, a second header in one block
// renames the entry) are syft's.
func parseYarnV1(ctx context.Context, data []byte, set *pkgSet) error {
	var name, version string
	seen := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "" && name != "" && !seen[name+"@"+version]:
			set.add(newPackage(name, version, nil))
			seen[name+"@"+version] = true
			name, version = "", ""
		case !strings.HasPrefix(line, " "):
			name = yarnPatternName(line)
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "    "):
			field := strings.Trim(line, " ")
			key, value, _ := strings.Cut(field, " ")
			value, _, _ = strings.Cut(value, " ")
			value = strings.Trim(value, `"`)
			switch key {
			case "version":
				version = value
			case "resolved":
				if m := yarnRegistryTarball.FindStringSubmatch(field); m != nil && yarnResolved.MatchString(field) {
					name, version = m[1], m[2]
				}
			}
		}
	}
	if name != "" && !seen[name+"@"+version] {
		set.add(newPackage(name, version, nil))
	}
	return nil
}

// yarnBerryEntry is an entry of a yarn 2+ lockfile.
type yarnBerryEntry struct {
	Version      string            `yaml:"version"`
	Resolution   string            `yaml:"resolution"`
	Checksum     string            `yaml:"checksum"`
	Dependencies map[string]string `yaml:"dependencies"`
}

// parseYarnBerry reads the YAML format of yarn 2 and later: a map from
// header to entry. The __metadata entry has no package name. A repeated
// header is allowed, the later entry winning, as in syft.
func parseYarnBerry(ctx context.Context, data []byte, set *pkgSet) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("reading yarn 2+ lockfile: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("reading yarn 2+ lockfile: line %d: not a map of entries", root.Line)
	}
	entries := map[string]yarnBerryEntry{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		var e yarnBerryEntry
		if err := root.Content[i+1].Decode(&e); err != nil {
			return fmt.Errorf("reading yarn 2+ lockfile: %w", err)
		}
		entries[root.Content[i].Value] = e
	}
	for i, key := range sortedKeys(entries) {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if name := yarnPatternName(key); name != "" {
			set.add(newPackage(name, entries[key].Version, nil))
		}
	}
	return nil
}

// yarnPatternName returns the package name of a header line or key.
func yarnPatternName(s string) string {
	if m := yarnAliasName.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if m := yarnName.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
