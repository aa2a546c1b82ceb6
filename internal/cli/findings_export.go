package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigilhq/vigil/internal/findings"
)

// asffBatch is how many findings one BatchImportFindings request may carry.
const asffBatch = 100

// exportFormats are the formats of 'vigil findings export'.
var exportFormats = []string{"asff", "json", "sarif", "csv"}

func newFindingsExportCmd(g *global) *cobra.Command {
	var (
		hub            hubFlags
		q              queryFlags
		format, output string
		account        string
		region         string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write findings as ASFF batches for BatchImportFindings, JSON, SARIF or CSV",
		Long: `Write every finding the filters select (all by default):

  asff   one JSON document per line, each a BatchImportFindings request body
         {"Findings": [...]} of at most 100 ASFF findings
  json   one JSON array of ASFF findings
  sarif  SARIF 2.1.0: one result per finding (resolved ones as kind "pass",
         suppressed ones with an accepted suppression), the finding id as
         partial fingerprint
  csv    a header row, then one row per finding

Findings of images outside Amazon ECR carry the placeholder account
000000000000: give --aws-account-id (and --aws-region) to export them under
your account and its default Security Hub product.`,
		Example: `  vigil findings export --format asff -o findings.jsonl --aws-account-id 123456789012 --aws-region eu-west-1
  while read -r batch; do aws securityhub batch-import-findings --cli-input-json "$batch"; done < findings.jsonl
  vigil findings export --format csv --severity CRITICAL,HIGH --compliance FAILED -o open.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			format = strings.ToLower(strings.TrimSpace(format))
			if !containsString(exportFormats, format) {
				return fmt.Errorf("unknown --format %q: choose one of %s", format, strings.Join(exportFormats, ", "))
			}
			rw, err := newRewriter(account, region)
			if err != nil {
				return err
			}
			query, err := q.query(time.Now())
			if err != nil {
				return err
			}
			if query.Sort.Field == "" {
				query.Sort = findings.Sort{Field: findings.SortID}
			}
			store, err := hub.open(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			w, commit, err := openOutput(output, g.stdout)
			if err != nil {
				return err
			}
			if err := exportFindings(ctx, store, query, format, rw, w); err != nil {
				discardOutput(w)
				return err
			}
			return commit()
		},
	}
	hub.register(cmd.Flags(), true)
	q.register(cmd.Flags())
	cmd.Flags().StringVarP(&format, "format", "f", "asff", "output format: "+strings.Join(exportFormats, ", "))
	settingOutput.stringVar(cmd.Flags(), &output)
	settingAWSAcct.stringVar(cmd.Flags(), &account)
	settingAWSReg.stringVar(cmd.Flags(), &region)
	return cmd
}

// rewriter moves findings of images outside ECR (the placeholder account)
// to a real account and region.
type rewriter struct{ account, region string }

func newRewriter(account, region string) (*rewriter, error) {
	if account == "" && region == "" {
		return nil, nil
	}
	if account != "" && (len(account) != 12 || strings.Trim(account, "0123456789") != "") {
		return nil, fmt.Errorf("--aws-account-id %q: want the 12-digit account id", account)
	}
	if region != "" && strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return nil, fmt.Errorf("--aws-region %q: want a region name such as eu-west-1", region)
	}
	return &rewriter{account: account, region: region}, nil
}

func (rw *rewriter) apply(f *findings.Finding) {
	if rw == nil || f.AwsAccountID != findings.DefaultAccountID {
		return
	}
	acct, region := rw.account, rw.region
	if acct == "" {
		acct = f.AwsAccountID
	}
	if region == "" {
		region = f.Region
	}
	partition := "aws"
	for i := range f.Resources {
		if p := f.Resources[i].Partition; p != "" {
			partition = p
		}
		f.Resources[i].Region = region
	}
	f.AwsAccountID, f.Region = acct, region
	f.ProductARN = fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, acct, acct)
}

// exportFindings pages through the query and writes the findings.
func exportFindings(ctx context.Context, store findings.Store, q findings.Query, format string, rw *rewriter, w io.Writer) error {
	bw := bufio.NewWriter(w)
	var enc exporter
	switch format {
	case "asff":
		enc = &asffExporter{w: bw}
	case "json":
		enc = &jsonExporter{w: bw}
	case "csv":
		enc = newCSVExporter(bw)
	case "sarif":
		enc = &sarifExporter{w: bw}
	}
	q.Limit = findings.MaxLimit
	for {
		page, err := store.GetFindings(ctx, q)
		if err != nil {
			return queryError(err)
		}
		for i := range page.Findings {
			rw.apply(&page.Findings[i])
			if err := enc.add(&page.Findings[i]); err != nil {
				return fmt.Errorf("writing %s export: %w", format, err)
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if err := enc.close(); err != nil {
		return fmt.Errorf("writing %s export: %w", format, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s export: %w", format, err)
	}
	return nil
}

// exporter writes findings one at a time.
type exporter interface {
	add(f *findings.Finding) error
	close() error
}

// asffExporter writes JSON Lines: each line a BatchImportFindings request
// body with at most asffBatch findings.
type asffExporter struct {
	w     io.Writer
	batch []asffFinding
}

// asffFinding is a finding as imported: with FindingProviderFields, the
// only way a provider may change the severity and types of a finding
// Security Hub already holds (BatchImportFindings ignores the top-level
// ones after creation).
type asffFinding struct {
	findings.Finding
	FindingProviderFields asffProviderFields `json:"FindingProviderFields"`
}

type asffProviderFields struct {
	Severity struct {
		Label    findings.SeverityLabel `json:"Label"`
		Original string                 `json:"Original,omitempty"`
	} `json:"Severity"`
	Types []string `json:"Types"`
}

func (e *asffExporter) add(f *findings.Finding) error {
	a := asffFinding{Finding: *f}
	a.FindingProviderFields.Severity.Label = f.Severity.Label
	a.FindingProviderFields.Severity.Original = f.Severity.Original
	a.FindingProviderFields.Types = f.Types
	e.batch = append(e.batch, a)
	if len(e.batch) == asffBatch {
		return e.flush()
	}
	return nil
}

func (e *asffExporter) flush() error {
	if len(e.batch) == 0 {
		return nil
	}
	enc := json.NewEncoder(e.w)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Findings []asffFinding `json:"Findings"`
	}{e.batch})
	e.batch = e.batch[:0]
	return err
}

func (e *asffExporter) close() error { return e.flush() }

// jsonExporter writes one JSON array, a finding per line.
type jsonExporter struct {
	w io.Writer
	n int
}

func (e *jsonExporter) add(f *findings.Finding) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	sep := ",\n"
	if e.n == 0 {
		sep = "[\n"
	}
	e.n++
	if _, err := io.WriteString(e.w, sep); err != nil {
		return err
	}
	_, err = e.w.Write(b)
	return err
}

func (e *jsonExporter) close() error {
	end := "\n]\n"
	if e.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(e.w, end)
	return err
}

// csvHeader names the CSV columns.
var csvHeader = []string{"Id", "ImageDigest", "Repository", "VulnerabilityId", "PackageName", "InstalledVersion",
	"FixedInVersion", "SeverityLabel", "WorkflowStatus", "RecordState", "ComplianceStatus",
	"FirstObservedAt", "LastObservedAt", "UpdatedAt", "Title", "Note"}

type csvExporter struct {
	w      *csv.Writer
	header bool
}

func newCSVExporter(w io.Writer) *csvExporter { return &csvExporter{w: csv.NewWriter(w)} }

func (e *csvExporter) writeHeader() error {
	if e.header {
		return nil
	}
	e.header = true
	return e.w.Write(csvHeader)
}

func (e *csvExporter) add(f *findings.Finding) error {
	if err := e.writeHeader(); err != nil {
		return err
	}
	installed := ""
	if len(f.Vulnerabilities) > 0 && len(f.Vulnerabilities[0].VulnerablePackages) > 0 {
		installed = f.Vulnerabilities[0].VulnerablePackages[0].Version
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	row := []string{f.ID, f.ImageDigest(), f.Repository(), f.VulnerabilityID(), f.PackageName(), installed,
		f.FixedInVersion(), string(f.Severity.Label), string(f.Workflow.Status), string(f.RecordState), string(f.Compliance.Status),
		ts(f.FirstObservedAt), ts(f.LastObservedAt), ts(f.UpdatedAt), f.Title, f.Note.Text}
	for i := range row {
		row[i] = csvSafe(row[i])
	}
	return e.w.Write(row)
}

func (e *csvExporter) close() error {
	if err := e.writeHeader(); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (a note or
// an advisory title starting with "=", "+", "-" or "@").
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// The SARIF 2.1.0 subset written for findings.
type (
	sarifDoc struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string         `json:"id"`
		ShortDescription sarifText      `json:"shortDescription"`
		HelpURI          string         `json:"helpUri,omitempty"`
		Properties       sarifRuleProps `json:"properties"`
	}
	sarifRuleProps struct {
		Tags             []string `json:"tags"`
		SecuritySeverity string   `json:"security-severity,omitempty"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Kind                string             `json:"kind"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          map[string]string  `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification,omitempty"`
	}
)

// sarifExporter collects the findings (rules are listed before results)
// and writes one run: a rule per vulnerability id, a result per finding.
type sarifExporter struct {
	w  io.Writer
	fs []findings.Finding
}

func (e *sarifExporter) add(f *findings.Finding) error {
	e.fs = append(e.fs, *f)
	return nil
}

func (e *sarifExporter) close() error {
	sort.SliceStable(e.fs, func(i, j int) bool {
		a, b := &e.fs[i], &e.fs[j]
		if a.VulnerabilityID() != b.VulnerabilityID() {
			return a.VulnerabilityID() < b.VulnerabilityID()
		}
		return a.ID < b.ID
	})
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "vigil", Version: Version, InformationURI: "https://github.com/vigilhq/vigil", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	for i := range e.fs {
		f := &e.fs[i]
		id := f.VulnerabilityID()
		if id == "" {
			id = f.ID
		}
		ri, ok := index[id]
		if !ok {
			ri = len(run.Tool.Driver.Rules)
			index[id] = ri
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID:               id,
				ShortDescription: sarifText{Text: id},
				HelpURI:          f.Remediation.Recommendation.URL,
				Properties:       sarifRuleProps{Tags: []string{"security", "vulnerability"}},
			})
		}
		rule := &run.Tool.Driver.Rules[ri]
		if s := maxCVSS(f); s > 0 {
			if cur, _ := strconv.ParseFloat(rule.Properties.SecuritySeverity, 64); s > cur {
				rule.Properties.SecuritySeverity = strconv.FormatFloat(s, 'f', 1, 64)
			}
		}
		run.Results = append(run.Results, sarifResultOf(f, id, ri))
	}
	enc := json.NewEncoder(e.w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifDoc{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func maxCVSS(f *findings.Finding) float64 {
	best := 0.0
	for _, v := range f.Vulnerabilities {
		for _, c := range v.Cvss {
			best = max(best, c.BaseScore)
		}
	}
	return best
}

func sarifResultOf(f *findings.Finding, ruleID string, ruleIndex int) sarifResult {
	r := sarifResult{
		RuleID:              ruleID,
		RuleIndex:           ruleIndex,
		Kind:                "fail",
		Level:               sarifLevel(f.Severity.Label),
		Message:             sarifText{Text: f.Description},
		PartialFingerprints: map[string]string{"vigilFindingId/v1": f.ID},
		Properties: map[string]string{
			"findingId":        f.ID,
			"imageDigest":      f.ImageDigest(),
			"severity":         string(f.Severity.Label),
			"workflowStatus":   string(f.Workflow.Status),
			"recordState":      string(f.RecordState),
			"complianceStatus": string(f.Compliance.Status),
		},
	}
	if f.Compliance.Status == findings.CompliancePassed || f.RecordState == findings.RecordArchived {
		// No longer observed: the check now passes.
		r.Kind, r.Level = "pass", "none"
	}
	if f.Workflow.Status == findings.WorkflowSuppressed {
		s := sarifSuppression{Kind: "external", Status: "accepted"}
		if by := f.ProductFields[findings.ProductFieldSuppressedBy]; by != "" {
			s.Justification = "exception " + by
		} else if f.Note.Text != "" {
			s.Justification = f.Note.Text
		}
		r.Suppressions = []sarifSuppression{s}
	}
	var loc sarifLocation
	path := ""
	if len(f.Vulnerabilities) > 0 && len(f.Vulnerabilities[0].VulnerablePackages) > 0 {
		path = strings.TrimPrefix(f.Vulnerabilities[0].VulnerablePackages[0].FilePath, "/")
	}
	if path == "" {
		path = "image"
	}
	loc.PhysicalLocation.ArtifactLocation.URI = path
	loc.PhysicalLocation.Region.StartLine = 1
	name := f.ImageDigest()
	if r := f.Repository(); r != "" {
		name = r + "@" + name
	}
	loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: name, Kind: "module"}}
	r.Locations = []sarifLocation{loc}
	return r
}

func sarifLevel(l findings.SeverityLabel) string {
	switch l {
	case findings.SeverityCritical, findings.SeverityHigh:
		return "error"
	case findings.SeverityMedium:
		return "warning"
	}
	return "note"
}
