package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Goals from the issue.
const (
	reevalGoal  = 10 * time.Second      // on SQLite
	listP99Goal = 50 * time.Millisecond // both backends
)

func goal(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

func writeUpsert(w io.Writer, rs []upsertResult) {
	r0 := rs[0]
	fmt.Fprintf(w, "### upsert\n\n%d images × %d findings = %d findings; first scan (inserts), then a rescan of every image (updates); time spent in ApplyScan.\n\n", r0.images, r0.findings/r0.images, r0.findings)
	fmt.Fprintln(w, "| run | first scan s | findings/s | rescan s | findings/s | total s | findings/s | store MB |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	var first, rescan, total []time.Duration
	for i, r := range rs {
		t := r.first + r.rescan
		first, rescan, total = append(first, r.first), append(rescan, r.rescan), append(total, t)
		fmt.Fprintf(w, "| %d | %s | %.0f | %s | %.0f | %s | %.0f | %d |\n", i+1, secs(r.first), perSecond(r.findings, r.first), secs(r.rescan), perSecond(r.findings, r.rescan), secs(t), perSecond(2*r.findings, t), r.size>>20)
	}
	if len(rs) > 1 {
		fmt.Fprintf(w, "| median | %s | %.0f | %s | %.0f | %s | %.0f | |\n", secs(median(first)), perSecond(r0.findings, median(first)), secs(median(rescan)), perSecond(r0.findings, median(rescan)), secs(median(total)), perSecond(2*r0.findings, median(total)))
	}
	fmt.Fprintln(w)
}

func writeReeval(w io.Writer, backend string, r reevalResult, bases map[string]*baseImage) {
	workers := "GOMAXPROCS"
	if r.workers > 0 {
		workers = fmt.Sprint(r.workers)
	}
	fmt.Fprintf(w, "### reeval\n\n%d images recorded (reeval.Record) in %s s (%.0f images/s), %d findings, store %d MB: the real inventories of", r.images, secs(r.setup), perSecond(r.images, r.setup), r.storedFindings, r.size>>20)
	for _, n := range reevalBases {
		fmt.Fprintf(w, " %s (%d findings against the 2024-04-01 secdb)", n, len(bases[n].report.Vulnerabilities))
	}
	fmt.Fprintf(w, " in turn.\nThen reeval.Reevaluate (workers: %s) to the 2024-12-31 secdb, each run on a fresh copy of that store.\n\n", workers)
	fmt.Fprintln(w, "| run | s | images | advisories added/changed/removed | packages | created | reopened | resolved | modified |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	var ts []time.Duration
	for i, run := range r.runs {
		ts = append(ts, run.took)
		t := run.res.Totals
		a := run.res.Advisories
		fmt.Fprintf(w, "| %d | %s | %d | %d/%d/%d | %d | %d | %d | %d | %d |\n", i+1, secs(run.took), t.Images, a["added"], a["changed"], a["removed"], run.res.Packages, t.Created, t.Reopened, t.Resolved, t.Modified)
	}
	m := median(ts)
	fmt.Fprintf(w, "\nMedian %s s (%.0f images/s), of which vulndb.Diff alone takes %s s.", secs(m), perSecond(r.runs[0].res.Totals.Images, m), secs(r.diff))
	switch {
	case r.images < 10_000:
		fmt.Fprint(w, " (The goal is for 10,000 images: not judged.)")
	case backend == "sqlite":
		fmt.Fprintf(w, " Goal under %s on SQLite: %s.", reevalGoal, goal(m < reevalGoal))
	default:
		fmt.Fprintf(w, " (The goal, under %s, is for SQLite: %s here.)", reevalGoal, map[bool]string{true: "would be met", false: "would be missed"}[m < reevalGoal])
	}
	fmt.Fprint(w, "\n\n")
}

func writeList(w io.Writer, r listResult) {
	fmt.Fprintf(w, "### list\n\n%d images × %d findings = %d findings loaded through ApplyScan in %s s (%.0f findings/s); %d set NOTIFIED (BatchUpdateFindings) in %s s; store %d MB.\n",
		r.images, r.findings/r.images, r.findings, secs(r.load), perSecond(r.findings, r.load), r.notified, secs(r.updateTime), r.size>>20)
	fmt.Fprintf(w, "%d queries per run, limit 100, kinds drawn uniformly.\n\n", len(r.runs[0].latencies))
	fmt.Fprintln(w, "| run | p50 ms | p95 ms | p99 ms | max ms | findings returned |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	var p50, p95, p99 []time.Duration
	byKind := map[string][]time.Duration{}
	for i, run := range r.runs {
		a, b, c := percentile(run.latencies, 50), percentile(run.latencies, 95), percentile(run.latencies, 99)
		p50, p95, p99 = append(p50, a), append(p95, b), append(p99, c)
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %d |\n", i+1, ms(a), ms(b), ms(c), ms(slices.Max(run.latencies)), run.rows)
		for k, ds := range run.byKind {
			byKind[k] = append(byKind[k], ds...)
		}
	}
	if len(r.runs) > 1 {
		fmt.Fprintf(w, "| median | %s | %s | %s | | |\n", ms(median(p50)), ms(median(p95)), ms(median(p99)))
	}
	if r.findings >= 1_000_000 {
		fmt.Fprintf(w, "\nGoal p99 under %s: %s.\n", listP99Goal, goal(median(p99) < listP99Goal))
	} else {
		fmt.Fprintln(w, "\n(The goal is for 1,000,000 findings: not judged.)")
	}
	fmt.Fprint(w, "\nBy kind, all runs together:\n\n")
	fmt.Fprintln(w, "| query | n | p50 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, k := range queryKinds {
		ds := byKind[k.name]
		if len(ds) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", k.name, len(ds), ms(percentile(ds, 50)), ms(percentile(ds, 99)), ms(slices.Max(ds)))
	}
	fmt.Fprintln(w)
}
