package java

import (
	"regexp"
	"sort"
	"strings"

	"github.com/package-url/packageurl-go"
)

// javaPkg is a package found in one archive, before it becomes an
// inventory.Package.
type javaPkg struct {
	name, version string
	jenkins       bool
	// virtualPath identifies the package within its archive chain the way
	// syft does: the archive's path, plus ":group:artifact" for a package
	// found from a pom.properties that is not the archive itself.
	virtualPath string
	// location is the archive chain ("app.war:WEB-INF/lib/a.jar"), empty
	// for the file handed to the cataloger.
	location string
	manifest *Manifest
	props    *PomProperties
	project  *PomProject
	licenses []string
}

// groupID is the group id syft puts in the package's PURL: from
// pom.properties, then pom.xml, then the manifest. Syft also consults a
// built-in table of well-known artifactIds before the manifest; that table
// is not mirrored here.
func (p *javaPkg) groupID() string {
	if p.props != nil {
		if p.props.GroupID != "" {
			return cleanGroupID(p.props.GroupID)
		}
		if strings.Contains(p.props.ArtifactID, ".") {
			return cleanGroupID(p.props.ArtifactID)
		}
	}
	if pr := p.project; pr != nil {
		switch {
		case pr.GroupID != "":
			return cleanGroupID(pr.GroupID)
		case strings.Contains(pr.ArtifactID, "."):
			return cleanGroupID(pr.ArtifactID)
		case pr.ParentGroupID != "":
			return cleanGroupID(pr.ParentGroupID)
		case strings.Contains(pr.ParentArtifactID, "."):
			return cleanGroupID(pr.ParentArtifactID)
		}
	}
	return groupIDFromManifest(p.manifest)
}

func cleanGroupID(g string) string {
	g, _, _ = strings.Cut(g, ";")
	return strings.TrimSpace(g)
}

// purl is pkg:maven/<groupId>/<artifactId>@<version>; without a known
// group the artifactId stands in for it, as syft writes it.
func (p *javaPkg) purl() string {
	g := p.groupID()
	if g == "" {
		g = p.name
	}
	return packageurl.NewPackageURL(packageurl.TypeMaven, g, p.name, p.version, nil, "").ToString()
}

var jenkinsGroupPrefixes = []string{"io.jenkins.plugins", "org.jenkins.plugins", "org.jenkins-ci.plugins", "io.jenkins-ci.plugins", "com.cloudbees.jenkins.plugins"}

// jenkinsGroup reports whether a pom.properties groupId marks a Jenkins
// plugin.
func jenkinsGroup(g string) bool {
	for _, p := range jenkinsGroupPrefixes {
		if strings.HasPrefix(g, p) {
			return true
		}
	}
	return strings.Contains(g, ".jenkins.plugin")
}

// archiveContents is what identifies the packages of one archive: its
// manifest and Maven metadata, keyed by directory.
type archiveContents struct {
	fn       archiveFilename
	vpath    string
	location string
	manifest *Manifest
	// props and projects are keyed by the directory of the pom file.
	props    map[string]PomProperties
	projects map[string]*PomProject
	// versionProps is the root version.properties, read only for archives
	// whose manifest has a Main-Class.
	versionProps []byte
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// identify returns the archive's own package (nil when it has no manifest)
// followed by the packages of the other pom.properties it holds.
func (a *archiveContents) identify() []*javaPkg {
	if a.manifest == nil {
		return nil
	}
	if _, ok := a.manifest.Main.Get("Weave-Classes"); ok {
		// New Relic instrumentation jars name the library they instrument.
		return nil
	}
	main := &javaPkg{
		jenkins:     a.fn.isJenkinsExt(),
		virtualPath: a.vpath,
		location:    a.location,
		manifest:    a.manifest,
	}
	props, project := a.bestPom()
	if project != nil {
		main.project = project
	}
	main.name, main.version = props.ArtifactID, props.Version
	if project != nil {
		if main.name == "" {
			main.name = project.ArtifactID
		}
		if main.version == "" {
			main.version = project.Version
		}
	}
	if main.name == "" {
		main.name = selectName(a.manifest, a.fn)
	}
	if main.version == "" {
		main.version = selectVersion(a.manifest, a.fn)
	}
	if main.version == "" {
		main.version = a.versionFromProperties()
	}
	main.licenses = a.manifest.licenses()
	if len(main.licenses) == 0 && project != nil {
		main.licenses = project.Licenses
	}

	out := []*javaPkg{main}
	for _, dir := range sortedKeys(a.props) {
		pp := a.props[dir]
		if p := a.auxPackage(pp, a.projects[dir], main); p != nil {
			out = append(out, p)
		}
	}
	for _, p := range out {
		if strings.Contains(p.purl(), "io.jenkins.plugins") || strings.Contains(p.purl(), "org.jenkins-ci.plugins") {
			p.jenkins = true
		}
	}
	return out
}

// bestPom picks the pom.properties (and the pom.xml beside it) that
// describes the archive itself: one whose artifactId matches the file name.
// With no pom.properties at all, a single pom.xml is taken.
func (a *archiveContents) bestPom() (PomProperties, *PomProject) {
	artifacts := map[string]bool{}
	for _, p := range a.props {
		artifacts[p.ArtifactID] = true
	}
	var best PomProperties
	var bestPom *PomProject
	for _, dir := range sortedKeys(a.props) {
		p := a.props[dir]
		if !artifactMatchesFilename(p.ArtifactID, a.fn.name, artifacts) {
			continue
		}
		proj, hasProj := a.projects[dir]
		switch {
		case best.ArtifactID == "":
			best = p
			if hasProj {
				bestPom = proj
			}
		case !hasProj:
		case bestPom == nil, a.exactMatch(p, proj):
			best, bestPom = p, proj
		}
		if a.exactMatch(p, bestPom) {
			break
		}
	}
	if len(a.props) == 0 && len(a.projects) == 1 {
		for _, proj := range a.projects {
			bestPom = proj
		}
	}
	return best, bestPom
}

func (a *archiveContents) exactMatch(p PomProperties, proj *PomProject) bool {
	if proj == nil {
		return false
	}
	return strings.Contains(a.fn.name, p.GroupID) || a.fn.name == p.ArtifactID
}

// artifactMatchesFilename: an exact match when some pom.properties has the
// file's name as its artifactId, else either one being a prefix/suffix of
// the other.
func artifactMatchesFilename(artifactID, fileName string, artifacts map[string]bool) bool {
	if artifactID == "" || fileName == "" {
		return false
	}
	if artifacts[fileName] {
		return artifactID == fileName
	}
	return strings.HasPrefix(artifactID, fileName) || strings.HasSuffix(fileName, artifactID)
}

// auxPackage makes a package of a pom.properties, or, when it describes
// the archive's own package, completes that package with it and returns nil.
func (a *archiveContents) auxPackage(pp PomProperties, proj *PomProject, main *javaPkg) *javaPkg {
	parentKey := main.groupID() + ":" + main.name + ":" + main.version
	pomKey := pp.GroupID + ":" + pp.ArtifactID + ":" + pp.Version
	vpath := a.vpath
	if parentKey != pomKey {
		vpath += ":" + pp.GroupID + ":" + pp.ArtifactID
	}
	ppCopy := pp
	p := &javaPkg{
		name:        pp.ArtifactID,
		version:     pp.Version,
		jenkins:     jenkinsGroup(pp.GroupID),
		virtualPath: vpath,
		location:    a.location,
		props:       &ppCopy,
		project:     proj,
	}
	if proj != nil {
		p.licenses = proj.Licenses
	}
	if sameIdentity(p, main) {
		main.name, main.version, main.jenkins = p.name, p.version, p.jenkins
		if main.props == nil {
			main.props = &ppCopy
		}
		return nil
	}
	return p
}

func sameIdentity(p, main *javaPkg) bool {
	if p.groupID()+"|"+p.name+"|"+p.version == main.groupID()+"|"+main.name+"|"+main.version {
		return true
	}
	if p.virtualPath == main.virtualPath {
		return true
	}
	return p.props.ArtifactID != "" && main.name == p.props.ArtifactID
}

// releaseVersion is a version-shaped value: optional "v", then a digit.
var releaseVersion = regexp.MustCompile(`^v?(\d[0-9A-Za-z.\-_+]*)$`)

// versionFromProperties is the last resort for executable uber-jars built
// outside Maven and Gradle: the "version" or "tag" of a root
// version.properties.
func (a *archiveContents) versionFromProperties() string {
	if a.versionProps == nil || a.manifest.Main.value("Main-Class") == "" {
		return ""
	}
	props := map[string]string{}
	for line := range strings.Lines(string(a.versionProps)) {
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	for _, k := range []string{"version", "tag"} {
		if m := releaseVersion.FindStringSubmatch(props[k]); m != nil {
			return m[1]
		}
	}
	return ""
}
