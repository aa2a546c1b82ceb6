package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Table writes a table for people, as Trivy and Grype do: a header naming
// the image, its operating system and the count of findings by severity,
// then PACKAGE, INSTALLED, FIXED, ID, SEVERITY and STATUS, most severe
// first (then by package and id). A report without findings says "No
// vulnerabilities found." Ignored matches are counted and the scan's errors
// listed at the end.
type Table struct{}

var _ Encoder = Table{}

// Name implements Encoder.
func (Table) Name() string { return FormatTable }

// Encode implements Encoder.
func (Table) Encode(w io.Writer, r *Report) error {
	if r == nil {
		return fmt.Errorf("encoding %s: no report", FormatTable)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, tableTitle(r))
	vs := sortedVulnerabilities(r.Vulnerabilities)
	if len(vs) == 0 {
		fmt.Fprintln(bw, "No vulnerabilities found.")
	} else {
		fmt.Fprintln(bw, severitySummary(vs))
		fmt.Fprintln(bw)
		tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tINSTALLED\tFIXED\tID\tSEVERITY\tSTATUS")
		for _, v := range vs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
				cell(v.Package.Name), cell(v.InstalledVersion), cell(v.FixedVersion),
				cell(v.ID), severityOf(v.Severity), cell(v.Status))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("writing table: %w", err)
		}
	}
	if n := len(r.Ignored); n > 0 {
		fmt.Fprintf(bw, "\nIgnored: %d %s suppressed by ignore rules.\n", n, plural(n, "match", "matches"))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(bw, "\nErrors (the scan may be incomplete):")
		for _, e := range r.Errors {
			fmt.Fprintf(bw, "  %s\n", cell(e))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

// tableTitle is "IMAGE (OS VERSION)".
func tableTitle(r *Report) string {
	title := cell(r.Image.Reference)
	if d := r.Image.OS; d != nil && !d.IsZero() {
		title += " (" + strings.TrimSpace(d.ID+" "+d.VersionID) + ")"
	}
	return title
}

// severitySummary is "Total: N (CRITICAL: a, HIGH: b, MEDIUM: c, LOW: d,
// UNKNOWN: e)"; NEGLIGIBLE is listed, before UNKNOWN, only when some
// finding has it (only Debian and Ubuntu use the level).
func severitySummary(vs []Vulnerability) string {
	counts := map[string]int{}
	for _, v := range vs {
		counts[severityOf(v.Severity)]++
	}
	var parts []string
	for _, lvl := range severityLevels {
		if lvl == SeverityNegligible && counts[lvl] == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d", lvl, counts[lvl]))
	}
	return fmt.Sprintf("Total: %d (%s)", len(vs), strings.Join(parts, ", "))
}

// cell keeps a value on one line of one column; empty is "-".
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r', '\v', '\f':
			return ' '
		}
		return r
	}, s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
