package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// sarifSchema is the $schema SARIF documents declare: the OASIS SARIF
// 2.1.0 schema (errata 01), the one GitHub code scanning reads.
const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// sarifInformationURI is where the driver points people for Vigil itself.
const sarifInformationURI = "https://github.com/vigilhq/vigil"

// SARIF writes SARIF 2.1.0 for code scanning (GitHub's expectations): one
// run whose tool.driver is "vigil" with the report's tool version; one rule
// per vulnerability id (shortDescription the title or "ID in PACKAGE",
// helpUri the first http(s) reference, help listing the findings, and
// properties.tags plus properties.security-severity, the highest CVSS base
// score of the id's findings, when any is known); one result per finding,
// with level error (CRITICAL, HIGH), warning (MEDIUM) or note (LOW,
// NEGLIGIBLE, UNKNOWN), a message naming the package, the installed and the
// fixed version, and one location: the package's file in the image as a
// relative URI (the image reference when the finding has no file) at line
// 1, with a logical location naming the image. Ignored matches are not
// written.
type SARIF struct{}

var _ Encoder = SARIF{}

// Name implements Encoder.
func (SARIF) Name() string { return FormatSARIF }

// Encode implements Encoder.
func (SARIF) Encode(w io.Writer, r *Report) error {
	if r == nil {
		return fmt.Errorf("encoding %s: no report", FormatSARIF)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sarifOf(r)); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	Help                 *sarifMarkdown     `json:"help,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMarkdown struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is GitHub's score of the rule: "0.0" to "10.0".
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

func sarifOf(r *Report) sarifLog {
	vs := sortedVulnerabilities(r.Vulnerabilities)
	rules := []sarifRule{}
	results := []sarifResult{}
	index := map[string]int{}
	byID := map[string][]Vulnerability{}
	for _, v := range vs {
		if _, ok := index[v.ID]; !ok {
			index[v.ID] = len(index)
		}
		byID[v.ID] = append(byID[v.ID], v)
	}
	for _, v := range vs {
		if len(rules) == index[v.ID] {
			rules = append(rules, sarifRuleOf(byID[v.ID]))
		}
		results = append(results, sarifResult{
			RuleID:    v.ID,
			RuleIndex: index[v.ID],
			Level:     sarifLevel(v.Severity),
			Message:   sarifText{Text: findingMessage(v)},
			Locations: []sarifLocation{sarifLocationOf(r.Image, v.Package)},
		})
	}
	return sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           ToolName,
				Version:        r.Tool.Version,
				InformationURI: sarifInformationURI,
				Rules:          rules,
			}},
			Results: results,
		}},
	}
}

// sarifRuleOf describes one vulnerability id from its findings, most
// severe first.
func sarifRuleOf(vs []Vulnerability) sarifRule {
	first := vs[0]
	short := first.Title
	if short == "" {
		short = first.ID + " in " + first.Package.Name
	}
	rule := sarifRule{
		ID:                   first.ID,
		ShortDescription:     sarifText{Text: short},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(first.Severity)},
		Properties: sarifRuleProps{
			Tags: []string{"security", "vulnerability", strings.ToLower(severityOf(first.Severity))},
		},
	}
	if first.Title != "" {
		rule.FullDescription = &sarifText{Text: first.ID + ": " + first.Title}
	}
	best, known := 0.0, false
	for _, v := range vs {
		if s, ok := cvssScore(v.CVSS); ok && (!known || s > best) {
			best, known = s, true
		}
	}
	if known {
		rule.Properties.SecuritySeverity = strconv.FormatFloat(best, 'f', 1, 64)
	}
	var refs []string
	for _, v := range vs {
		for _, ref := range v.References {
			if isAbsoluteURL(ref) && !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
	}
	if len(refs) > 0 {
		rule.HelpURI = refs[0]
	}
	rule.Help = sarifHelp(first, vs, refs)
	return rule
}

// sarifHelp is the help text of a rule: the id, aliases, severity, one line
// per finding and the references.
func sarifHelp(first Vulnerability, vs []Vulnerability, refs []string) *sarifMarkdown {
	var text, md strings.Builder
	fmt.Fprintf(&text, "Vulnerability %s\n", first.ID)
	fmt.Fprintf(&md, "**Vulnerability %s**\n\n", first.ID)
	if len(first.Aliases) > 0 {
		fmt.Fprintf(&text, "Aliases: %s\n", strings.Join(first.Aliases, ", "))
		fmt.Fprintf(&md, "Aliases: %s\n\n", strings.Join(first.Aliases, ", "))
	}
	sev := severityOf(first.Severity)
	if first.SeveritySource != "" {
		sev += " (" + first.SeveritySource + ")"
	}
	fmt.Fprintf(&text, "Severity: %s\n", sev)
	fmt.Fprintf(&md, "Severity: %s\n\n| Package | Installed | Fixed | Status | Path |\n| --- | --- | --- | --- | --- |\n", sev)
	for _, v := range vs {
		fmt.Fprintf(&text, "Package: %s\n", findingMessage(v))
		fmt.Fprintf(&md, "| %s | %s | %s | %s | %s |\n", mdCell(v.Package.Name), mdCell(v.InstalledVersion),
			mdCell(v.FixedVersion), mdCell(v.Status), mdCell(v.Package.Path))
	}
	if len(refs) > 0 {
		text.WriteString("References:\n")
		md.WriteString("\nReferences:\n")
		for _, ref := range refs {
			fmt.Fprintf(&text, "  %s\n", ref)
			fmt.Fprintf(&md, "- <%s>\n", ref)
		}
	}
	return &sarifMarkdown{Text: text.String(), Markdown: md.String()}
}

// findingMessage says what is affected and what to do:
// "openssl 3.0.11-1~deb12u1 is affected by CVE-2024-0727; fixed in 3.0.13-1~deb12u1".
func findingMessage(v Vulnerability) string {
	verb := "is affected by"
	if v.Status == StatusUnderInvestigation {
		verb = "may be affected by"
	}
	msg := fmt.Sprintf("%s %s %s %s", v.Package.Name, v.InstalledVersion, verb, v.ID)
	switch {
	case v.FixedVersion != "":
		msg += "; fixed in " + v.FixedVersion
	case v.Status == StatusWillNotFix:
		msg += "; no fix available (the distribution will not fix it)"
	case v.Status == StatusUnderInvestigation:
		msg += " (under investigation)"
	default:
		msg += "; no fix available"
	}
	return msg
}

// sarifLevel maps severities to SARIF levels as Trivy and Grype do.
func sarifLevel(severity string) string {
	switch severityOf(severity) {
	case SeverityCritical, SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}

// sarifLocationOf places a finding at the package's file in the image. The
// URI is relative (code scanning rejects other schemes); the image is named
// by a logical location.
func sarifLocationOf(img Image, p Package) sarifLocation {
	where := p.Path
	if where == "" {
		where = img.Reference
	}
	uri := (&url.URL{Path: strings.TrimLeft(where, "/")}).String()
	if uri == "" {
		uri = "."
	}
	fqn := img.Reference
	if img.Digest != "" {
		fqn += "@" + img.Digest
	}
	return sarifLocation{
		PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: uri},
			Region:           sarifRegion{StartLine: 1},
		},
		LogicalLocations: []sarifLogicalLocation{{Name: img.Reference, FullyQualifiedName: fqn, Kind: "image"}},
	}
}

// mdCell keeps a value inside one Markdown table cell.
func mdCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
