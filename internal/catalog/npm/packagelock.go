package npm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/vigilhq/vigil/internal/inventory"
)

// packageLock is a package-lock.json. Version 1 lists dependencies as a
// tree under "dependencies"; versions 2 and 3 list every installed path
// under "packages" (version 2 also keeps the v1 tree, which is ignored).
// Fields that are not used are decoded all the same, as syft does, so that
// a file syft rejects for their types is rejected here too.
type packageLock struct {
	Requires        bool                      `json:"requires"`
	LockfileVersion int                       `json:"lockfileVersion"`
	Dependencies    map[string]lockDependency `json:"dependencies"`
	Packages        map[string]lockPackage    `json:"packages"`
}

// lockDependency is an entry of the v1 tree.
type lockDependency struct {
	Version      string                    `json:"version"`
	Resolved     string                    `json:"resolved"`
	Integrity    string                    `json:"integrity"`
	Dev          bool                      `json:"dev"`
	Dependencies map[string]lockDependency `json:"dependencies"`
}

// lockPackage is an entry of the v2/v3 "packages" map, keyed by its install
// path ("node_modules/a/node_modules/b"; "" is the project itself).
type lockPackage struct {
	// Name is set on the root entry, on workspace entries and on aliases
	// ("node_modules/alias": {"name": "real-name"}).
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Resolved     string            `json:"resolved"`
	Integrity    string            `json:"integrity"`
	License      lockLicense       `json:"license"`
	Dev          bool              `json:"dev"`
	Dependencies map[string]string `json:"dependencies"`
}

// lockLicense is a license field of a v2/v3 entry: a string or an array of
// strings; anything else is ignored, as syft does.
type lockLicense []string

func (l *lockLicense) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*l = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = []string{s}
	}
	return nil
}

// ParsePackageLock parses a package-lock.json (lockfile versions 1, 2 and
// 3) and returns the packages it pins, one per name and version, sorted.
//
// As syft does: v2/v3 entries come from "packages"; the root entry ("") is
// reported when it has a name; entries marked "dev" are skipped (but not
// "devOptional", "optional" or "peer" ones); the name is the entry's "name"
// field if set, else the last node_modules/ segment of its path; "link"
// entries (workspace symlinks) are reported by their path's name with no
// version, beside the workspace entry they point to. v1 entries come from
// the "dependencies" tree, depth first, skipping dev entries and everything
// under them; an "npm:real-name@version" version names an alias.
func ParsePackageLock(ctx context.Context, r io.Reader) ([]inventory.Package, error) {
	var lock packageLock
	dec := json.NewDecoder(r)
	for {
		if err := dec.Decode(&lock); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
	}

	var set pkgSet
	n := 0
	check := func() error {
		n++
		if n%1024 == 0 {
			return ctx.Err()
		}
		return nil
	}
	switch lock.LockfileVersion {
	case 1:
		var walk func(deps map[string]lockDependency) error
		walk = func(deps map[string]lockDependency) error {
			for _, name := range sortedKeys(deps) {
				if err := check(); err != nil {
					return err
				}
				d := deps[name]
				if d.Dev {
					continue
				}
				n, v := name, d.Version
				if alias, ok := strings.CutPrefix(v, "npm:"); ok {
					if i := strings.LastIndex(alias, "@"); i >= 0 {
						n, v = alias[:i], alias[i+1:]
					}
				}
				set.add(newPackage(n, v, nil))
				if err := walk(d.Dependencies); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(lock.Dependencies); err != nil {
			return nil, err
		}
	case 2, 3:
		for _, key := range sortedKeys(lock.Packages) {
			if err := check(); err != nil {
				return nil, err
			}
			p := lock.Packages[key]
			if key == "" && p.Name == "" {
				continue
			}
			if p.Dev {
				continue
			}
			name := key
			if p.Name != "" {
				name = p.Name
			}
			if i := strings.LastIndex(name, "node_modules/"); i >= 0 {
				name = name[i+len("node_modules/"):]
			}
			set.add(newPackage(name, p.Version, cleanLicenses(p.License)))
		}
	}
	return set.sorted(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
