// Command peerdata derives the input data of the peer scanners' offline
// databases (grype, trivy, osv-scanner) from ../shared/data, so that all
// three peers (and Vigil) judge images against the same upstream records.
//
//	go run ./bench/peers/peerdata -data ../shared/data -out .cache/peers/src
//
// It writes, under -out:
//
//	osv/osv-scalibr/<Ecosystem>/all.zip  osv-scanner --local-db-path layout
//	                                      (Go, npm, PyPI, crates.io, Alpine, Debian)
//	grype/<provider>/results/*.json       vunnel-style provider workspaces
//	                                      (govulndb, github, alpine, debian);
//	                                      bench/peers/grypedb adds metadata and listings
//	trivy/govulndb/data/osv/*.json        trivy-db build --cache-dir layout
//	trivy/vuln-list/alpine/<rel>/<repo>/<pkg>.json
//	trivy/ghsa/advisories/github-reviewed/<GHSA>/<GHSA>.json
//	trivy/cocoapods-specs/Specs/          (empty; trivy-db's ghsa source walks it)
//	SUMMARY.tsv                           record counts per output
//
// The conversions are documented in bench/peers/README.md.
package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	osvSchema    = "schema/vulnerability/osv/schema-1.6.1.json"
	osSchema     = "schema/vulnerability/os/schema-1.1.0.json"
	githubSchema = "schema/vulnerability/github-security-advisory/schema-1.0.1.json"
)

func main() {
	dataDir := flag.String("data", "../shared/data", "shared data folder")
	outDir := flag.String("out", ".cache/peers/src", "output folder (replaced)")
	flag.Parse()
	if err := run(*dataDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "peerdata:", err)
		os.Exit(1)
	}
}

// record is one OSV record: its raw JSON (as published, or converted from
// YAML) and the fields the converters need.
type record struct {
	raw []byte
	osv osvRecord
}

type osvRecord struct {
	ID        string   `json:"id"`
	Modified  string   `json:"modified,omitempty"`
	Published string   `json:"published,omitempty"`
	Withdrawn string   `json:"withdrawn,omitempty"`
	Aliases   []string `json:"aliases,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	Details   string   `json:"details,omitempty"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity,omitempty"`
	Affected         []osvAffected   `json:"affected"`
	References       []osvReference  `json:"references,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

type osvAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges   []osvRange `json:"ranges,omitempty"`
	Versions []string   `json:"versions,omitempty"`
}

type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

type osvReference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type summary struct{ lines []string }

func (s *summary) add(format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	s.lines = append(s.lines, line)
	fmt.Println(line)
}

func run(dataDir, outDir string) error {
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	sum := &summary{}
	sum.add("output\trecords")

	goRecs, err := loadJSONDir(filepath.Join(dataDir, "osv/go"), "*.json")
	if err != nil {
		return err
	}
	npmRecs, err := loadJSONDir(filepath.Join(dataDir, "osv/npm-ghsa-sample"), "*.json")
	if err != nil {
		return err
	}
	pypiRecs, err := loadYAMLDir(filepath.Join(dataDir, "osv/pypi/vulns"))
	if err != nil {
		return err
	}
	crateRecs, err := loadJSONDir(filepath.Join(dataDir, "osv/crates.io/crates"), "*.json")
	if err != nil {
		return err
	}
	alpine, err := loadAlpine(filepath.Join(dataDir, "distro/alpine-secdb/alpine"))
	if err != nil {
		return err
	}
	debian, err := loadDebian(filepath.Join(dataDir, "distro/debian-security-tracker/data"))
	if err != nil {
		return err
	}

	// osv-scanner: one zip of OSV JSON per ecosystem.
	osvDir := filepath.Join(outDir, "osv", "osv-scalibr")
	alpineOSV := alpineToOSV(alpine)
	debianOSV := debianToOSV(debian)
	for _, z := range []struct {
		eco  string
		recs []record
	}{
		{"Go", goRecs}, {"npm", npmRecs}, {"PyPI", pypiRecs}, {"crates.io", crateRecs},
		{"Alpine", alpineOSV}, {"Debian", debianOSV},
	} {
		if err := writeZip(filepath.Join(osvDir, z.eco, "all.zip"), z.recs); err != nil {
			return err
		}
		sum.add("osv-scanner %s/all.zip\t%d", z.eco, len(z.recs))
	}

	// grype: vunnel-style provider workspaces.
	gDir := filepath.Join(outDir, "grype")
	n, err := writeEnvelopes(filepath.Join(gDir, "govulndb", "results"), osvSchema, goRecs, func(r record) (string, any) {
		return r.osv.ID, json.RawMessage(r.raw)
	})
	if err != nil {
		return err
	}
	sum.add("grype govulndb (osv schema)\t%d", n)
	var ghRecs []record
	ghRecs = append(ghRecs, npmRecs...)
	ghRecs = append(ghRecs, pypiRecs...)
	ghRecs = append(ghRecs, crateRecs...)
	n, err = writeGitHubEnvelopes(filepath.Join(gDir, "github", "results"), ghRecs)
	if err != nil {
		return err
	}
	sum.add("grype github (github-security-advisory schema: npm GHSA, PyPI PYSEC, crates RUSTSEC)\t%d", n)
	n, err = writeOSEnvelopes(filepath.Join(gDir, "alpine", "results"), alpineToOS(alpine))
	if err != nil {
		return err
	}
	sum.add("grype alpine (os schema)\t%d", n)
	n, err = writeOSEnvelopes(filepath.Join(gDir, "debian", "results"), debianToOS(debian))
	if err != nil {
		return err
	}
	sum.add("grype debian (os schema, from DSA/DLA lists)\t%d", n)

	// trivy-db: Go vulndb layout, vuln-list alpine, GHSA advisory-database layout.
	tDir := filepath.Join(outDir, "trivy")
	for _, r := range goRecs {
		if err := writeFile(filepath.Join(tDir, "govulndb/data/osv", r.osv.ID+".json"), r.raw); err != nil {
			return err
		}
	}
	sum.add("trivy govulndb/data/osv\t%d", len(goRecs))
	for _, f := range alpine {
		for _, p := range f.packages {
			b, err := json.MarshalIndent(map[string]any{
				"name":          p.name,
				"secfixes":      p.secfixes,
				"apkurl":        f.apkurl,
				"archs":         f.archs,
				"urlprefix":     f.urlprefix,
				"reponame":      f.reponame,
				"distroversion": f.distroversion,
			}, "", "  ")
			if err != nil {
				return err
			}
			if err := writeFile(filepath.Join(tDir, "vuln-list/alpine", strings.TrimPrefix(f.distroversion, "v"), f.reponame, p.name+".json"), b); err != nil {
				return err
			}
		}
	}
	sum.add("trivy vuln-list/alpine package files\t%d", countAlpinePackages(alpine))
	for _, r := range npmRecs {
		if err := writeFile(filepath.Join(tDir, "ghsa/advisories/github-reviewed", r.osv.ID, r.osv.ID+".json"), r.raw); err != nil {
			return err
		}
	}
	sum.add("trivy ghsa/advisories/github-reviewed (npm sample)\t%d", len(npmRecs))
	if err := os.MkdirAll(filepath.Join(tDir, "cocoapods-specs/Specs"), 0o755); err != nil {
		return err
	}
	return writeFile(filepath.Join(outDir, "SUMMARY.tsv"), []byte(strings.Join(sum.lines, "\n")+"\n"))
}

// ---------------------------------------------------------------- OSV input

func loadJSONDir(dir, pattern string) ([]record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no %s in %s", pattern, dir)
	}
	sort.Strings(paths)
	recs := make([]record, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r record
		r.raw = b
		if err := json.Unmarshal(b, &r.osv); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// loadYAMLDir reads OSV records written as YAML (PyPA advisory database) and
// re-encodes them as JSON. Scalars are kept as the strings they are written
// as (so versions such as 1.10 stay "1.10"), except booleans and nulls.
func loadYAMLDir(dir string) ([]record, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	recs := make([]record, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		v, err := yamlValue(doc.Content[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		raw, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		var r record
		r.raw = raw
		if err := json.Unmarshal(raw, &r.osv); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
}

func writeZip(path string, recs []record) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	seen := map[string]bool{}
	for _, r := range recs {
		name := r.osv.ID + ".json"
		if seen[name] {
			return fmt.Errorf("%s: duplicate record %s", path, r.osv.ID)
		}
		seen[name] = true
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return err
		}
		if _, err := w.Write(r.raw); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// ---------------------------------------------------------------- Alpine

type alpineFile struct {
	distroversion, reponame, apkurl, urlprefix string
	archs                                      []string
	packages                                   []alpinePackage
}

type alpinePackage struct {
	name     string
	secfixes map[string][]string
}

func loadAlpine(dir string) ([]alpineFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no secdb files in %s", dir)
	}
	sort.Strings(paths)
	var out []alpineFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Apkurl        string   `json:"apkurl"`
			Archs         []string `json:"archs"`
			Reponame      string   `json:"reponame"`
			Urlprefix     string   `json:"urlprefix"`
			Distroversion string   `json:"distroversion"`
			Packages      []struct {
				Pkg struct {
					Name     string              `json:"name"`
					Secfixes map[string][]string `json:"secfixes"`
				} `json:"pkg"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		f := alpineFile{distroversion: doc.Distroversion, reponame: doc.Reponame, apkurl: doc.Apkurl, urlprefix: doc.Urlprefix, archs: doc.Archs}
		if f.distroversion == "" {
			f.distroversion = filepath.Base(filepath.Dir(p))
		}
		if f.reponame == "" {
			f.reponame = strings.TrimSuffix(filepath.Base(p), ".json")
		}
		for _, pk := range doc.Packages {
			f.packages = append(f.packages, alpinePackage{name: pk.Pkg.Name, secfixes: pk.Pkg.Secfixes})
		}
		out = append(out, f)
	}
	return out, nil
}

func countAlpinePackages(files []alpineFile) int {
	n := 0
	for _, f := range files {
		n += len(f.packages)
	}
	return n
}

// alpineRelease turns "v3.10" into "3.10" (and keeps "edge").
func alpineRelease(distroversion string) string { return strings.TrimPrefix(distroversion, "v") }

// secfixIDs splits one secfixes entry ("CVE-2017-2616 (+ regression fix)",
// "CVE-2024-22195 GHSA-h5c8-rqwp-cp95") into its CVE identifiers, the way
// vunnel's alpine provider does (whitespace split, CVE-* only).
func secfixIDs(entry string) []string {
	var ids []string
	for _, f := range strings.Fields(entry) {
		if strings.HasPrefix(f, "CVE-") {
			ids = append(ids, f)
		}
	}
	return ids
}

type distroFix struct {
	release, pkg, version string
}

// alpineFixes lists every (CVE, release, package, fixed version) of the secdb,
// in a stable order; version "0" means "not affected" in Alpine's secdb.
func alpineFixes(files []alpineFile) (map[string][]distroFix, []string) {
	byCVE := map[string][]distroFix{}
	for _, f := range files {
		rel := alpineRelease(f.distroversion)
		for _, p := range f.packages {
			vers := make([]string, 0, len(p.secfixes))
			for v := range p.secfixes {
				vers = append(vers, v)
			}
			sort.Strings(vers)
			for _, v := range vers {
				seen := map[string]bool{}
				for _, e := range p.secfixes[v] {
					for _, id := range secfixIDs(e) {
						if seen[id] {
							continue
						}
						seen[id] = true
						byCVE[id] = append(byCVE[id], distroFix{release: rel, pkg: p.name, version: v})
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(byCVE))
	for id := range byCVE {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return byCVE, ids
}

// alpineToOSV makes one OSV record per CVE (id = the CVE id), with one
// affected entry per (release, package): ecosystem "Alpine:v3.x", range
// ECOSYSTEM introduced 0 / fixed <version>. Entries fixed in "0" (not
// affected) are skipped.
func alpineToOSV(files []alpineFile) []record {
	byCVE, ids := alpineFixes(files)
	var out []record
	for _, id := range ids {
		var affected []map[string]any
		for _, fx := range byCVE[id] {
			if fx.version == "0" {
				continue
			}
			eco := "Alpine:v" + fx.release
			if fx.release == "edge" {
				eco = "Alpine:edge"
			}
			affected = append(affected, osvAffectedJSON(eco, fx.pkg, fx.version))
		}
		if len(affected) == 0 {
			continue
		}
		out = append(out, osvJSON(id, nil, "", affected, "Alpine secdb (distro/alpine-secdb, 2024-12-31)"))
	}
	return out
}

func osvAffectedJSON(eco, pkg, fixed string) map[string]any {
	return map[string]any{
		"package": map[string]string{"ecosystem": eco, "name": pkg},
		"ranges": []map[string]any{{
			"type":   "ECOSYSTEM",
			"events": []map[string]string{{"introduced": "0"}, {"fixed": fixed}},
		}},
	}
}

func osvJSON(id string, aliases []string, published string, affected []map[string]any, source string) record {
	doc := map[string]any{
		"schema_version":    "1.6.1",
		"id":                id,
		"modified":          "1970-01-01T00:00:00Z",
		"affected":          affected,
		"database_specific": map[string]string{"source": source},
	}
	if len(aliases) > 0 {
		doc["aliases"] = aliases
	}
	if published != "" {
		doc["published"] = published
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // plain maps of strings cannot fail to encode
	}
	var r record
	r.raw = raw
	if err := json.Unmarshal(raw, &r.osv); err != nil {
		panic(err)
	}
	return r
}

// osItem is a vunnel "os" schema record (the shape grype's OS transformer reads).
type osItem struct {
	Vulnerability osVuln `json:"Vulnerability"`
}

type osVuln struct {
	Name          string       `json:"Name"`
	NamespaceName string       `json:"NamespaceName"`
	Link          string       `json:"Link"`
	Severity      string       `json:"Severity"`
	Description   string       `json:"Description"`
	CVSS          []any        `json:"CVSS"`
	FixedIn       []osFixedIn  `json:"FixedIn"`
	Metadata      osVulnMetada `json:"Metadata"`
}

type osVulnMetada struct {
	Issued string `json:"Issued,omitempty"`
}

type osFixedIn struct {
	Name           string `json:"Name"`
	NamespaceName  string `json:"NamespaceName"`
	Version        string `json:"Version"`
	VersionFormat  string `json:"VersionFormat"`
	VendorAdvisory struct {
		AdvisorySummary []osAdvisory `json:"AdvisorySummary"`
		NoAdvisory      bool         `json:"NoAdvisory"`
	} `json:"VendorAdvisory"`
}

type osAdvisory struct {
	ID   string `json:"ID"`
	Link string `json:"Link"`
}

type osEnvelope struct {
	identifier string
	item       osItem
}

// alpineToOS mirrors vunnel's alpine provider: one record per (release, CVE),
// namespace "alpine:<release>", FixedIn per package, version "0" kept (grype
// treats it as "not affected").
func alpineToOS(files []alpineFile) []osEnvelope {
	byCVE, ids := alpineFixes(files)
	byRel := map[string]map[string]*osItem{}
	for _, id := range ids {
		for _, fx := range byCVE[id] {
			ns := "alpine:" + fx.release
			if byRel[fx.release] == nil {
				byRel[fx.release] = map[string]*osItem{}
			}
			it := byRel[fx.release][id]
			if it == nil {
				it = &osItem{Vulnerability: osVuln{Name: id, NamespaceName: ns, Severity: "Unknown", CVSS: []any{},
					Link: "https://www.cve.org/CVERecord?id=" + id}}
				byRel[fx.release][id] = it
			}
			var fi osFixedIn
			fi.Name, fi.NamespaceName, fi.Version, fi.VersionFormat = fx.pkg, ns, fx.version, "apk"
			fi.VendorAdvisory.AdvisorySummary = []osAdvisory{}
			it.Vulnerability.FixedIn = append(it.Vulnerability.FixedIn, fi)
		}
	}
	return flattenOS(byRel)
}

func flattenOS(byRel map[string]map[string]*osItem) []osEnvelope {
	var out []osEnvelope
	rels := make([]string, 0, len(byRel))
	for r := range byRel {
		rels = append(rels, r)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		ids := make([]string, 0, len(byRel[rel]))
		for id := range byRel[rel] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			out = append(out, osEnvelope{identifier: rel + "/" + id, item: *byRel[rel][id]})
		}
	}
	return out
}

// ---------------------------------------------------------------- Debian

// debianSuites maps the security tracker's suite names to release numbers.
var debianSuites = map[string]string{
	"woody": "3.0", "sarge": "3.1", "etch": "4", "lenny": "5", "squeeze": "6", "wheezy": "7",
	"jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13",
}

type debianAdvisory struct {
	id, date string
	cves     []string
	fixes    []distroFix // release = Debian version number
}

var (
	dsaHeader = regexp.MustCompile(`^\[(\d{1,2} \w{3} \d{4})\] ((?:DSA|DLA)-[0-9]+(?:-[0-9]+)?) `)
	dsaCVEs   = regexp.MustCompile(`^\s+\{(.*)\}\s*$`)
	dsaFix    = regexp.MustCompile(`^\s+\[(\w+)\] - (\S+) (\S+)`)
)

// loadDebian parses data/DSA/list and data/DLA/list (security tracker text
// format). Lists are newest first; advisories are returned oldest first.
func loadDebian(dir string) ([]debianAdvisory, error) {
	var out []debianAdvisory
	for _, name := range []string{"DSA", "DLA"} {
		f, err := os.Open(filepath.Join(dir, name, "list"))
		if err != nil {
			return nil, err
		}
		var advs []debianAdvisory
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := dsaHeader.FindStringSubmatch(line); m != nil {
				d, err := time.Parse("2 Jan 2006", m[1])
				date := ""
				if err == nil {
					date = d.Format(time.RFC3339)
				}
				advs = append(advs, debianAdvisory{id: m[2], date: date})
				continue
			}
			if len(advs) == 0 {
				continue
			}
			cur := &advs[len(advs)-1]
			if m := dsaCVEs.FindStringSubmatch(line); m != nil {
				for _, c := range strings.Fields(m[1]) {
					if strings.HasPrefix(c, "CVE-") {
						cur.cves = append(cur.cves, c)
					}
				}
				continue
			}
			if m := dsaFix.FindStringSubmatch(line); m != nil {
				rel, ok := debianSuites[m[1]]
				if !ok || strings.HasPrefix(m[3], "<") {
					continue // unknown suite, <not-affected>, <unfixed>, ...
				}
				cur.fixes = append(cur.fixes, distroFix{release: rel, pkg: m[2], version: m[3]})
			}
		}
		_ = f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
		for i := len(advs) - 1; i >= 0; i-- {
			out = append(out, advs[i])
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no DSA/DLA advisories parsed")
	}
	return out, nil
}

type debianCVEFix struct {
	distroFix
	advisory, date string
}

// debianFixes gives, per CVE, the first advisory (oldest) fixing it per
// (release, source package).
func debianFixes(advs []debianAdvisory) (map[string][]debianCVEFix, []string) {
	byCVE := map[string][]debianCVEFix{}
	seen := map[string]bool{}
	for _, a := range advs {
		for _, c := range a.cves {
			for _, fx := range a.fixes {
				k := c + "|" + fx.release + "|" + fx.pkg
				if seen[k] {
					continue
				}
				seen[k] = true
				byCVE[c] = append(byCVE[c], debianCVEFix{distroFix: fx, advisory: a.id, date: a.date})
			}
		}
	}
	ids := make([]string, 0, len(byCVE))
	for id := range byCVE {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return byCVE, ids
}

// debianToOSV makes one OSV record per CVE (id = the CVE id), ecosystem
// "Debian:<n>", package = source package, fixed = the advisory's version.
func debianToOSV(advs []debianAdvisory) []record {
	byCVE, ids := debianFixes(advs)
	out := make([]record, 0, len(ids))
	for _, id := range ids {
		var affected []map[string]any
		var related []string
		for _, fx := range byCVE[id] {
			affected = append(affected, osvAffectedJSON("Debian:"+fx.release, fx.pkg, fx.version))
			related = append(related, fx.advisory)
		}
		out = append(out, osvJSON(id, nil, byCVE[id][0].date, affected, "Debian security tracker DSA/DLA lists ("+strings.Join(uniq(related), " ")+")"))
	}
	return out
}

func debianToOS(advs []debianAdvisory) []osEnvelope {
	byCVE, ids := debianFixes(advs)
	byRel := map[string]map[string]*osItem{}
	for _, id := range ids {
		for _, fx := range byCVE[id] {
			ns := "debian:" + fx.release
			if byRel[fx.release] == nil {
				byRel[fx.release] = map[string]*osItem{}
			}
			it := byRel[fx.release][id]
			if it == nil {
				it = &osItem{Vulnerability: osVuln{Name: id, NamespaceName: ns, Severity: "Unknown", CVSS: []any{},
					Link: "https://security-tracker.debian.org/tracker/" + id, Metadata: osVulnMetada{Issued: fx.date}}}
				byRel[fx.release][id] = it
			}
			var fi osFixedIn
			fi.Name, fi.NamespaceName, fi.Version, fi.VersionFormat = fx.pkg, ns, fx.version, "dpkg"
			fi.VendorAdvisory.AdvisorySummary = []osAdvisory{{ID: fx.advisory, Link: "https://security-tracker.debian.org/tracker/" + fx.advisory}}
			it.Vulnerability.FixedIn = append(it.Vulnerability.FixedIn, fi)
		}
	}
	return flattenOS(byRel)
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// ---------------------------------------------------------------- grype envelopes

func writeEnvelopes(dir, schema string, recs []record, item func(record) (string, any)) (int, error) {
	n := 0
	for _, r := range recs {
		id, it := item(r)
		b, err := json.Marshal(map[string]any{"schema": schema, "identifier": id, "item": it})
		if err != nil {
			return n, err
		}
		if err := writeFile(filepath.Join(dir, safeName(id)+".json"), b); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func writeOSEnvelopes(dir string, envs []osEnvelope) (int, error) {
	for _, e := range envs {
		b, err := json.Marshal(map[string]any{"schema": osSchema, "identifier": e.identifier, "item": e.item})
		if err != nil {
			return 0, err
		}
		if err := writeFile(filepath.Join(dir, safeName(e.identifier)+".json"), b); err != nil {
			return 0, err
		}
	}
	return len(envs), nil
}

func safeName(id string) string {
	return strings.NewReplacer("/", "__", ":", "_", " ", "_").Replace(strings.ToLower(id))
}

// GitHub-advisory ("github-security-advisory" schema) shape, as vunnel's
// github provider writes it.
type ghItem struct {
	Advisory ghAdvisory `json:"Advisory"`
}

type ghAdvisory struct {
	Classification string       `json:"Classification"`
	Severity       string       `json:"Severity"`
	CVSSSeverities []ghCVSS     `json:"cvss_severities,omitempty"`
	FixedIn        []ghFixedIn  `json:"FixedIn"`
	Summary        string       `json:"Summary"`
	URL            string       `json:"url"`
	CVE            []string     `json:"CVE"`
	Metadata       ghMetadata   `json:"Metadata"`
	GhsaID         string       `json:"ghsaId"`
	Published      string       `json:"published"`
	Updated        string       `json:"updated"`
	Withdrawn      *string      `json:"withdrawn"`
	Namespace      string       `json:"namespace"`
	References     []ghURLField `json:"references"`
}

type ghCVSS struct {
	Vector  string `json:"vector"`
	Version string `json:"version"`
}

type ghMetadata struct {
	CVE []string `json:"CVE"`
}

type ghURLField struct {
	URL string `json:"url"`
}

type ghFixedIn struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
	Ecosystem  string `json:"ecosystem"`
	Namespace  string `json:"namespace"`
	Range      string `json:"range"`
}

// grype's GitHub transformer keys package type and version format off this
// ecosystem name.
var ghEcosystems = map[string]string{"npm": "npm", "PyPI": "python", "crates.io": "rust", "Go": "go"}

var cvssVersion = regexp.MustCompile(`^CVSS:(\d\.\d)/`)

// writeGitHubEnvelopes converts OSV records to the GitHub-advisory schema:
// each OSV ECOSYSTEM/SEMVER interval becomes one FixedIn with a constraint
// range (">= introduced, < fixed" or "<= last_affected"); affected entries
// with no such range but explicit versions become one "= v" FixedIn each.
// The record id (GHSA-, PYSEC-, RUSTSEC-) is kept as the advisory id.
func writeGitHubEnvelopes(dir string, recs []record) (int, error) {
	n := 0
	for _, r := range recs {
		o := r.osv
		adv := ghAdvisory{
			Classification: "GENERAL",
			Summary:        firstNonEmpty(o.Summary, firstLine(o.Details)),
			GhsaID:         o.ID,
			Published:      o.Published,
			Updated:        o.Modified,
			CVE:            []string{},
			FixedIn:        []ghFixedIn{},
			References:     []ghURLField{},
		}
		if o.Withdrawn != "" {
			w := o.Withdrawn
			adv.Withdrawn = &w
		}
		for _, a := range o.Aliases {
			if strings.HasPrefix(a, "CVE-") {
				adv.CVE = append(adv.CVE, a)
			}
		}
		adv.Metadata.CVE = adv.CVE
		for _, ref := range o.References {
			adv.References = append(adv.References, ghURLField{URL: ref.URL})
			if ref.Type == "ADVISORY" && adv.URL == "" {
				adv.URL = ref.URL
			}
		}
		for _, s := range o.Severity {
			if m := cvssVersion.FindStringSubmatch(s.Score); m != nil {
				adv.CVSSSeverities = append(adv.CVSSSeverities, ghCVSS{Vector: s.Score, Version: m[1]})
			}
		}
		var ds struct {
			Severity string `json:"severity"`
		}
		if len(o.DatabaseSpecific) > 0 {
			_ = json.Unmarshal(o.DatabaseSpecific, &ds)
		}
		adv.Severity = strings.ToUpper(ds.Severity)
		if adv.Severity == "MODERATE" {
			adv.Severity = "MEDIUM"
		}
		for _, a := range o.Affected {
			eco, ok := ghEcosystems[a.Package.Ecosystem]
			if !ok {
				continue
			}
			adv.Namespace = "github:" + eco
			ns := adv.Namespace
			ranged := false
			for _, rg := range a.Ranges {
				if rg.Type != "ECOSYSTEM" && rg.Type != "SEMVER" {
					continue
				}
				ranged = true
				for _, iv := range intervals(rg.Events) {
					adv.FixedIn = append(adv.FixedIn, ghFixedIn{Name: a.Package.Name, Ecosystem: eco, Namespace: ns, Range: iv.constraint, Identifier: iv.fixed})
				}
			}
			if !ranged {
				for _, v := range a.Versions {
					adv.FixedIn = append(adv.FixedIn, ghFixedIn{Name: a.Package.Name, Ecosystem: eco, Namespace: ns, Range: "= " + v})
				}
			}
		}
		if len(adv.FixedIn) == 0 {
			continue
		}
		b, err := json.Marshal(map[string]any{"schema": githubSchema, "identifier": adv.Namespace + "/" + o.ID, "item": ghItem{Advisory: adv}})
		if err != nil {
			return n, err
		}
		if err := writeFile(filepath.Join(dir, safeName(o.ID)+".json"), b); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

type interval struct{ constraint, fixed string }

func intervals(events []map[string]string) []interval {
	var out []interval
	start, open := "", false
	lower := func() string {
		if start == "" || start == "0" {
			return ""
		}
		return ">= " + start + ", "
	}
	for _, e := range events {
		switch {
		case e["introduced"] != "":
			start, open = e["introduced"], true
		case e["fixed"] != "":
			out = append(out, interval{constraint: lower() + "< " + e["fixed"], fixed: e["fixed"]})
			open = false
		case e["last_affected"] != "":
			out = append(out, interval{constraint: lower() + "<= " + e["last_affected"]})
			open = false
		case e["limit"] != "":
			out = append(out, interval{constraint: lower() + "< " + e["limit"]})
			open = false
		}
	}
	if open {
		if start == "" || start == "0" {
			out = append(out, interval{constraint: ">= 0"})
		} else {
			out = append(out, interval{constraint: ">= " + start})
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
