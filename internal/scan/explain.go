package scan

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/match"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// Explanation is the decision chain for one advisory and one package.
type Explanation struct {
	Package  inventory.Package
	Query    match.Query
	Advisory string
	Source   string
	Origin   string
	Affected bool
	Match    match.Match // set when Affected
	Detail   string
}

// Explain evaluates, for every package of the inventory, every advisory
// that names the vulnerability id (as its id or an alias), and says why
// each one affects the package or not.
func Explain(ctx context.Context, inv *inventory.Inventory, db Advisories, id string) ([]Explanation, error) {
	var out []Explanation
	for _, p := range inv.Packages {
		for _, q := range match.Queries(p, inv.Distro) {
			advs, err := db.Lookup(ctx, q.Namespace, q.Name)
			if err != nil {
				return nil, err
			}
			for i := range advs {
				a := &advs[i]
				if !names(a, id) {
					continue
				}
				for j := range a.Affected {
					af := &a.Affected[j]
					if af.Namespace != q.Namespace || af.Package != vulndb.NormalizeName(q.Namespace, q.Name) {
						continue
					}
					e := Explanation{Package: p, Query: q, Advisory: a.ID, Source: a.Source, Origin: a.Origin}
					if af.Origin != "" {
						e.Origin = af.Origin
					}
					m, ok, err := match.Affects(q, a, af)
					switch {
					case err != nil:
						e.Detail = "could not decide: " + err.Error()
					case ok:
						e.Affected = true
						m.Severity = match.Rate(a, af)
						e.Match = m
						e.Detail = m.Rule.Reason
					default:
						e.Detail = notAffectedReason(q, a, af)
					}
					out = append(out, e)
				}
			}
		}
	}
	// Rate what the advisory itself leaves unrated from other feeds, as a
	// scan does.
	var ms []match.Match
	for _, e := range out {
		ms = append(ms, e.Match)
	}
	if err := fillSeverity(ctx, db, ms); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Affected {
			out[i].Match.Severity = ms[i].Severity
		}
	}
	return out, nil
}

func names(a *vulndb.Advisory, id string) bool {
	if strings.EqualFold(a.ID, id) {
		return true
	}
	for _, al := range a.Aliases {
		if strings.EqualFold(al, id) {
			return true
		}
	}
	return false
}

func notAffectedReason(q match.Query, a *vulndb.Advisory, af *vulndb.Affected) string {
	switch {
	case a.Withdrawn != nil:
		return fmt.Sprintf("the advisory was withdrawn on %s", a.Withdrawn.Format("2006-01-02"))
	case af.Status == vulndb.StatusNotAffected:
		return fmt.Sprintf("%s states %s in %s was never affected", a.Source, af.Package, af.Namespace)
	}
	var ranges []string
	for _, r := range af.Ranges {
		var parts []string
		for _, e := range r.Events {
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
		ranges = append(ranges, strings.Join(parts, ", "))
	}
	ranges = append(ranges, af.NativeRanges...)
	if len(af.Versions) > 0 {
		ranges = append(ranges, "versions "+strings.Join(af.Versions, " "))
	}
	return fmt.Sprintf("%s %s is outside every affected range (%s; %s comparison)", q.Name, q.Version, strings.Join(ranges, " | "), af.Scheme)
}
