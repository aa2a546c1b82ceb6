package scan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Advisories is the part of the vulnerability database a scan reads.
type Advisories interface {
	Lookup(ctx context.Context, namespace, name string) ([]vulndb.Advisory, error)
	ByAlias(ctx context.Context, id string) ([]vulndb.Advisory, error)
}

// sourceRank orders feeds when several describe one vulnerability of one
// package: a distribution's own tracker first, then OSV, then the older
// ecosystem feeds.
func sourceRank(source string) int {
	switch source {
	case "alpine-secdb", "debian-tracker":
		return 0
	case "debian-dsa":
		return 1
	case "osv":
		return 2
	case "nodejs-security-wg":
		return 3
	}
	return 4
}

// Match finds the advisories that affect the inventory's packages. Matches
// of one package that share an id or alias (a GHSA record and a Node.js WG
// record of one CVE, several DSAs of one CVE) are merged into one, led by
// the most authoritative feed. Errors name the package and advisory that
// could not be evaluated; they do not stop the scan.
func Match(ctx context.Context, inv *inventory.Inventory, db Advisories) ([]match.Match, []string, error) {
	var out []match.Match
	var errs []string
	cache := map[string][]vulndb.Advisory{}
	reported := map[string]bool{}
	for _, p := range inv.Packages {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var found []match.Match
		for _, q := range match.Queries(p, inv.Distro) {
			key := q.Namespace + "\x00" + q.Name
			advs, ok := cache[key]
			if !ok {
				var err error
				if advs, err = db.Lookup(ctx, q.Namespace, q.Name); err != nil {
					return nil, nil, err
				}
				cache[key] = advs
			}
			for i := range advs {
				a := &advs[i]
				for j := range a.Affected {
					af := &a.Affected[j]
					if af.Namespace != q.Namespace || af.Package != vulndb.NormalizeName(q.Namespace, q.Name) {
						continue
					}
					m, ok, err := match.Affects(q, a, af)
					if err != nil {
						errs = append(errs, fmt.Sprintf("%s %s: %v", p.Name, p.Version, err))
						continue
					}
					if !ok {
						continue
					}
					m.Package = p
					m.Severity = match.Rate(a, af)
					m.Rule.Package = q.Name
					found = append(found, expandDSA(m)...)
				}
			}
		}
		for _, m := range merge(found) {
			// One package found twice (installed in node_modules and listed in
			// the lockfile beside it) is one vulnerable package.
			k := string(p.Ecosystem) + "\x00" + p.Name + "\x00" + p.Version + "\x00" + m.ID
			if reported[k] {
				continue
			}
			reported[k] = true
			out = append(out, m)
		}
	}
	if err := fillSeverity(ctx, db, out); err != nil {
		return nil, nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Package.Name != b.Package.Name {
			return a.Package.Name < b.Package.Name
		}
		if a.Package.Version != b.Package.Version {
			return a.Package.Version < b.Package.Version
		}
		return a.ID < b.ID
	})
	return out, errs, nil
}

// expandDSA turns a Debian security advisory into one match per CVE it
// fixes (the DSA stays as an alias): findings are per vulnerability.
func expandDSA(m match.Match) []match.Match {
	if m.Source != "debian-dsa" {
		return []match.Match{m}
	}
	var cves []string
	for _, a := range m.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			cves = append(cves, a)
		}
	}
	if len(cves) == 0 {
		return []match.Match{m}
	}
	out := make([]match.Match, 0, len(cves))
	for _, c := range cves {
		mm := m
		mm.ID = c
		mm.Aliases = []string{m.ID}
		out = append(out, mm)
	}
	return out
}

// merge unites the matches of one package that share an id or alias.
func merge(ms []match.Match) []match.Match {
	if len(ms) == 0 {
		return ms
	}
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	owner := map[string]int{}
	for i, m := range ms {
		for _, id := range append([]string{m.ID}, m.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]int{}
	var order []int
	for i := range ms {
		r := find(i)
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], i)
	}
	out := make([]match.Match, 0, len(order))
	for _, r := range order {
		idx := groups[r]
		sort.SliceStable(idx, func(a, b int) bool { return sourceRank(ms[idx[a]].Source) < sourceRank(ms[idx[b]].Source) })
		lead := ms[idx[0]]
		ids := map[string]bool{}
		for _, i := range idx {
			m := ms[i]
			ids[m.ID] = true
			for _, a := range m.Aliases {
				ids[a] = true
			}
			lead.References = unionStrings(lead.References, m.References)
			lead.CVSS = append(lead.CVSS, m.CVSS...)
			if lead.Severity.Level == match.Unknown && m.Severity.Level != match.Unknown {
				lead.Severity = m.Severity
			}
			// Several DSAs fixing one CVE: the highest fixed version wins.
			if m.Source == lead.Source && m.FixedVersion != "" && m.FixedVersion != lead.FixedVersion && i != idx[0] {
				lead.FixedVersion = m.FixedVersion
			}
		}
		// Report under a CVE id when the group has one: it is the id
		// everyone shares (exceptions, policies, other scanners).
		primary := lead.ID
		if !strings.HasPrefix(primary, "CVE-") {
			var cves []string
			for id := range ids {
				if strings.HasPrefix(id, "CVE-") {
					cves = append(cves, id)
				}
			}
			sort.Strings(cves)
			if len(cves) == 1 {
				primary = cves[0]
			}
		}
		lead.ID = primary
		lead.Aliases = nil
		for id := range ids {
			if id != primary {
				lead.Aliases = append(lead.Aliases, id)
			}
		}
		sort.Strings(lead.Aliases)
		out = append(out, lead)
	}
	return out
}

func unionStrings(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	out := a[:len(a):len(a)]
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// fillSeverity rates matches whose own advisory carries no rating (Alpine's
// secdb has none) from another feed's record of the same CVE, naming it.
func fillSeverity(ctx context.Context, db Advisories, ms []match.Match) error {
	memo := map[string]match.Severity{}
	for i := range ms {
		m := &ms[i]
		if m.Severity.Level != match.Unknown {
			continue
		}
		for _, id := range append([]string{m.ID}, m.Aliases...) {
			if !strings.HasPrefix(id, "CVE-") && !strings.HasPrefix(id, "GHSA-") {
				continue
			}
			s, ok := memo[id]
			if !ok {
				advs, err := db.ByAlias(ctx, id)
				if err != nil {
					return err
				}
				s = match.Severity{Level: match.Unknown}
				for j := range advs {
					r := match.Rate(&advs[j], &vulndb.Affected{})
					if r.Level != match.Unknown {
						s = r
						s.Source += " via " + advs[j].ID
						break
					}
				}
				memo[id] = s
			}
			if s.Level != match.Unknown {
				m.Severity = s
				break
			}
		}
	}
	return nil
}
