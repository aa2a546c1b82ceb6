package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/findings/postgres"
	"github.com/vigilhq/vigil/internal/findings/sqlite"
)

// The settings of the findings hub.
var (
	settingPostgres = setting{flag: "postgres", usage: "PostgreSQL URL of the findings hub (default: " + sqlite.FileName + " in the data directory)"}
	settingActor    = setting{flag: "actor", usage: "who makes the change, as the findings' history records it", def: defaultActor()}
	settingFailAt   = setting{flag: "fail-at", usage: "compliance policy of the recorded image: FAILED when an open finding is rated at or above this (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL; default: the image's current policy, HIGH for a new image)"}
	settingAWSAcct  = setting{flag: "aws-account-id", usage: "export findings of images outside Amazon ECR under this AWS account (its default Security Hub product)"}
	settingAWSReg   = setting{flag: "aws-region", usage: "export findings of images outside Amazon ECR in this AWS region"}
)

func defaultActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "vigil"
}

// hubFlags say where the findings hub is.
type hubFlags struct {
	data     string
	postgres string
}

func (h *hubFlags) register(fs *pflag.FlagSet, withData bool) {
	if withData {
		settingData.stringVar(fs, &h.data)
	}
	settingPostgres.stringVar(fs, &h.postgres)
}

// open opens the hub: PostgreSQL when --postgres is set, else the SQLite
// file in the data directory (created when missing).
func (h hubFlags) open(ctx context.Context) (findings.Store, error) {
	if h.postgres != "" {
		return postgres.Open(ctx, h.postgres)
	}
	if h.data == "" {
		return nil, errors.New("no data directory: set --data or VIGIL_DATA")
	}
	return sqlite.Open(ctx, h.data)
}

// parseFailAt reads --fail-at: nil when unset (keep the image's policy).
func parseFailAt(s string) (*findings.Policy, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	l := findings.SeverityLabel(strings.ToUpper(s))
	if l.Rank() < 0 {
		return nil, fmt.Errorf("--fail-at: unknown severity %q (known: %s)", s, joinStrings(findings.SeverityLabels))
	}
	return &findings.Policy{FailAt: l}, nil
}

func joinStrings[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func newFindingsCmd(g *global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "Query, update and export the findings hub (ASFF findings per image and vulnerability)",
		Long: `The findings hub holds one ASFF finding per image digest, package and
vulnerability, with a workflow status and a history. 'vigil scan --record'
fills it; 'vigil db update --reevaluate' keeps it current when advisories
change, without pulling images again. See docs/findings.md.`,
	}
	cmd.AddCommand(newFindingsListCmd(g), newFindingsShowCmd(g), newFindingsUpdateCmd(g), newFindingsExportCmd(g), newFindingsReevaluateCmd(g))
	return cmd
}

// queryFlags are the filters, order and page of a GetFindings query. They
// are the arguments of one query, not configuration: plain flags, with no
// environment variable (VIGIL_SEVERITY belongs to scan's report filter).
type queryFlags struct {
	severity, workflow, recordState, compliance string
	repository, image, pkg, vulnerability       string
	since, until                                string
	sort                                        string
}

func (q *queryFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&q.severity, "severity", "", "only these severity labels (comma-separated: "+joinStrings(findings.SeverityLabels)+")")
	fs.StringVar(&q.workflow, "workflow", "", "only these workflow statuses (comma-separated: "+joinStrings(findings.WorkflowStatuses)+")")
	fs.StringVar(&q.recordState, "record-state", "", "only these record states (ACTIVE, ARCHIVED)")
	fs.StringVar(&q.compliance, "compliance", "", "only these compliance statuses (FAILED: still observed, PASSED: resolved)")
	fs.StringVar(&q.repository, "repository", "", "only findings of these repositories (comma-separated, with the registry host: ghcr.io/org/app)")
	fs.StringVar(&q.image, "image", "", "only findings of these image digests (comma-separated sha256:…)")
	fs.StringVar(&q.pkg, "package", "", "only findings of these package names (comma-separated)")
	fs.StringVar(&q.vulnerability, "vulnerability", "", "only findings of these vulnerability ids (comma-separated)")
	fs.StringVar(&q.since, "since", "", "only findings updated at or after this time (RFC 3339, YYYY-MM-DD, or an age: 36h, 7d)")
	fs.StringVar(&q.until, "until", "", "only findings updated before this time (same forms as --since)")
	fs.StringVar(&q.sort, "sort", "", "order: FIELD[:asc|:desc] with FIELD one of "+joinStrings(findings.SortFields)+"; without a direction, times and SeverityLabel sort descending, the others ascending (default UpdatedAt:desc)")
}

var (
	recordStates       = []string{string(findings.RecordActive), string(findings.RecordArchived)}
	complianceStatuses = []string{string(findings.CompliancePassed), string(findings.ComplianceFailed), string(findings.ComplianceWarning), string(findings.ComplianceNotAvailable)}
)

// query builds the Query the flags describe; bad values are errors naming
// the flag.
func (q queryFlags) query(now time.Time) (findings.Query, error) {
	var out findings.Query
	enum := func(flag, value string, field findings.FilterField, known []string) error {
		set, err := parseList(value, known, flag)
		if err != nil || set == nil {
			return err
		}
		f := findings.Filter{Field: field}
		for _, k := range known { // in a stable order
			if set[k] {
				f.Values = append(f.Values, k)
			}
		}
		out.Filters = append(out.Filters, f)
		return nil
	}
	if err := enum("--severity", q.severity, findings.FieldSeverityLabel, stringsOf(findings.SeverityLabels)); err != nil {
		return out, err
	}
	if err := enum("--workflow", q.workflow, findings.FieldWorkflowStatus, stringsOf(findings.WorkflowStatuses)); err != nil {
		return out, err
	}
	if err := enum("--record-state", q.recordState, findings.FieldRecordState, recordStates); err != nil {
		return out, err
	}
	if err := enum("--compliance", q.compliance, findings.FieldComplianceStatus, complianceStatuses); err != nil {
		return out, err
	}
	for _, x := range []struct {
		flag, value string
		field       findings.FilterField
	}{
		{"--repository", q.repository, findings.FieldRepository},
		{"--image", q.image, findings.FieldImageDigest},
		{"--package", q.pkg, findings.FieldPackageName},
		{"--vulnerability", q.vulnerability, findings.FieldVulnerabilityID},
	} {
		if strings.TrimSpace(x.value) == "" {
			continue
		}
		f := findings.Filter{Field: x.field}
		for _, v := range strings.Split(x.value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				return out, fmt.Errorf("%s %q: empty value", x.flag, x.value)
			}
			f.Values = append(f.Values, v)
		}
		out.Filters = append(out.Filters, f)
	}
	if q.since != "" || q.until != "" {
		f := findings.Filter{Field: findings.FieldUpdatedAt}
		var err error
		if q.since != "" {
			if f.Start, err = parseTime("--since", q.since, now); err != nil {
				return out, err
			}
		}
		if q.until != "" {
			if f.End, err = parseTime("--until", q.until, now); err != nil {
				return out, err
			}
		}
		if !f.Start.IsZero() && !f.End.IsZero() && !f.Start.Before(f.End) {
			return out, fmt.Errorf("--since %s is not before --until %s", q.since, q.until)
		}
		out.Filters = append(out.Filters, f)
	}
	if q.sort != "" {
		s, err := parseSort(q.sort)
		if err != nil {
			return out, err
		}
		out.Sort = s
	}
	return out, nil
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// parseTime reads an RFC 3339 time, a date (midnight UTC) or an age before
// now ("36h", "7d").
func parseTime(flag, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time (2024-12-31T00:00:00Z), a date (2024-12-31) or an age (36h, 7d)", flag, s)
}

// parseSort reads FIELD[:asc|:desc]; the field is matched without regard
// to case.
func parseSort(s string) (findings.Sort, error) {
	name, dir, _ := strings.Cut(strings.TrimSpace(s), ":")
	var out findings.Sort
	for _, f := range findings.SortFields {
		if strings.EqualFold(string(f), name) {
			out.Field = f
		}
	}
	if out.Field == "" {
		return out, fmt.Errorf("--sort %q: unknown field %q (known: %s)", s, name, joinStrings(findings.SortFields))
	}
	switch strings.ToLower(dir) {
	case "", "asc":
		// A time or severity reads best newest or worst first.
		out.Desc = dir == "" && out.Field.IsNumeric()
	case "desc":
		out.Desc = true
	default:
		return out, fmt.Errorf("--sort %q: unknown direction %q (asc or desc)", s, dir)
	}
	return out, nil
}

// queryError turns a store's ErrInvalidQuery into a plain message.
func queryError(err error) error {
	if errors.Is(err, findings.ErrInvalidQuery) {
		return fmt.Errorf("bad query: %w", err)
	}
	return err
}

func newFindingsListCmd(g *global) *cobra.Command {
	var (
		hub    hubFlags
		q      queryFlags
		limit  int
		cursor string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List findings, filtered, sorted and one page at a time",
		Example: `  vigil findings list --severity CRITICAL,HIGH --workflow NEW
  vigil findings list --repository ghcr.io/org/app --since 7d --sort SeverityLabel
  vigil findings list --json --limit 500 --cursor <next from the previous page>`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			query, err := q.query(time.Now())
			if err != nil {
				return err
			}
			if limit < 0 || limit > findings.MaxLimit {
				return fmt.Errorf("--limit %d: want 1 to %d", limit, findings.MaxLimit)
			}
			query.Limit, query.Cursor = limit, cursor
			store, err := hub.open(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			page, err := store.GetFindings(cmd.Context(), query)
			if err != nil {
				return queryError(err)
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(page)
			}
			printFindings(g, page)
			return nil
		},
	}
	hub.register(cmd.Flags(), true)
	q.register(cmd.Flags())
	cmd.Flags().IntVar(&limit, "limit", findings.DefaultLimit, fmt.Sprintf("page size, at most %d", findings.MaxLimit))
	cmd.Flags().StringVar(&cursor, "cursor", "", "continue after the previous page (its 'next' cursor, with the same filters and sort)")
	settingJSON.boolVar(cmd.Flags(), &asJSON)
	return cmd
}

func printFindings(g *global, page findings.Page) {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tWORKFLOW\tSTATE\tVULNERABILITY\tPACKAGE\tINSTALLED\tFIXED\tIMAGE\tUPDATED\tID")
	for i := range page.Findings {
		f := &page.Findings[i]
		installed := ""
		if len(f.Vulnerabilities) > 0 && len(f.Vulnerabilities[0].VulnerablePackages) > 0 {
			installed = f.Vulnerabilities[0].VulnerablePackages[0].Version
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity.Label, f.Workflow.Status, f.RecordState,
			f.VulnerabilityID(), f.PackageName(), installed, orDash(f.FixedInVersion()), imageName(f),
			f.UpdatedAt.UTC().Format(time.RFC3339), f.ID)
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "\n%d findings", len(page.Findings))
	if page.Next != "" {
		fmt.Fprintf(g.stdout, "; next page: --cursor %s", page.Next)
	}
	fmt.Fprintln(g.stdout)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// imageName is repository@digest (shortened), or the digest.
func imageName(f *findings.Finding) string {
	d := f.ImageDigest()
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		d = d[:len(d)-len(hex)+12]
	}
	if r := f.Repository(); r != "" {
		return r + "@" + d
	}
	return d
}

// getFindings loads findings by id, in the order asked; missing ids are
// left out.
func getFindings(ctx context.Context, store findings.Store, ids []string) (map[string]findings.Finding, error) {
	out := map[string]findings.Finding{}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		q := findings.Query{
			Filters: []findings.Filter{{Field: findings.FieldID, Values: ids[start:min(start+chunk, len(ids))]}},
			Sort:    findings.Sort{Field: findings.SortID},
			Limit:   findings.MaxLimit,
		}
		page, err := store.GetFindings(ctx, q)
		if err != nil {
			return nil, queryError(err)
		}
		for _, f := range page.Findings {
			out[f.ID] = f
		}
	}
	return out, nil
}

func newFindingsShowCmd(g *global) *cobra.Command {
	var (
		hub    hubFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a finding as ASFF JSON, and its history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := hub.open(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			fs, err := getFindings(ctx, store, args)
			if err != nil {
				return err
			}
			f, ok := fs[args[0]]
			if !ok {
				return fmt.Errorf("finding %q: not found ('vigil findings list' shows the ids)", args[0])
			}
			hist, err := store.History(ctx, f.ID)
			if err != nil {
				return err
			}
			if hist == nil {
				hist = []findings.HistoryEntry{}
			}
			enc := json.NewEncoder(g.stdout)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if asJSON {
				return enc.Encode(struct {
					Finding findings.Finding        `json:"Finding"`
					History []findings.HistoryEntry `json:"History"`
				}{f, hist})
			}
			if err := enc.Encode(f); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, "\nHistory:")
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AT\tACTOR\tFIELD\tFROM\tTO\tREASON")
			for _, h := range hist {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.At.UTC().Format(time.RFC3339), orDash(h.Actor), h.Field, orDash(h.From), orDash(h.To), h.Reason)
			}
			return tw.Flush()
		},
	}
	hub.register(cmd.Flags(), true)
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"Finding": ASFF, "History": [...]} as one JSON document`)
	return cmd
}

func newFindingsUpdateCmd(g *global) *cobra.Command {
	var (
		hub      hubFlags
		workflow string
		note     string
		actor    string
	)
	cmd := &cobra.Command{
		Use:   "update ID...",
		Short: "Set the workflow status and/or the note of findings (as Security Hub's BatchUpdateFindings)",
		Long: `Set the workflow status and/or the note of findings, recording who did it.

Users may move a finding between NOTIFIED, SUPPRESSED and RESOLVED; NEW is
set by Vigil only (a finding first seen, or seen again), and a finding
suppressed by an exception stays so until the exception goes. Every id is
checked first: when one is unknown or its transition is not allowed,
nothing is changed.`,
		Example: `  vigil findings update vigil/sha256:…/0f3c… --workflow NOTIFIED --note "ticket SEC-12"
  vigil findings update ID1 ID2 --workflow RESOLVED --actor alice`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var u findings.Update
			if cmd.Flags().Changed("workflow") {
				w := findings.WorkflowStatus(strings.ToUpper(strings.TrimSpace(workflow)))
				if !containsString(stringsOf(findings.WorkflowStatuses), string(w)) {
					return fmt.Errorf("--workflow: unknown status %q (known: %s)", workflow, joinStrings(findings.WorkflowStatuses))
				}
				u.Workflow = w
			}
			if cmd.Flags().Changed("note") {
				u.Note = &note
			}
			if u.Workflow == "" && u.Note == nil {
				return errors.New("nothing to update: give --workflow and/or --note")
			}
			if strings.TrimSpace(actor) == "" {
				return errors.New("--actor: empty: the history must say who made the change")
			}
			store, err := hub.open(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			ids := uniqueStrings(args)
			// Check every id before changing any: all or nothing.
			have, err := getFindings(ctx, store, ids)
			if err != nil {
				return err
			}
			var problems []string
			for _, id := range ids {
				f, ok := have[id]
				if !ok {
					problems = append(problems, fmt.Sprintf("finding %q: not found", id))
					continue
				}
				if u.Workflow != "" {
					if err := findings.CheckTransition(&f, u.Workflow); err != nil {
						problems = append(problems, err.Error())
					}
				}
			}
			if len(problems) > 0 {
				return fmt.Errorf("nothing updated: %s", strings.Join(problems, "; "))
			}
			results, err := store.BatchUpdateFindings(ctx, ids, u, findings.By{Actor: actor})
			if err != nil {
				return err
			}
			for _, r := range results {
				if r.Err != nil {
					problems = append(problems, r.Err.Error())
				}
			}
			if len(problems) > 0 {
				// Changed between the check and the update (another writer).
				return fmt.Errorf("%d of %d findings not updated: %s", len(problems), len(ids), strings.Join(problems, "; "))
			}
			fmt.Fprintf(g.stdout, "updated %d findings\n", len(ids))
			return nil
		},
	}
	hub.register(cmd.Flags(), true)
	cmd.Flags().StringVar(&workflow, "workflow", "", "new workflow status: NOTIFIED, SUPPRESSED or RESOLVED")
	cmd.Flags().StringVar(&note, "note", "", "note text (an empty --note \"\" removes the note)")
	settingActor.stringVar(cmd.Flags(), &actor)
	return cmd
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
