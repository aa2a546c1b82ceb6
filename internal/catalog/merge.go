package catalog

import (
	"fmt"
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/layerfs"
)

// releaseFiles are the files that identify a distribution, in order of
// preference.
var releaseFiles = []string{
	"etc/os-release",
	"usr/lib/os-release",
	"etc/alpine-release",
	"etc/centos-release",
	"etc/redhat-release",
	"etc/system-release",
	"etc/lsb-release",
	"etc/debian_version",
}

// Merged is the inventory of an image's final filesystem.
type Merged struct {
	Tree     *layerfs.Tree
	Distro   *inventory.Distro
	Packages []inventory.Package
	Errors   []string
}

// Merge lays the layers' results over each other in order and keeps what
// the final filesystem still holds: a package is reported if the file it
// was found in survives (not deleted or overwritten by a later layer); it is
// attributed to the earliest layer from which it has been continuously
// present in that file; language packages found in files owned by an OS
// package are dropped. diffIDs are taken from the layers' indexes.
func Merge(layers []*LayerResult) *Merged {
	m := &Merged{Tree: layerfs.NewTree()}
	for i, l := range layers {
		if l.Index != nil {
			m.Tree.Apply(l.Index, i)
		}
		m.Errors = append(m.Errors, l.Errors...)
	}

	// firstSeen[path][packageKey] is the layer from which a package has been
	// continuously present in the file at path.
	type fileKey struct{ path, cataloger string }
	firstSeen := map[fileKey]map[string]int{}
	type survivor struct {
		layer int
		fr    FileResult
	}
	var survivors []survivor
	for i, l := range layers {
		for _, fr := range l.Files {
			k := fileKey{fr.Path, fr.Cataloger}
			prev := firstSeen[k]
			cur := make(map[string]int, len(fr.Packages))
			for _, p := range fr.Packages {
				pk := p.Key()
				if at, ok := prev[pk]; ok {
					cur[pk] = at
				} else {
					cur[pk] = i
				}
			}
			firstSeen[k] = cur
			if n, ok := m.Tree.Lookup(fr.Path); ok && n.Layer == i && n.Mode.IsRegular() {
				survivors = append(survivors, survivor{layer: i, fr: fr})
			}
		}
	}

	diffID := func(i int) string {
		if i >= 0 && i < len(layers) && layers[i].Index != nil {
			return layers[i].Index.DiffID
		}
		return ""
	}

	// Distribution: the first release file, by preference, that survives.
	distros := map[string]*inventory.Distro{}
	for _, s := range survivors {
		if s.fr.Distro != nil {
			distros[s.fr.Path] = s.fr.Distro
		}
	}
	for _, f := range releaseFiles {
		real, err := m.Tree.Resolve(f)
		if err != nil {
			m.Errors = append(m.Errors, err.Error())
			continue
		}
		if d, ok := distros[real]; ok {
			dd := *d
			if dd.SourcePath == "" {
				dd.SourcePath = "/" + real
			}
			m.Distro = &dd
			break
		}
	}

	// Paths owned by OS packages, resolved through directory links (a
	// merged-/usr image lists /bin/x but the file sits at usr/bin/x).
	owned := map[string]bool{}
	for _, s := range survivors {
		for _, o := range s.fr.Owned {
			o = inventory.CleanPath(o)
			owned[o] = true
			dir, base := path.Split(o)
			if dir != "" {
				if real, err := m.Tree.Resolve(dir); err == nil {
					owned[path.Join(real, base)] = true
				}
			}
		}
	}

	seen := map[string]bool{}
	for _, s := range survivors {
		first := firstSeen[fileKey{s.fr.Path, s.fr.Cataloger}]
		for _, p := range s.fr.Packages {
			if !p.Ecosystem.IsOS() && owned[ownerPath(p.Location.Path)] {
				continue
			}
			k := p.Key()
			if seen[k] {
				continue
			}
			seen[k] = true
			layer := s.layer
			if at, ok := first[k]; ok {
				layer = at
			}
			p.Location.Layer = diffID(layer)
			if p.Ecosystem.IsOS() && m.Distro != nil {
				p.PURL = withDistro(p.PURL, *m.Distro)
			}
			m.Packages = append(m.Packages, p)
		}
	}
	inventory.Sort(m.Packages)
	return m
}

// ownerPath is the file a package location refers to: a nested archive
// location ("a.jar:lib/b.jar") is owned if its outer file is.
func ownerPath(p string) string {
	if i := strings.IndexByte(p, ':'); i >= 0 {
		p = p[:i]
	}
	return inventory.CleanPath(p)
}

// withDistro sets the namespace (if empty) and the distro qualifier of an OS
// package's PURL, as syft and trivy write them: pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12.
func withDistro(purl string, d inventory.Distro) string {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return purl
	}
	if p.Namespace == "" {
		p.Namespace = purlNamespace(d.ID)
	}
	q := p.Qualifiers.Map()
	if _, ok := q["distro"]; !ok {
		id := d.ID
		if d.VersionID != "" {
			id = fmt.Sprintf("%s-%s", d.ID, d.VersionID)
		}
		q["distro"] = id
	}
	p.Qualifiers = packageurl.QualifiersFromMap(q)
	return p.ToString()
}

// purlNamespace is the PURL namespace of a distribution, as syft writes it.
func purlNamespace(id string) string {
	switch {
	case id == "rhel":
		return "redhat"
	case strings.HasPrefix(id, "opensuse"):
		return "opensuse"
	}
	return id
}
