// Package java catalogs Java archives (jar, war, ear, Jenkins jpi/hpi and
// the other zip-based Java formats syft reads) from their
// META-INF/MANIFEST.MF and Maven pom.properties/pom.xml, recursing into the
// archives nested inside them, the way syft's java-archive-cataloger does
// for image scans.
//
// Nested archives are read into memory within fixed bounds: a depth, a
// per-archive size, a number of archives and a total of decompressed bytes
// per file handed to the cataloger, so a zip bomb costs at most those.
//
// It imports only catalog and inventory of Vigil.
package java

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Limits on what one file handed to the cataloger may cost.
const (
	// maxDepth is how many levels of archives inside the file are opened.
	maxDepth = 4
	// maxNestedSize bounds the uncompressed size of a nested archive, which
	// is read into memory.
	maxNestedSize = 64 << 20
	// maxMetaSize bounds one manifest or pom file.
	maxMetaSize = 8 << 20
	// maxDecompressed bounds all bytes decompressed for one file, nested
	// archives included.
	maxDecompressed = 1 << 30
	// maxArchives bounds the nested archives opened for one file.
	maxArchives = 10000
)

// archiveExts are the extensions syft catalogs as Java archives.
var archiveExts = []string{".jar", ".war", ".ear", ".par", ".sar", ".nar", ".jpi", ".hpi", ".kar", ".far", ".lpkg", ".rar", ".zap"}

// isArchiveName reports whether a file name has a Java archive extension
// (case-sensitive, as syft's globs are).
func isArchiveName(name string) bool {
	for _, e := range archiveExts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// Cataloger reads Java archives.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "java-archive" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, _ int64) bool {
	return mode.IsRegular() && isArchiveName(p)
}

// Catalog implements catalog.Cataloger. Packages found before a nested
// archive could not be read are returned along with the error that says
// what was skipped.
func (Cataloger) Catalog(ctx context.Context, in catalog.Input) (catalog.Result, error) {
	s := &scan{ctx: ctx, budget: maxDecompressed}
	pkgs, err := s.archive(in.Content, in.Size, in.Path, "", 0)
	if err != nil {
		return catalog.Result{}, fmt.Errorf("reading java archive %q: %w", in.Path, err)
	}
	var res catalog.Result
	for _, p := range pkgs {
		if p.name == "" {
			continue
		}
		res.Packages = append(res.Packages, p.inventory())
	}
	if len(s.skipped) > 0 {
		return res, fmt.Errorf("reading java archive %q: %d entries not read: %s", in.Path, len(s.skipped), strings.Join(s.skipped[:min(len(s.skipped), 5)], "; "))
	}
	return res, nil
}

// inventory makes the inventory package. Syft types Jenkins plugins
// "jenkins-plugin"; inventory has no such ecosystem, so they are reported
// as java-archive (their PURLs are maven PURLs either way) with the
// metadata jenkinsPlugin=true.
func (p *javaPkg) inventory() inventory.Package {
	meta := map[string]string{"artifactId": p.name}
	if g := p.groupID(); g != "" {
		meta["groupId"] = g
	}
	if p.jenkins {
		meta["jenkinsPlugin"] = "true"
	}
	return inventory.Package{
		Name:      p.name,
		Version:   p.version,
		Ecosystem: inventory.EcosystemMaven,
		PURL:      p.purl(),
		Licenses:  p.licenses,
		Location:  inventory.Location{Path: p.location},
		Metadata:  meta,
	}
}

// scan is the state of cataloging one file: the budget left and what was
// skipped.
type scan struct {
	ctx      context.Context
	budget   int64
	archives int
	skipped  []string
}

var errBudget = errors.New("decompression budget spent")

// read decompresses one zip entry of at most limit bytes, charging the
// budget with its declared size; archive/zip fails the read if the entry
// inflates past what it declared.
func (s *scan) read(f *zip.File, limit int64) ([]byte, error) {
	size := f.UncompressedSize64
	if size > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, over the limit of %d", size, limit)
	}
	if int64(size) > s.budget {
		s.budget = 0
		return nil, errBudget
	}
	s.budget -= int64(size)
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := io.Copy(buf, io.LimitReader(rc, int64(size)+1)); err != nil {
		return nil, err
	}
	if uint64(buf.Len()) > size {
		return nil, fmt.Errorf("entry inflates past its declared %d bytes", size)
	}
	return buf.Bytes(), nil
}

func (s *scan) skip(what string, err error) {
	s.skipped = append(s.skipped, fmt.Sprintf("%s: %v", what, err))
}

// archive catalogs one archive. vpath is its chain of archive paths
// ("app.war:WEB-INF/lib/a.jar"), location the same but empty for the file
// handed to the cataloger.
func (s *scan) archive(r io.ReaderAt, size int64, vpath, location string, depth int) ([]*javaPkg, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil, err
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || f.Mode().IsDir() {
			continue
		}
		files[f.Name] = f // the last entry of a name wins
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)

	a := &archiveContents{
		fn:       parseArchiveFilename(vpath[strings.LastIndexByte(vpath, ':')+1:]),
		vpath:    vpath,
		location: location,
		props:    map[string]PomProperties{},
		projects: map[string]*PomProject{},
	}
	var manifests, versionProps, propsNames, pomNames []string
	for _, n := range names {
		rooted := n
		if !strings.HasPrefix(rooted, "/") {
			rooted = "/" + rooted
		}
		base := path.Base(n)
		switch {
		case rooted == "/META-INF/MANIFEST.MF":
			manifests = append(manifests, n)
		case strings.EqualFold(rooted, "/version.properties"):
			versionProps = append(versionProps, n)
		case strings.HasSuffix(base, "pom.properties"):
			propsNames = append(propsNames, n)
		case strings.HasSuffix(base, "pom.xml"):
			pomNames = append(pomNames, n)
		}
	}
	if len(manifests) > 1 {
		return nil, fmt.Errorf("%d manifests in one archive", len(manifests))
	}
	if len(manifests) == 1 {
		b, err := s.read(files[manifests[0]], maxMetaSize)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", manifests[0], err)
		}
		if m, err := ParseManifest(b); err == nil {
			a.manifest = m
		}
	}
	// Without a manifest syft reports no package of the archive itself, nor
	// of its pom files: their contents matter only with one.
	if a.manifest != nil {
		s.readPoms(a, files, propsNames, pomNames)
		if a.manifest.Main.value("Main-Class") != "" && len(versionProps) == 1 {
			if b, err := s.read(files[versionProps[0]], maxMetaSize); err == nil {
				a.versionProps = b
			}
		}
	}
	pkgs := a.identify()

	for _, n := range names {
		if !isArchiveName(n) {
			continue
		}
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		what := vpath + ":" + n
		if depth >= maxDepth {
			s.skip(what, fmt.Errorf("nested deeper than %d archives", maxDepth))
			continue
		}
		if s.archives >= maxArchives {
			s.skip(what, fmt.Errorf("more than %d nested archives", maxArchives))
			break
		}
		s.archives++
		b, err := s.read(files[n], maxNestedSize)
		if err != nil {
			s.skip(what, err)
			if errors.Is(err, errBudget) {
				break
			}
			continue
		}
		nested, err := s.archive(bytes.NewReader(b), int64(len(b)), what, what, depth+1)
		if err != nil {
			if ctxErr := s.ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			s.skip(what, err)
			continue
		}
		pkgs = append(pkgs, nested...)
	}
	return pkgs, nil
}

// readPoms reads the pom.properties files that name an artifact and version,
// and the pom.xml files, keyed by directory; unparseable ones are ignored
// as syft ignores them.
func (s *scan) readPoms(a *archiveContents, files map[string]*zip.File, propsNames, pomNames []string) {
	for _, n := range propsNames {
		b, err := s.read(files[n], maxMetaSize)
		if err != nil {
			s.skip(a.vpath+":"+n, err)
			continue
		}
		pp, err := ParsePomProperties(b)
		if err != nil || pp.ArtifactID == "" || pp.Version == "" {
			continue
		}
		pp.Path = n
		a.props[path.Dir(n)] = *pp
	}
	for _, n := range pomNames {
		b, err := s.read(files[n], maxMetaSize)
		if err != nil {
			s.skip(a.vpath+":"+n, err)
			continue
		}
		proj, err := ParsePomXML(b)
		if err != nil {
			continue
		}
		proj.Path = n
		a.projects[path.Dir(n)] = proj
	}
}
