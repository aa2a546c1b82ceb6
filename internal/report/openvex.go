package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// openVEXContext is the @context of OpenVEX v0.2.0 documents.
const openVEXContext = "https://openvex.dev/ns/v0.2.0"

// OpenVEX writes an OpenVEX v0.2.0 document: @id urn:uuid:<a UUID derived
// from the report>, author "Vigil", timestamp the report's CreatedAt,
// version 1, and one statement per finding:
//
//   - vulnerability: name the id, aliases the aliases;
//   - products: the image (its OCI package URL, see imageIRI), with the
//     package's PURL as subcomponent (none when the package has no PURL);
//   - status "under_investigation" for under-investigation findings, else
//     "affected" with action_statement "Update PACKAGE to FIXED" or "No fix
//     available"; status_notes carries the severity and the message.
//
// Ignored matches are "not_affected" statements with the rule's
// justification and its reason as status_notes, but only when the rule gives
// one of OpenVEX's justifications: not_affected requires one, and an ignore
// without it may be an accepted risk rather than a claim that the image is
// not affected. Other ignored matches are left out. Identical statements
// (the same package found twice) are written once.
//
// A report without findings gives "statements": []. The OpenVEX JSON schema
// asks for at least one statement (openvex/spec#64 proposes allowing none);
// an empty list is what "nothing found" means, so it is written anyway.
type OpenVEX struct{}

var _ Encoder = OpenVEX{}

// Name implements Encoder.
func (OpenVEX) Name() string { return FormatOpenVEX }

// Encode implements Encoder.
func (OpenVEX) Encode(w io.Writer, r *Report) error {
	if r == nil {
		return fmt.Errorf("encoding %s: no report", FormatOpenVEX)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(openVEXOf(r)); err != nil {
		return fmt.Errorf("writing OpenVEX: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing OpenVEX: %w", err)
	}
	return nil
}

type openVEXDocument struct {
	Context    string             `json:"@context"`
	ID         string             `json:"@id"`
	Author     string             `json:"author"`
	Timestamp  string             `json:"timestamp"`
	Version    int                `json:"version"`
	Tooling    string             `json:"tooling"`
	Statements []openVEXStatement `json:"statements"`
}

type openVEXStatement struct {
	Vulnerability   openVEXVulnerability `json:"vulnerability"`
	Products        []openVEXProduct     `json:"products"`
	Status          string               `json:"status"`
	StatusNotes     string               `json:"status_notes,omitempty"`
	Justification   string               `json:"justification,omitempty"`
	ActionStatement string               `json:"action_statement,omitempty"`
}

type openVEXVulnerability struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

type openVEXProduct struct {
	ID            string                `json:"@id"`
	Subcomponents []openVEXSubcomponent `json:"subcomponents,omitempty"`
}

type openVEXSubcomponent struct {
	ID string `json:"@id"`
}

// openVEXJustifications are the justifications OpenVEX allows for
// not_affected.
var openVEXJustifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
}

// validJustification reports whether s is one of OpenVEX's justifications.
func validJustification(s string) bool {
	return slices.Contains(openVEXJustifications, s)
}

func openVEXOf(r *Report) openVEXDocument {
	tooling := ToolName
	if r.Tool.Version != "" {
		tooling += " " + r.Tool.Version
	}
	doc := openVEXDocument{
		Context:    openVEXContext,
		ID:         "urn:uuid:" + documentUUID(r),
		Author:     "Vigil",
		Timestamp:  created(r).Format(time.RFC3339),
		Version:    1,
		Tooling:    tooling,
		Statements: []openVEXStatement{},
	}
	image := imageIRI(r.Image)
	seen := map[string]bool{}
	add := func(s openVEXStatement) {
		key := fmt.Sprintf("%#v", s)
		if !seen[key] {
			seen[key] = true
			doc.Statements = append(doc.Statements, s)
		}
	}
	for _, v := range sortedVulnerabilities(r.Vulnerabilities) {
		s := openVEXStatement{
			Vulnerability: openVEXVulnerability{Name: v.ID, Aliases: uniqueAliases(v.ID, v.Aliases)},
			Products:      []openVEXProduct{openVEXProductOf(image, v.Package.PURL)},
			Status:        "affected",
			StatusNotes:   "Severity " + severityOf(v.Severity) + ". " + findingMessage(v) + ".",
		}
		switch {
		case v.Status == StatusUnderInvestigation:
			s.Status = "under_investigation"
		case v.FixedVersion != "":
			s.ActionStatement = "Update " + v.Package.Name + " to " + v.FixedVersion
		default:
			s.ActionStatement = "No fix available"
		}
		add(s)
	}
	for _, ig := range r.Ignored {
		if !validJustification(ig.Justification) {
			continue
		}
		add(openVEXStatement{
			Vulnerability: openVEXVulnerability{Name: ig.ID},
			Products:      []openVEXProduct{openVEXProductOf(image, ig.PURL)},
			Status:        "not_affected",
			Justification: ig.Justification,
			StatusNotes:   strings.TrimSpace(ig.Reason),
		})
	}
	return doc
}

func openVEXProductOf(image, purl string) openVEXProduct {
	p := openVEXProduct{ID: image}
	if purl != "" {
		p.Subcomponents = []openVEXSubcomponent{{ID: purl}}
	}
	return p
}

// uniqueAliases drops empty and repeated aliases and the id itself
// (OpenVEX wants the aliases unique).
func uniqueAliases(id string, aliases []string) []string {
	var out []string
	for _, a := range aliases {
		if a != "" && a != id && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
