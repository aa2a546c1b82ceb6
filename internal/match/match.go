// Package match decides which advisories affect which packages. It is pure:
// it does no I/O and reads no clock; callers look advisories up (in
// vulndb) and hand them in.
//
// Rules:
//   - OS packages are matched only against their own distribution release's
//     advisories: dpkg and rpm packages by source package, apk packages by
//     origin.
//   - Language packages are matched against their ecosystem's advisories by
//     normalised name (PEP 503 for PyPI, npm scopes kept, Go module paths);
//     Go binaries also against "stdlib" by their toolchain version.
//   - Every match records which advisory, which range and which comparator
//     decided it.
package match

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/version"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Query is one database lookup for a package.
type Query struct {
	Namespace string
	Name      string
	// Version is the version to compare (the source version for dpkg and
	// rpm, the toolchain version for Go's stdlib).
	Version string
}

// Queries returns the lookups that can match a package, given the image's
// distribution (nil when unknown: OS packages are then not matched).
func Queries(p inventory.Package, d *inventory.Distro) []Query {
	switch p.Ecosystem {
	case inventory.EcosystemDeb, inventory.EcosystemRPM, inventory.EcosystemAPK:
		ns := DistroNamespace(d)
		if ns == "" || ThirdParty(p, d) {
			return nil
		}
		name, ver := p.Name, p.Version
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.Ecosystem != inventory.EcosystemAPK && p.SourceVersion != "" {
			ver = p.SourceVersion
		}
		return []Query{{Namespace: ns, Name: name, Version: ver}}
	case inventory.EcosystemGo:
		return []Query{{Namespace: "go", Name: p.Name, Version: p.Version}}
	case inventory.EcosystemNPM:
		return []Query{{Namespace: "npm", Name: p.Name, Version: p.Version}}
	case inventory.EcosystemPyPI:
		return []Query{{Namespace: "pypi", Name: vulndb.NormalizeName("pypi", p.Name), Version: p.Version}}
	case inventory.EcosystemCargo:
		return []Query{{Namespace: "crates.io", Name: p.Name, Version: p.Version}}
	case inventory.EcosystemGem:
		return []Query{{Namespace: "rubygems", Name: p.Name, Version: p.Version}}
	case inventory.EcosystemComposer:
		return []Query{{Namespace: "packagist", Name: vulndb.NormalizeName("packagist", p.Name), Version: p.Version}}
	case inventory.EcosystemNuGet:
		return []Query{{Namespace: "nuget", Name: vulndb.NormalizeName("nuget", p.Name), Version: p.Version}}
	case inventory.EcosystemMaven:
		g, a := p.Metadata["groupId"], p.Metadata["artifactId"]
		if g == "" || a == "" {
			return nil
		}
		return []Query{{Namespace: "maven", Name: g + ":" + a, Version: p.Version}}
	}
	return nil
}

// rpmVendors are words of the Vendor tag of each distribution's own rpm
// packages.
var rpmVendors = map[string][]string{
	"centos":        {"centos"},
	"rhel":          {"red hat"},
	"fedora":        {"fedora"},
	"rocky":         {"rocky"},
	"almalinux":     {"almalinux"},
	"ol":            {"oracle"},
	"amzn":          {"amazon"},
	"mariner":       {"microsoft"},
	"azurelinux":    {"microsoft"},
	"sles":          {"suse"},
	"opensuse-leap": {"suse"},
}

// ThirdParty reports whether an OS package comes from outside its
// distribution, so that the distribution's advisories do not apply: an rpm
// whose Vendor tag names another vendor than the distribution's. dpkg and
// apk databases record no origin repository; their packages are taken as
// the distribution's own.
func ThirdParty(p inventory.Package, d *inventory.Distro) bool {
	if p.Ecosystem != inventory.EcosystemRPM || d == nil {
		return false
	}
	vendor := strings.ToLower(p.Metadata["vendor"])
	words, known := rpmVendors[d.ID]
	if vendor == "" || !known {
		return false
	}
	for _, w := range words {
		if strings.Contains(vendor, w) {
			return false
		}
	}
	return true
}

// DistroNamespace is the advisory namespace of a distribution release:
// "alpine:3.16" for Alpine 3.16.9, "debian:12", "ubuntu:22.04"; "" when the
// distribution is unknown.
func DistroNamespace(d *inventory.Distro) string {
	if d == nil || d.ID == "" {
		return ""
	}
	v := d.VersionID
	switch d.ID {
	case "alpine":
		// Edge images carry VERSION_ID "3.21.0_alpha20240807": test before
		// cutting to major.minor.
		if strings.Contains(v, "_alpha") || v == "" {
			v = "edge"
		} else if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
			v = parts[0] + "." + parts[1]
		}
	case "debian":
		if v == "" {
			v = "unstable"
		}
	case "centos", "rhel", "rocky", "almalinux", "ol":
		v = strings.SplitN(v, ".", 2)[0]
	}
	return d.ID + ":" + v
}

// Match is one advisory affecting one package.
type Match struct {
	Package inventory.Package
	// ID is the advisory's id; Aliases its other ids (CVE, GHSA, …).
	ID        string
	Aliases   []string
	Source    string
	Namespace string
	// InstalledVersion is the version that was compared.
	InstalledVersion string
	// FixedVersion is the first version that fixes it, "" when none.
	FixedVersion string
	Status       vulndb.Status
	Severity     Severity
	CVSS         []vulndb.Severity
	References   []string
	Title        string
	// Rule explains the decision, for `vigil explain`.
	Rule Rule
}

// Rule records what decided a match.
type Rule struct {
	Namespace string         `json:"namespace"`
	Package   string         `json:"package"`
	Scheme    version.Scheme `json:"scheme"`
	// Range is the affected range in words, e.g. ">= 0, < 1.2.3-r0".
	Range  string `json:"range"`
	Origin string `json:"origin,omitempty"`
	Reason string `json:"reason"`
}

// Affects decides whether one advisory's entry for a package's namespace
// affects the queried version. It returns ok=false when it does not (or
// when the version cannot be compared, with err saying why).
func Affects(q Query, a *vulndb.Advisory, af *vulndb.Affected) (m Match, ok bool, err error) {
	if a.Withdrawn != nil || af.Status == vulndb.StatusNotAffected {
		return Match{}, false, nil
	}
	rule := Rule{Namespace: af.Namespace, Package: af.Package, Scheme: af.Scheme, Origin: a.Origin}
	if af.Origin != "" {
		rule.Origin = af.Origin
	}
	m = Match{ID: a.ID, Aliases: a.Aliases, Source: a.Source, Namespace: af.Namespace,
		InstalledVersion: q.Version, Status: af.Status, References: a.References, Title: a.Summary}
	for _, s := range a.Severity {
		if s.Type != vulndb.SeverityVendor {
			m.CVSS = append(m.CVSS, s)
		}
	}
	for _, s := range af.Severity {
		if s.Type != vulndb.SeverityVendor {
			m.CVSS = append(m.CVSS, s)
		}
	}
	cmp, cerr := version.ForScheme(af.Scheme)
	if af.Scheme == version.Semver {
		cmp = lenientSemver{cmp}
	}
	hasRanges := false
	for _, r := range af.Ranges {
		if r.Type != "GIT" {
			hasRanges = true
		}
	}
	noVersionInfo := !hasRanges && len(af.Versions) == 0 && len(af.NativeRanges) == 0
	if noVersionInfo {
		// A distro tracker's open / undetermined / no-dsa entry: every
		// version of the package in this release is affected.
		switch af.Status {
		case vulndb.StatusAffected, vulndb.StatusWillNotFix, vulndb.StatusUnderInvestigation:
			rule.Range = "all versions"
			rule.Reason = fmt.Sprintf("%s marks %s %s in %s with no fixed version", a.Source, af.Package, af.Status, af.Namespace)
			m.Rule = rule
			return m, true, nil
		}
		return Match{}, false, nil
	}
	if cerr != nil {
		return Match{}, false, fmt.Errorf("advisory %s: %w", a.ID, cerr)
	}
	for _, v := range af.Versions {
		if c, err := cmp.Compare(q.Version, v); err == nil && c == 0 {
			rule.Range = "versions list: " + v
			rule.Reason = fmt.Sprintf("%s is listed as affected", q.Version)
			m.Rule = rule
			m.FixedVersion = nextFixed(cmp, q.Version, af.Ranges)
			if m.FixedVersion != "" {
				m.Status = vulndb.StatusFixed
			} else if m.Status == vulndb.StatusFixed || m.Status == "" {
				// The feed's "fixed" may come from a GIT range alone:
				// no version fixes this one.
				m.Status = vulndb.StatusAffected
			}
			return m, true, nil
		} else if err != nil && c == 0 {
			err = fmt.Errorf("advisory %s: %w", a.ID, err)
		}
	}
	for _, r := range af.Ranges {
		if r.Type == "GIT" {
			continue
		}
		hit, fixed, err := inRange(cmp, q.Version, r.Events)
		if err != nil {
			return Match{}, false, fmt.Errorf("advisory %s: %w", a.ID, err)
		}
		if hit {
			rule.Range = describe(r.Events)
			rule.Reason = fmt.Sprintf("%s %s is in the affected range (%s comparison)", af.Package, q.Version, af.Scheme)
			m.Rule = rule
			m.FixedVersion = fixed
			if af.Scheme == version.Go && fixed != "" {
				// The Go vulndb writes SEMVER events without the "v" modules
				// carry and the "go" of toolchain versions: report the fix in
				// the installed version's spelling.
				switch {
				case strings.HasPrefix(q.Version, "v") && !strings.HasPrefix(fixed, "v"):
					m.FixedVersion = "v" + fixed
				case strings.HasPrefix(q.Version, "go") && !strings.HasPrefix(fixed, "go"):
					m.FixedVersion = "go" + fixed
				}
			}
			if fixed != "" {
				m.Status = vulndb.StatusFixed
			} else if m.Status == vulndb.StatusFixed || m.Status == "" {
				m.Status = vulndb.StatusAffected
			}
			return m, true, nil
		}
	}
	if len(af.NativeRanges) > 0 {
		hit, err := nativeAffected(af, q.Version)
		if err != nil {
			return Match{}, false, fmt.Errorf("advisory %s: %w", a.ID, err)
		}
		if hit {
			rule.Range = strings.Join(af.NativeRanges, " || ")
			if len(af.Unaffected) > 0 {
				rule.Range += "; not " + strings.Join(af.Unaffected, " || ")
			}
			rule.Reason = fmt.Sprintf("%s satisfies the vulnerable range and no patched range (%s)", q.Version, af.Scheme)
			m.Rule = rule
			m.FixedVersion = firstPatched(af)
			if m.FixedVersion != "" {
				m.Status = vulndb.StatusFixed
			} else {
				m.Status = vulndb.StatusAffected
			}
			return m, true, nil
		}
	}
	return Match{}, false, nil
}

// inRange evaluates OSV range events as the OSV specification's reference
// algorithm does: events sorted by version; an introduced event at or
// below v makes it affected, a fixed event at or below v (or a
// last_affected strictly below v) makes it unaffected; a limit at or below
// v ends the range. fixed is the first fixed version above v.
func inRange(cmp version.Comparator, v string, events []vulndb.Event) (affected bool, fixed string, err error) {
	type ev struct {
		kind, ver string
	}
	var evs []ev
	for _, e := range events {
		switch {
		case e.Introduced != "":
			evs = append(evs, ev{"introduced", e.Introduced})
		case e.Fixed != "":
			evs = append(evs, ev{"fixed", e.Fixed})
		case e.LastAffected != "":
			evs = append(evs, ev{"last_affected", e.LastAffected})
		case e.Limit != "":
			evs = append(evs, ev{"limit", e.Limit})
		}
	}
	var sortErr error
	less := func(a, b string) bool {
		if a == "0" {
			return b != "0"
		}
		if b == "0" {
			return false
		}
		c, err := cmp.Compare(a, b)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c < 0
	}
	sort.SliceStable(evs, func(i, j int) bool { return less(evs[i].ver, evs[j].ver) })
	if sortErr != nil {
		return false, "", sortErr
	}
	// atOrBelow reports whether x <= v.
	atOrBelow := func(x string) (bool, error) {
		if x == "0" {
			return true, nil
		}
		c, err := cmp.Compare(x, v)
		return c <= 0, err
	}
	for _, e := range evs {
		below, err := atOrBelow(e.ver)
		if err != nil {
			return false, "", err
		}
		switch e.kind {
		case "introduced":
			if below {
				affected = true
			}
		case "fixed":
			if below {
				affected = false
			} else if affected && fixed == "" {
				fixed = e.ver
			}
		case "last_affected":
			if below {
				if c, err := cmp.Compare(e.ver, v); err != nil {
					return false, "", err
				} else if c < 0 {
					affected = false
				}
			}
		case "limit":
			if below {
				return false, "", nil
			}
		}
	}
	if !affected {
		fixed = ""
	}
	return affected, fixed, nil
}

// nextFixed is the first fixed event above v in any range.
func nextFixed(cmp version.Comparator, v string, ranges []vulndb.Range) string {
	best := ""
	for _, r := range ranges {
		if r.Type == "GIT" {
			continue // commit hashes, not versions
		}
		for _, e := range r.Events {
			if e.Fixed == "" {
				continue
			}
			if c, err := cmp.Compare(e.Fixed, v); err != nil || c <= 0 {
				continue
			}
			if best == "" {
				best = e.Fixed
			} else if c, err := cmp.Compare(e.Fixed, best); err == nil && c < 0 {
				best = e.Fixed
			}
		}
	}
	return best
}

func describe(events []vulndb.Event) string {
	var parts []string
	for _, e := range events {
		switch {
		case e.Introduced != "":
			parts = append(parts, ">= "+e.Introduced)
		case e.Fixed != "":
			parts = append(parts, "< "+e.Fixed)
		case e.LastAffected != "":
			parts = append(parts, "<= "+e.LastAffected)
		case e.Limit != "":
			parts = append(parts, "limit "+e.Limit)
		}
	}
	return strings.Join(parts, ", ")
}

// nativeAffected evaluates NativeRanges/Unaffected in the scheme's own
// range syntax (node-semver ranges, RubyGems requirements).
func nativeAffected(af *vulndb.Affected, v string) (bool, error) {
	satisfies := func(expr string) (bool, error) {
		switch af.Scheme {
		case version.Semver:
			r, err := version.ParseSemverRange(expr)
			if err != nil {
				return false, fmt.Errorf("range %q: %w", expr, err)
			}
			return r.Contains(v), nil
		case version.Gem:
			r, err := version.ParseGemRequirement(expr)
			if err != nil {
				return false, fmt.Errorf("requirement %q: %w", expr, err)
			}
			gv, err := version.ParseGem(v)
			if err != nil {
				return false, err
			}
			return r.Satisfied(gv), nil
		}
		return false, fmt.Errorf("native ranges are not supported for scheme %q", af.Scheme)
	}
	hit := false
	for _, expr := range af.NativeRanges {
		ok, err := satisfies(expr)
		if err != nil {
			return false, err
		}
		if ok {
			hit = true
			break
		}
	}
	if !hit {
		return false, nil
	}
	for _, expr := range af.Unaffected {
		ok, err := satisfies(expr)
		if err != nil {
			return false, err
		}
		if ok {
			return false, nil
		}
	}
	return true, nil
}

// firstPatched names the lowest version a patched range starts from, for
// display ("1.2.3" from ">= 1.2.3"), or the whole expression when it is
// not a plain lower bound.
func firstPatched(af *vulndb.Affected) string {
	var out []string
	for _, u := range af.Unaffected {
		u = strings.TrimSpace(u)
		if strings.HasPrefix(u, "<") {
			continue // a never-affected old range, not a fix
		}
		if v := strings.TrimSpace(strings.TrimLeft(u, ">=~^ ")); !strings.ContainsAny(v, " ,|<>") {
			out = append(out, v)
		} else {
			out = append(out, u) // "~> 5.2.4, >= 5.2.4.3": keep it whole
		}
	}
	return strings.Join(out, ", ")
}

// lenientSemver accepts the partial versions advisory data sometimes holds
// for npm ("1.0" for 1.0.0), as osv-scanner does.
type lenientSemver struct{ version.Comparator }

func (l lenientSemver) Compare(a, b string) (int, error) {
	return l.Comparator.Compare(coerceSemver(a), coerceSemver(b))
}

func coerceSemver(v string) string {
	core, rest := v, ""
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		core, rest = v[:i], v[i:]
	}
	for _, r := range core {
		if (r < '0' || r > '9') && r != '.' {
			return v
		}
	}
	switch strings.Count(core, ".") {
	case 0:
		if core != "" {
			return core + ".0.0" + rest
		}
	case 1:
		return core + ".0" + rest
	}
	return v
}
