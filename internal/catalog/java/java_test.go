package java

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/catalog/catalogtest"
)

// entries are the files of an archive to build, by entry name.
type entries map[string][]byte

// zipOf builds a zip archive of es, in name order.
func zipOf(t testing.TB, es entries) []byte {
	t.Helper()
	names := make([]string, 0, len(es))
	for n := range es {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		f, err := w.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(es[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// contentsOf returns the files under testdata/archives/<dir> as entries,
// plus extra.
func contentsOf(t testing.TB, dir string, extra entries) entries {
	t.Helper()
	root := filepath.Join("testdata", "archives", dir)
	es := entries{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		es[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range extra {
		es[n] = b
	}
	return es
}

// tree writes files (image path to bytes) under a temporary root.
func tree(t testing.TB, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for p, b := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestGolden(t *testing.T) {
	commonsLang := zipOf(t, contentsOf(t, "commons-lang3-3.12.0", nil))
	guava := zipOf(t, contentsOf(t, "guava-31.1-jre", nil))
	aopalliance := zipOf(t, contentsOf(t, "aopalliance-1.0", nil))
	war := zipOf(t, contentsOf(t, "spring-petclinic-2.7.3", entries{
		"WEB-INF/classes/application.properties": []byte("database=h2\n"),
		"WEB-INF/lib/commons-lang3-3.12.0.jar":   commonsLang,
		"WEB-INF/lib/guava-31.1-jre.jar":         guava,
	}))
	ear := zipOf(t, entries{
		"META-INF/MANIFEST.MF":         []byte("Manifest-Version: 1.0\r\nCreated-By: Maven EAR Plugin 3.3.0\r\nBuild-Jdk-Spec: 17\r\n\r\n"),
		"petclinic.war":                war,
		"lib/aopalliance-1.0.jar":      aopalliance,
		"lib/commons-lang3-3.12.0.jar": commonsLang,
	})
	for name, files := range map[string]map[string][]byte{
		// Debian's jars under their installed names, and an application lib.
		"jars": {
			"usr/share/java/commons-lang3.jar":   commonsLang,
			"usr/share/java/aopalliance-1.0.jar": aopalliance,
			"opt/app/lib/guava-31.1-jre.jar":     guava,
		},
		// A web application whose own pom.properties does not match its
		// deployed file name, with two libraries.
		"war": {"usr/local/tomcat/webapps/petclinic.war": war},
		// Three levels: ear, war, jar.
		"ear": {"opt/jboss/standalone/deployments/store.ear": ear},
	} {
		t.Run(name, func(t *testing.T) {
			got := catalogtest.Run(t, Cataloger{}, tree(t, files))
			catalogtest.Golden(t, "testdata/"+name+".golden.json", got)
		})
	}
}

// found is the part of a package the identity tests compare.
type found struct {
	Name, Version, PURL, Path string
	Jenkins                   bool
}

func catalogBytes(t *testing.T, p string, b []byte) ([]found, error) {
	t.Helper()
	s := &scan{ctx: context.Background(), budget: maxDecompressed}
	pkgs, err := s.archive(bytes.NewReader(b), int64(len(b)), p, "", 0)
	if err == nil && len(s.skipped) > 0 {
		err = errors.New(strings.Join(s.skipped, "; "))
	}
	var out []found
	for _, pk := range pkgs {
		if pk.name == "" {
			continue
		}
		out = append(out, found{pk.name, pk.version, pk.purl(), pk.location, pk.jenkins})
	}
	return out, err
}

// TestIdentity checks how packages are named from a manifest, Maven
// metadata and the file name. The expectations are what syft v1.57.0
// reports for the same archives.
func TestIdentity(t *testing.T) {
	guavaPom, err := os.ReadFile("testdata/archives/guava-31.1-jre/META-INF/maven/com.google.guava/guava/pom.xml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := []byte("Manifest-Version: 1.0\r\nCreated-By: 17.0.5+8-Debian-2 (Debian)\r\n\r\n")
	for _, tc := range []struct {
		name    string
		path    string
		entries entries
		want    []found
	}{
		{
			name:    "no manifest: nothing, even with a pom.properties",
			path:    "app/lib/a-1.0.jar",
			entries: entries{"META-INF/maven/g/a/pom.properties": []byte("groupId=g\nartifactId=a\nversion=1.0\n")},
		},
		{
			name: "New Relic weaving jar is skipped",
			path: "newrelic/instrumentation/spring-4.0.0.jar",
			entries: entries{
				"META-INF/MANIFEST.MF":                   []byte("Manifest-Version: 1.0\nWeave-Classes: org.springframework.Foo\nImplementation-Version: 1.0\n"),
				"META-INF/maven/g/spring/pom.properties": []byte("groupId=g\nartifactId=spring\nversion=4.0.0\n"),
			},
		},
		{
			name:    "file name only",
			path:    "opt/tools/foo-bar-1.2.3.jar",
			entries: entries{"META-INF/MANIFEST.MF": manifest},
			want:    []found{{Name: "foo-bar", Version: "1.2.3", PURL: "pkg:maven/foo-bar/foo-bar@1.2.3"}},
		},
		{
			name: "maven bundle plugin symbolic name and manifest version",
			path: "opt/thing.jar",
			entries: entries{"META-INF/MANIFEST.MF": []byte("Manifest-Version: 1.0\nCreated-By: Apache Maven Bundle Plugin\n" +
				"Bundle-SymbolicName: org.example.widget\nImplementation-Version: 2.0\n")},
			want: []found{{Name: "widget", Version: "2.0", PURL: "pkg:maven/org.example.widget/widget@2.0"}},
		},
		{
			name: "shaded dependency is a package of its own",
			path: "opt/app/tool-3.1.jar",
			entries: entries{
				"META-INF/MANIFEST.MF":                             manifest,
				"META-INF/maven/com.example/tool/pom.properties":   []byte("groupId=com.example\nartifactId=tool\nversion=3.1\n"),
				"META-INF/maven/org.yaml/snakeyaml/pom.properties": []byte("#Generated by Maven\ngroupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n"),
				"META-INF/maven/org.broken/nover/pom.properties":   []byte("groupId=org.broken\nartifactId=nover\n"),
				"META-INF/maven/org.broken/garbage/pom.properties": []byte("not a property line\n"),
			},
			want: []found{
				{Name: "tool", Version: "3.1", PURL: "pkg:maven/com.example/tool@3.1"},
				{Name: "snakeyaml", Version: "1.33", PURL: "pkg:maven/org.yaml/snakeyaml@1.33"},
			},
		},
		{
			name: "a single pom.xml names the archive",
			path: "opt/guava.jar",
			entries: entries{
				"META-INF/MANIFEST.MF":                          manifest,
				"META-INF/maven/com.google.guava/guava/pom.xml": guavaPom,
			},
			want: []found{{Name: "guava", Version: "31.1-jre", PURL: "pkg:maven/com.google.guava/guava@31.1-jre"}},
		},
		{
			name: "pom.xml properties and parent inheritance",
			path: "opt/svc.jar",
			entries: entries{
				"META-INF/MANIFEST.MF": manifest,
				"META-INF/maven/x/svc/pom.xml": []byte(`<project><parent><groupId>org.acme</groupId><artifactId>parent</artifactId><version>7</version></parent>` +
					`<artifactId>svc-${suffix}</artifactId><properties><suffix>core</suffix></properties></project>`),
			},
			want: []found{{Name: "svc-core", Version: "7", PURL: "pkg:maven/org.acme/svc-core@7"}},
		},
		{
			name: "executable jar without Maven metadata: version.properties",
			path: "app/metabase.jar",
			entries: entries{
				"META-INF/MANIFEST.MF": []byte("Manifest-Version: 1.0\nMain-Class: metabase.bootstrap\n"),
				"version.properties":   []byte("tag=v0.47.2\nhash=3d59fe5\n"),
			},
			want: []found{{Name: "metabase", Version: "0.47.2", PURL: "pkg:maven/metabase/metabase@0.47.2"}},
		},
		{
			name: "Jenkins plugin",
			path: "var/jenkins_home/plugins/git-client.jpi",
			entries: entries{
				"META-INF/MANIFEST.MF": []byte("Manifest-Version: 1.0\nShort-Name: git-client\nPlugin-Version: 4.1.0\nGroup-Id: org.jenkins-ci.plugins\n"),
			},
			want: []found{{Name: "git-client", Version: "4.1.0", PURL: "pkg:maven/org.jenkins-ci.plugins/git-client@4.1.0", Jenkins: true}},
		},
		{
			name: "nested archives, at any path",
			path: "srv/app.war",
			entries: entries{
				"META-INF/MANIFEST.MF":           manifest,
				"WEB-INF/lib/b-2.0.jar":          zipOf(t, entries{"META-INF/MANIFEST.MF": manifest}),
				"plugins/c-3.0.jar":              zipOf(t, entries{"META-INF/MANIFEST.MF": manifest, "lib/d-4.0.jar": zipOf(t, entries{"META-INF/MANIFEST.MF": manifest})}),
				"WEB-INF/lib/no-manifest-5.jar":  zipOf(t, entries{"x.class": nil}),
				"WEB-INF/lib/readme-for-jar.txt": []byte("x"),
			},
			want: []found{
				{Name: "app", PURL: "pkg:maven/app/app"},
				{Name: "b", Version: "2.0", PURL: "pkg:maven/b/b@2.0", Path: "srv/app.war:WEB-INF/lib/b-2.0.jar"},
				{Name: "c", Version: "3.0", PURL: "pkg:maven/c/c@3.0", Path: "srv/app.war:plugins/c-3.0.jar"},
				{Name: "d", Version: "4.0", PURL: "pkg:maven/d/d@4.0", Path: "srv/app.war:plugins/c-3.0.jar:lib/d-4.0.jar"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := catalogBytes(t, tc.path, zipOf(t, tc.entries))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTwoManifestsIsAnError(t *testing.T) {
	b := zipOf(t, entries{"META-INF/MANIFEST.MF": []byte("A: b\n"), "/META-INF/MANIFEST.MF": []byte("A: b\n")})
	if _, err := catalogBytes(t, "x.jar", b); err == nil {
		t.Fatal("no error for an archive with two manifests")
	}
}

func TestNotAZip(t *testing.T) {
	in := catalog.Input{Path: "a.jar", Size: 5, Content: bytes.NewReader([]byte("hello"))}
	if _, err := (Cataloger{}).Catalog(context.Background(), in); err == nil || !strings.Contains(err.Error(), `"a.jar"`) {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
}

func TestRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/share/java/guava.jar":       true,
		"opt/app.war":                    true,
		"opt/app.ear":                    true,
		"var/jenkins_home/plugins/g.jpi": true,
		"var/jenkins_home/plugins/g.hpi": true,
		"opt/APP.JAR":                    false,
		"opt/jar":                        false,
		"opt/app.jar.sha1":               false,
		"usr/lib/x.zip":                  false,
	} {
		if got := (Cataloger{}).Required(p, 0o644, 10); got != want {
			t.Errorf("Required(%q) = %v, want %v", p, got, want)
		}
	}
	if (Cataloger{}).Required("a.jar", fs.ModeSymlink, 10) {
		t.Error("a symlink is required")
	}
}

// nest wraps a jar in n more jars, each with a manifest.
func nest(t *testing.T, n int) []byte {
	b := zipOf(t, entries{"META-INF/MANIFEST.MF": []byte("Implementation-Version: 1\n")})
	for i := n; i > 0; i-- {
		b = zipOf(t, entries{"META-INF/MANIFEST.MF": []byte("Implementation-Version: 1\n"), "lib/l" + string(rune('0'+i)) + ".jar": b})
	}
	return b
}

func TestDepthLimit(t *testing.T) {
	b := nest(t, maxDepth+2)
	in := catalog.Input{Path: "top.jar", Size: int64(len(b)), Content: bytes.NewReader(b)}
	res, err := (Cataloger{}).Catalog(context.Background(), in)
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("err = %v, want the depth limit reported", err)
	}
	if got, want := len(res.Packages), maxDepth+1; got != want {
		t.Errorf("%d packages, want %d (the file and %d levels)", got, want, maxDepth)
	}
}

// lyingEntry builds a zip whose one entry declares declared uncompressed
// bytes but inflates to actual.
func lyingEntry(t *testing.T, name string, declared uint64, actual []byte) []byte {
	var deflated bytes.Buffer
	zw := zip.NewWriter(&deflated)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(actual); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	hw, err := w.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(actual),
		CompressedSize64: zr.File[0].CompressedSize64, UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(hw, raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// zipDeclaring builds a zip of es plus an empty stored entry name that
// declares declared uncompressed bytes.
func zipDeclaring(t *testing.T, es entries, name string, declared uint64) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range slices.Sorted(maps.Keys(es)) {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(es[n]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, UncompressedSize64: declared}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipBombs(t *testing.T) {
	good := zipOf(t, entries{"META-INF/MANIFEST.MF": []byte("Implementation-Version: 1\n")})

	t.Run("nested archive over the size limit", func(t *testing.T) {
		// The size check is made on the declared size, before inflating.
		b := zipDeclaring(t, entries{"META-INF/MANIFEST.MF": []byte("A: b\n"), "lib/ok-2.jar": good}, "lib/big-1.jar", maxNestedSize+1)
		got, err := catalogBytes(t, "app-1.jar", b)
		if err == nil || !strings.Contains(err.Error(), "over the limit") {
			t.Fatalf("err = %v, want the size limit reported", err)
		}
		if want := []found{
			{Name: "app", Version: "1", PURL: "pkg:maven/app/app@1"},
			{Name: "ok", Version: "2", PURL: "pkg:maven/ok/ok@2", Path: "app-1.jar:lib/ok-2.jar"},
		}; !cmp.Equal(want, got) {
			t.Errorf("packages (-want +got):\n%s", cmp.Diff(want, got))
		}
	})

	t.Run("entry inflating past its declared size", func(t *testing.T) {
		b := lyingEntry(t, "META-INF/MANIFEST.MF", 10, bytes.Repeat([]byte("Implementation-Version: 1\n"), 1<<16))
		if _, err := catalogBytes(t, "x.jar", b); err == nil {
			t.Fatal("no error for an entry larger than declared")
		}
	})

	t.Run("decompression budget", func(t *testing.T) {
		var es = entries{"META-INF/MANIFEST.MF": []byte("A: b\n")}
		rnd := rand.New(rand.NewPCG(1, 2))
		for i := range 8 {
			pad := make([]byte, 1<<20) // incompressible: the nested jar is as large as its contents
			for j := range pad {
				pad[j] = byte(rnd.Uint32())
			}
			es["lib/l"+string(rune('a'+i))+"-1.jar"] = zipOf(t, entries{"META-INF/MANIFEST.MF": []byte("A: b\n"), "pad": pad})
		}
		b := zipOf(t, es)
		s := &scan{ctx: context.Background(), budget: 3 << 20}
		pkgs, err := s.archive(bytes.NewReader(b), int64(len(b)), "x-1.jar", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.skipped) == 0 || !strings.Contains(strings.Join(s.skipped, ";"), errBudget.Error()) {
			t.Errorf("skipped = %q, want the budget reported", s.skipped)
		}
		if len(pkgs) >= 9 {
			t.Errorf("%d packages: the budget did not stop the walk", len(pkgs))
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		in := catalog.Input{Path: "a.jar", Size: int64(len(good)), Content: bytes.NewReader(good)}
		if _, err := (Cataloger{}).Catalog(ctx, in); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseArchiveFilename(t *testing.T) {
	// The examples of syft's file-name pattern, and common shapes.
	for in, want := range map[string]archiveFilename{
		"some-package-4.0.1.jar":         {name: "some-package", version: "4.0.1", ext: "jar"},
		"prefix.thing-4.jar":             {name: "prefix.thing", version: "4", ext: "jar"},
		"my-http2-server-5.jar":          {name: "my-http2-server", version: "5", ext: "jar"},
		"jetpack-build235-rc5.jar":       {name: "jetpack", version: "build235-rc5", ext: "jar"},
		"ironman-r4-2009.jar":            {name: "ironman-r4", version: "2009", ext: "jar"}, // so syft's pattern splits it (its comment says otherwise)
		"guava-31.1-jre.jar":             {name: "guava", version: "31.1-jre", ext: "jar"},
		"commons-lang3.jar":              {name: "commons-lang3", ext: "jar"},
		"lib/jsr305_3.0.2.jar":           {name: "jsr305", version: "3.0.2", ext: "jar"},
		"/a/b/git-client.hpi":            {name: "git-client", ext: "hpi"},
		"spring-core-5.3.20.RELEASE.war": {name: "spring-core", version: "5.3.20.RELEASE", ext: "war"},
	} {
		if got := parseArchiveFilename(in); got != want {
			t.Errorf("parseArchiveFilename(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestParseManifest(t *testing.T) {
	m, err := ParseManifest([]byte("Manifest-Version: 1.0\r\nBundle-Description: a long\r\n  line\r\nno colon here\r\n\r\n" +
		" orphan continuation\r\nName: org/x/\r\nImplementation-Version: 9\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		Main:     Section{{"Manifest-Version", "1.0"}, {"Bundle-Description", "a longline"}},
		Sections: []Section{{{"Name", "org/x/"}, {"Implementation-Version", "9"}}},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	if got := m.field("Implementation-Version"); got != "9" {
		t.Errorf("field from a later section = %q, want 9", got)
	}
	if _, err := ParseManifest(append([]byte("A: "), bytes.Repeat([]byte("x"), maxManifestLine+1)...)); err == nil {
		t.Error("no error for a line over the limit")
	}
}

func FuzzParseManifest(f *testing.F) {
	for _, p := range []string{"commons-lang3-3.12.0", "guava-31.1-jre", "aopalliance-1.0"} {
		b, _ := os.ReadFile(filepath.Join("testdata/archives", p, "META-INF/MANIFEST.MF"))
		f.Add(b)
	}
	f.Add([]byte(" x\n\n:\nA:\n  b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		for _, s := range append([]Section{m.Main}, m.Sections...) {
			for _, kv := range s {
				if kv.Key == "" {
					t.Fatalf("empty key in %+v", s)
				}
			}
		}
		_ = selectName(m, parseArchiveFilename("x-1.jar"))
		_ = groupIDFromManifest(m)
	})
}

func FuzzParsePomProperties(f *testing.F) {
	b, _ := os.ReadFile("testdata/archives/guava-31.1-jre/META-INF/maven/com.google.guava/guava/pom.properties")
	f.Add(b)
	f.Add([]byte("GROUPID=a\nartifactid:b\n# c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParsePomProperties(b)
	})
}

func FuzzParsePomXML(f *testing.F) {
	b, _ := os.ReadFile("testdata/archives/guava-31.1-jre/META-INF/maven/com.google.guava/guava/pom.xml")
	f.Add(b)
	f.Add([]byte(`<project><version>${a}</version><properties><a>${b}</a><b>${a}</b></properties></project>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParsePomXML(b)
	})
}

func FuzzCatalog(f *testing.F) {
	f.Add(zipOf(f, contentsOf(f, "guava-31.1-jre", nil)))
	f.Add(zipOf(f, entries{"META-INF/MANIFEST.MF": []byte("A: b\n"), "lib/x-1.jar": zipOf(f, entries{"META-INF/MANIFEST.MF": []byte("A: b\n")})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := catalog.Input{Path: "f-1.jar", Size: int64(len(b)), Content: bytes.NewReader(b)}
		res, _ := (Cataloger{}).Catalog(context.Background(), in)
		for _, p := range res.Packages {
			if p.Name == "" || p.PURL == "" {
				t.Fatalf("package without a name or PURL: %+v", p)
			}
		}
	})
}
