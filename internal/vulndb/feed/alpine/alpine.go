// Package alpine reads the Alpine security database (secdb): the JSON files
// of secdb.alpinelinux.org (v3.x/main.json, v3.x/community.json) and the
// deprecated YAML files of the alpine-secdb repository, which hold the same
// fields. Each file lists, for one release and repository, the origin
// (source) packages with their "secfixes": a package version and the ids it
// fixed, or the version "0" for ids that never affected the package.
//
// Parse returns one advisory per vulnerability id per file, with one
// Affected entry per origin package in namespace "alpine:<release>"; the
// same id appears again in the files of other releases and repositories,
// and a builder merges them by (Source, ID).
//
// It must not import catalog, findings or server.
package alpine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
	"github.com/vigilhq/vigil/internal/vulndb/feed"
)

// Source is the Advisory.Source of every record this feed returns.
const Source = "alpine-secdb"

// maxFileSize caps what one secdb file may cost; the largest real file
// (edge/community.json) is under 400 KB.
const maxFileSize = 64 << 20

// notAffectedVersion is the secfixes key for ids that never affected the
// package.
const notAffectedVersion = "0"

// Format is the Alpine secdb format, JSON or legacy YAML.
type Format struct{}

var _ feed.Format = Format{}

// Name implements feed.Format.
func (Format) Name() string { return Source }

// Version implements feed.Format.
func (Format) Version() int { return 1 }

// Match claims .json, .yaml and .yml files whose head names a
// "distroversion", the secdb header field.
func (Format) Match(p string, head []byte) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".json", ".yaml", ".yml":
		return bytes.Contains(head, []byte("distroversion"))
	}
	return false
}

// secdb is one file's header; packages are decoded one at a time so that a
// malformed package is skipped alone.
type secdbJSON struct {
	DistroVersion string            `json:"distroversion"`
	Packages      []json.RawMessage `json:"packages"`
}

type secdbYAML struct {
	DistroVersion string      `yaml:"distroversion"`
	Packages      []yaml.Node `yaml:"packages"`
}

type packageEntry struct {
	Pkg struct {
		Name     string              `json:"name" yaml:"name"`
		Secfixes map[string][]string `json:"secfixes" yaml:"secfixes"`
	} `json:"pkg" yaml:"pkg"`
}

// Parse reads one secdb file. It returns an error alone when the file
// cannot be used (not JSON or YAML, no release); entries it had to skip (a
// package that does not decode, a version apk cannot parse, an entry naming
// no id) are reported by a *feed.Warnings error returned with the advisories.
func (Format) Parse(ctx context.Context, p string, r io.Reader) ([]vulndb.Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading alpine secdb %q: %w", p, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("reading alpine secdb %q: larger than %d bytes", p, maxFileSize)
	}
	var (
		distroVersion string
		entries       []packageEntry
		warn          = &feed.Warnings{Path: p}
	)
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		var doc secdbJSON
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("decoding alpine secdb %q: %w", p, err)
		}
		distroVersion = doc.DistroVersion
		entries = make([]packageEntry, 0, len(doc.Packages))
		for i, raw := range doc.Packages {
			var e packageEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				warn.Add("package #%d: %v", i, err)
				continue
			}
			entries = append(entries, e)
		}
	} else {
		var doc secdbYAML
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("decoding alpine secdb %q: %w", p, err)
		}
		distroVersion = doc.DistroVersion
		entries = make([]packageEntry, 0, len(doc.Packages))
		for i := range doc.Packages {
			var e packageEntry
			if err := doc.Packages[i].Decode(&e); err != nil {
				warn.Add("package #%d: %v", i, err)
				continue
			}
			entries = append(entries, e)
		}
	}
	ns, err := namespace(distroVersion)
	if err != nil {
		return nil, fmt.Errorf("reading alpine secdb %q: %w", p, err)
	}

	b := newBuilder(ns)
	for i := range entries {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		b.addPackage(&entries[i], warn)
	}
	return b.advisories(p), warn.Err()
}

var releaseRe = regexp.MustCompile(`^v?(\d+\.\d+)$`)

// namespace maps a distroversion ("v3.16", "edge") to "alpine:3.16" or
// "alpine:edge".
func namespace(distroVersion string) (string, error) {
	dv := strings.TrimSpace(distroVersion)
	if dv == "edge" {
		return "alpine:edge", nil
	}
	if m := releaseRe.FindStringSubmatch(dv); m != nil {
		return "alpine:" + m[1], nil
	}
	return "", fmt.Errorf("distroversion %q is not an Alpine release", distroVersion)
}

// builder gathers the entries of one file by vulnerability id.
type builder struct {
	ns   string
	byID map[string]*record
}

// record is one id of the file: its aliases and, per origin package, the
// fix.
type record struct {
	aliases []string
	pkgs    map[string]*fix
}

// fix is what the file says of one (id, package): the highest fixed
// version, or never affected.
type fix struct {
	fixed       string
	fixedParsed version.APKVersion
	notAffected bool
}

func newBuilder(ns string) *builder {
	return &builder{ns: ns, byID: map[string]*record{}}
}

func (b *builder) addPackage(e *packageEntry, warn *feed.Warnings) {
	name := strings.TrimSpace(e.Pkg.Name)
	if name == "" {
		warn.Add("package without a name")
		return
	}
	// Map order is random: walk the versions sorted so that warnings come
	// out in a stable order.
	keys := make([]string, 0, len(e.Pkg.Secfixes))
	for k := range e.Pkg.Secfixes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ids := e.Pkg.Secfixes[key]
		ver := strings.TrimSpace(key)
		var parsed version.APKVersion
		if ver != notAffectedVersion {
			var err error
			if parsed, err = version.ParseAPK(ver); err != nil {
				warn.Add("package %q: %v", name, err)
				continue
			}
		}
		if len(ids) == 0 {
			warn.Add("package %q version %q: no ids", name, ver)
			continue
		}
		for _, s := range ids {
			cves, others := splitIDs(s)
			if len(cves)+len(others) == 0 {
				warn.Add("package %q version %q: no id in %q", name, ver, s)
				continue
			}
			primary, aliases := cves, others
			if len(cves) == 0 {
				primary, aliases = others, nil
			}
			for _, id := range primary {
				b.add(id, aliases, name, ver, parsed)
			}
		}
	}
}

// add records that id (with aliases) is fixed in pkg at ver, or never
// affected pkg when ver is "0". When an id is listed under several
// versions of one package, the highest fixed version is kept, as a later
// entry completes an earlier fix (runc's CVE-2023-27561 under 1.1.4-r0 and
// 1.1.4-r7); a fixed version outweighs "0".
func (b *builder) add(id string, aliases []string, pkg, ver string, parsed version.APKVersion) {
	r := b.byID[id]
	if r == nil {
		r = &record{pkgs: map[string]*fix{}}
		b.byID[id] = r
	}
	for _, a := range aliases {
		r.aliases = appendNew(r.aliases, a)
	}
	f := r.pkgs[pkg]
	if f == nil {
		f = &fix{}
		r.pkgs[pkg] = f
	}
	switch {
	case ver == notAffectedVersion:
		if f.fixed == "" {
			f.notAffected = true
		}
	case f.fixed == "" || parsed.Compare(f.fixedParsed) > 0:
		f.fixed, f.fixedParsed, f.notAffected = ver, parsed, false
	}
}

// advisories returns the gathered records sorted by id, their Affected
// sorted by package.
func (b *builder) advisories(origin string) []vulndb.Advisory {
	ids := make([]string, 0, len(b.byID))
	for id := range b.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]vulndb.Advisory, 0, len(ids))
	for _, id := range ids {
		r := b.byID[id]
		pkgs := make([]string, 0, len(r.pkgs))
		for p := range r.pkgs {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		affected := make([]vulndb.Affected, 0, len(pkgs))
		for _, p := range pkgs {
			affected = append(affected, b.affected(p, r.pkgs[p]))
		}
		a := vulndb.Advisory{
			ID:       id,
			Affected: affected,
			Source:   Source,
			Origin:   origin,
		}
		if len(r.aliases) > 0 {
			a.Aliases = append([]string(nil), r.aliases...)
			sort.Strings(a.Aliases)
		}
		if strings.HasPrefix(id, "CVE-") {
			a.References = []string{"https://security.alpinelinux.org/vuln/" + id}
		}
		out = append(out, a)
	}
	return out
}

func (b *builder) affected(pkg string, f *fix) vulndb.Affected {
	a := vulndb.Affected{
		Namespace: b.ns,
		Package:   vulndb.NormalizeName(b.ns, pkg),
		Scheme:    version.APK,
	}
	if f.notAffected {
		a.Status = vulndb.StatusNotAffected
		return a
	}
	a.Status = vulndb.StatusFixed
	a.Ranges = []vulndb.Range{{
		Type:   "ECOSYSTEM",
		Events: []vulndb.Event{{Introduced: "0"}, {Fixed: f.fixed}},
	}}
	return a
}
