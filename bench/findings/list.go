package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vigilhq/vigil/internal/findings"
)

// listResult is the list benchmark: the load once, then the query set once
// per run.
type listResult struct {
	images, findings int
	load             time.Duration
	// notified is the number of findings set NOTIFIED after the load,
	// taking updateTime.
	notified   int
	updateTime time.Duration
	size       int64
	runs       []listRun
}

// listRun is one pass over the query set.
type listRun struct {
	latencies []time.Duration
	// byKind holds the latencies per query kind.
	byKind map[string][]time.Duration
	// rows is the total number of findings returned.
	rows int
}

// queryKind makes one kind of query from random choices.
type queryKind struct {
	name string
	make func(r *rand.Rand, v *listValues) findings.Query
}

// listValues are the values the queries filter on, all present in the
// store.
type listValues struct {
	repositories, packages, vulnerabilities, digests []string
	// from is the first image's scan time; span the time the scans cover.
	from time.Time
	span time.Duration
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func (v *listValues) window(r *rand.Rand, d time.Duration) (time.Time, time.Time) {
	start := v.from.Add(time.Duration(r.Int64N(int64(v.span))))
	return start, start.Add(d)
}

func filter(field findings.FilterField, values ...string) findings.Filter {
	return findings.Filter{Field: field, Values: values}
}

// queryKinds is the mix of queries, drawn uniformly: the filters a console
// or the CLI uses (severity, workflow, repository, package, vulnerability
// id, time range), alone and combined, mostly in the default order
// (UpdatedAt descending), some by severity.
var queryKinds = []queryKind{
	{"severity", func(r *rand.Rand, v *listValues) findings.Query {
		sets := [][]string{{"CRITICAL"}, {"CRITICAL", "HIGH"}, {"MEDIUM"}, {"LOW", "INFORMATIONAL"}}
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldSeverityLabel, sets[r.IntN(len(sets))]...)}}
	}},
	{"workflow+severity", func(r *rand.Rand, v *listValues) findings.Query {
		wf := []string{"NEW", "NOTIFIED"}[r.IntN(2)]
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldWorkflowStatus, wf), filter(findings.FieldSeverityLabel, "CRITICAL", "HIGH")}}
	}},
	{"repository", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldRepository, pick(r, v.repositories))}}
	}},
	{"repository+severity sorted by severity", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{
			Filters: []findings.Filter{filter(findings.FieldRepository, pick(r, v.repositories)), filter(findings.FieldSeverityLabel, "CRITICAL", "HIGH", "MEDIUM")},
			Sort:    findings.Sort{Field: findings.SortSeverity, Desc: true},
		}
	}},
	{"package", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldPackageName, pick(r, v.packages))}}
	}},
	{"vulnerability id", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldVulnerabilityID, pick(r, v.vulnerabilities))}}
	}},
	{"vulnerability id+repository", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldVulnerabilityID, pick(r, v.vulnerabilities)), filter(findings.FieldRepository, pick(r, v.repositories))}}
	}},
	{"updated in 1 h", func(r *rand.Rand, v *listValues) findings.Query {
		s, e := v.window(r, time.Hour)
		return findings.Query{Filters: []findings.Filter{{Field: findings.FieldUpdatedAt, Start: s, End: e}}}
	}},
	{"first observed in 6 h+severity", func(r *rand.Rand, v *listValues) findings.Query {
		s, e := v.window(r, 6*time.Hour)
		return findings.Query{Filters: []findings.Filter{{Field: findings.FieldFirstObservedAt, Start: s, End: e}, filter(findings.FieldSeverityLabel, "CRITICAL")}}
	}},
	{"repository+workflow+time", func(r *rand.Rand, v *listValues) findings.Query {
		s, e := v.window(r, 12*time.Hour)
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldRepository, pick(r, v.repositories)), filter(findings.FieldWorkflowStatus, "NEW"), {Field: findings.FieldLastObservedAt, Start: s, End: e}}}
	}},
	{"image digest", func(r *rand.Rand, v *listValues) findings.Query {
		return findings.Query{Filters: []findings.Filter{filter(findings.FieldImageDigest, pick(r, v.digests))}}
	}},
}

// benchList loads images synthetic images of the corpus (one scan each,
// ten seconds apart, without inventories: queries do not read them, and
// they would add a third to the load's time), sets the CRITICAL and HIGH findings of every tenth
// image NOTIFIED, then runs queries random queries runs times (a new
// random set each run), each the first page (100 findings) or, one time in
// five, the page after the previous query of the same kind.
//
// With hold, the store is kept until ctx ends (Ctrl-C), for a look at the
// query plans.
func benchList(ctx context.Context, be backend, c *corpus, images, queries, runs int, hold bool, logf func(string, ...any)) (listResult, error) {
	r := listResult{images: images}
	h, err := be.open(ctx)
	if err != nil {
		return r, err
	}
	defer h.close()
	t0 := time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC)
	step := 10 * time.Second
	v := &listValues{from: t0, span: time.Duration(images) * step}
	repos := map[string]bool{}
	var notify [][]string
	start := time.Now()
	for i := range images {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		sc, err := c.scanOf("list", i, t0.Add(time.Duration(i)*step), false)
		if err != nil {
			return r, err
		}
		if _, err := h.ApplyScan(ctx, sc); err != nil {
			return r, fmt.Errorf("loading image %d: %w", i, err)
		}
		r.findings += len(sc.Findings)
		if !repos[sc.Image.Repository] {
			repos[sc.Image.Repository] = true
			v.repositories = append(v.repositories, sc.Image.Repository)
		}
		if i%97 == 0 {
			v.digests = append(v.digests, sc.Image.Digest)
		}
		if i%10 == 0 {
			var ids []string
			for _, f := range sc.Findings {
				if f.Severity.Label == findings.SeverityCritical || f.Severity.Label == findings.SeverityHigh {
					ids = append(ids, f.ID)
				}
			}
			notify = append(notify, ids)
		}
		if (i+1)%(max(images/10, 1)) == 0 {
			logf("list: loaded %d images (%d findings) in %s", i+1, r.findings, time.Since(start).Round(time.Second))
		}
	}
	r.load = time.Since(start)
	start = time.Now()
	for _, ids := range notify {
		res, err := h.BatchUpdateFindings(ctx, ids, findings.Update{Workflow: findings.WorkflowNotified}, findings.By{Actor: "bench-triage", At: v.from.Add(v.span)})
		if err != nil {
			return r, err
		}
		for _, u := range res {
			if u.Err != nil {
				return r, fmt.Errorf("setting %s NOTIFIED: %w", u.ID, u.Err)
			}
		}
		r.notified += len(ids)
	}
	r.updateTime = time.Since(start)
	if r.size, err = h.size(ctx); err != nil {
		return r, err
	}
	logf("list: loaded %d findings in %s, %d set NOTIFIED in %s, store %d MB", r.findings, r.load.Round(time.Second), r.notified, r.updateTime.Round(time.Millisecond), r.size>>20)
	for _, f := range c.template.Vulnerabilities {
		v.packages = append(v.packages, f.Package.Name)
		v.vulnerabilities = append(v.vulnerabilities, f.ID)
	}
	slices.Sort(v.packages)
	v.packages = slices.Compact(v.packages)
	slices.Sort(v.vulnerabilities)
	v.vulnerabilities = slices.Compact(v.vulnerabilities)

	for run := range runs {
		rnd := rand.New(rand.NewPCG(uint64(run)+1, 0xf1d))
		lr := listRun{byKind: map[string][]time.Duration{}}
		last := map[string]findings.Query{}
		for range queries {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			k := queryKinds[rnd.IntN(len(queryKinds))]
			q := k.make(rnd, v)
			if prev, ok := last[k.name]; ok && prev.Cursor != "" && rnd.IntN(5) == 0 {
				q = prev
			}
			q.Limit = 100
			start := time.Now()
			p, err := h.GetFindings(ctx, q)
			d := time.Since(start)
			if err != nil {
				return r, fmt.Errorf("query %+v: %w", q, err)
			}
			lr.latencies = append(lr.latencies, d)
			lr.byKind[k.name] = append(lr.byKind[k.name], d)
			lr.rows += len(p.Findings)
			q.Cursor = p.Next
			last[k.name] = q
		}
		logf("list: run %d: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms", run+1, ms(percentile(lr.latencies, 50)), ms(percentile(lr.latencies, 95)), ms(percentile(lr.latencies, 99)), ms(slices.Max(lr.latencies)))
		r.runs = append(r.runs, lr)
	}
	if hold {
		logf("list: the store is kept until Ctrl-C: %s", h.inspect)
		<-ctx.Done()
	}
	return r, nil
}
