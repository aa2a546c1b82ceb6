package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// cycloneDXSchema is the $schema the CycloneDX VEX documents declare.
const cycloneDXSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// CycloneDXVEX writes a CycloneDX 1.6 JSON BOM that carries the findings
// as vulnerabilities[] (github.com/CycloneDX/cyclonedx-go): the image is
// the metadata component, each affected package a component whose bom-ref
// is its PURL (or vigil-package-<hash> without one). Each finding is one
// vulnerability with
//
//   - id, and source.name the feed (source.url its origin when that is a URL);
//   - references: the aliases (source NVD for CVE-, GitHub for GHSA-);
//   - ratings: Vigil's severity with its source (method "other"), then one
//     per CVSS vector (method CVSSv2, CVSSv3, CVSSv31 or CVSSv4, with score,
//     vector and the score's severity);
//   - advisories: the http(s) references;
//   - affects[].ref: the package's component, at the installed version;
//   - analysis.state "exploitable", or "in_triage" when the status is
//     under-investigation; response "update" when a fix exists,
//     "will_not_fix" when the distribution said so; detail the message;
//     recommendation "Update PACKAGE to FIXED".
//
// Ignored matches whose rule gives an OpenVEX justification are written as
// analysis.state "not_affected" with the reason as detail and the closest
// CycloneDX justification (component_not_present and
// vulnerable_code_not_present: code_not_present;
// vulnerable_code_not_in_execute_path: code_not_reachable;
// inline_mitigations_already_exist: protected_by_mitigating_control;
// vulnerable_code_cannot_be_controlled_by_adversary: none). Other ignored
// matches are left out. Report errors are vigil:error properties of the BOM.
type CycloneDXVEX struct{}

var _ Encoder = CycloneDXVEX{}

// Name implements Encoder.
func (CycloneDXVEX) Name() string { return FormatCycloneDXVEX }

// Encode implements Encoder.
func (CycloneDXVEX) Encode(w io.Writer, r *Report) error {
	if r == nil {
		return fmt.Errorf("encoding %s: no report", FormatCycloneDXVEX)
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.Encode(cycloneDXOf(r)); err != nil {
		return fmt.Errorf("writing CycloneDX VEX: %w", err)
	}
	return nil
}

func cycloneDXOf(r *Report) *cdx.BOM {
	image := cdx.Component{
		BOMRef:     imagePURL(r.Image),
		Type:       cdx.ComponentTypeContainer,
		Name:       r.Image.Reference,
		Version:    r.Image.Digest,
		PackageURL: imagePURL(r.Image),
	}
	if image.BOMRef == "" {
		image.BOMRef = "vigil-image-" + shortHash(r.Image.Kind, r.Image.Reference, r.Image.Digest)
	}
	if r.Image.Kind == "dir" {
		image.Type = cdx.ComponentTypeFile
	}
	bom := &cdx.BOM{
		JSONSchema:   cycloneDXSchema,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: "urn:uuid:" + documentUUID(r),
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: created(r).Format(time.RFC3339),
			Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
				Type:    cdx.ComponentTypeApplication,
				Name:    ToolName,
				Version: r.Tool.Version,
			}}},
			Component: &image,
		},
	}

	components := map[string]cdx.Component{}
	vulns := []cdx.Vulnerability{}
	for _, v := range sortedVulnerabilities(r.Vulnerabilities) {
		c := cdxComponent(v.Package.Name, v.InstalledVersion, v.Package)
		if _, ok := components[c.BOMRef]; !ok {
			components[c.BOMRef] = c
		}
		vulns = append(vulns, cdxVulnerability(v, c.BOMRef))
	}
	for _, ig := range r.Ignored {
		if !validJustification(ig.Justification) {
			continue
		}
		c := cdxComponent(ig.Package, ig.Version, Package{Name: ig.Package, Version: ig.Version, PURL: ig.PURL})
		if _, ok := components[c.BOMRef]; !ok {
			components[c.BOMRef] = c
		}
		vulns = append(vulns, cdxNotAffected(ig, c.BOMRef))
	}
	if len(components) > 0 {
		list := make([]cdx.Component, 0, len(components))
		for _, ref := range slices.Sorted(maps.Keys(components)) {
			list = append(list, components[ref])
		}
		bom.Components = &list
	}
	bom.Vulnerabilities = &vulns
	var errs []cdx.Property
	for _, e := range r.Errors {
		errs = append(errs, cdx.Property{Name: "vigil:error", Value: e})
	}
	if len(errs) > 0 {
		bom.Properties = &errs
	}
	return bom
}

// cdxComponent is the component of an affected package; its bom-ref is the
// PURL, so the same package always has the same reference.
func cdxComponent(name, version string, p Package) cdx.Component {
	c := cdx.Component{
		BOMRef:     p.PURL,
		Type:       cdx.ComponentTypeLibrary,
		Name:       name,
		Version:    version,
		PackageURL: p.PURL,
	}
	if c.BOMRef == "" {
		c.BOMRef = "vigil-package-" + shortHash(p.Type, name, version, p.Path, p.Layer)
	}
	var props []cdx.Property
	for _, kv := range [][2]string{
		{"vigil:package:type", p.Type},
		{"vigil:location:path", p.Path},
		{"vigil:location:layer", p.Layer},
	} {
		if kv[1] != "" {
			props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
		}
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func cdxVulnerability(v Vulnerability, ref string) cdx.Vulnerability {
	out := cdx.Vulnerability{
		ID:          v.ID,
		Description: v.Title,
		Ratings:     cdxRatings(v),
		Affects:     cdxAffects(ref, v.InstalledVersion, cdx.VulnerabilityStatusAffected),
		Analysis:    &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable, Detail: findingMessage(v)},
	}
	if v.DataSource.Feed != "" {
		out.Source = &cdx.Source{Name: v.DataSource.Feed}
		if isAbsoluteURL(v.DataSource.Origin) {
			out.Source.URL = v.DataSource.Origin
		}
	}
	var refs []cdx.VulnerabilityReference
	for _, a := range uniqueAliases(v.ID, v.Aliases) {
		refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: aliasSource(a)})
	}
	if len(refs) > 0 {
		out.References = &refs
	}
	var advisories []cdx.Advisory
	for _, u := range v.References {
		if isAbsoluteURL(u) {
			advisories = append(advisories, cdx.Advisory{URL: u})
		}
	}
	if len(advisories) > 0 {
		out.Advisories = &advisories
	}
	switch {
	case v.Status == StatusUnderInvestigation:
		out.Analysis.State = cdx.IASInTriage
		out.Affects = cdxAffects(ref, v.InstalledVersion, cdx.VulnerabilityStatusUnknown)
	case v.FixedVersion != "":
		out.Analysis.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARUpdate}
		out.Recommendation = "Update " + v.Package.Name + " to " + v.FixedVersion
	case v.Status == StatusWillNotFix:
		out.Analysis.Response = &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}
	}
	return out
}

// cdxAffects says the component ref is affected (or not) at version; the
// version is left out when unknown.
func cdxAffects(ref, version string, status cdx.VulnerabilityStatus) *[]cdx.Affects {
	a := cdx.Affects{Ref: ref}
	if version != "" {
		a.Range = &[]cdx.AffectedVersions{{Version: version, Status: status}}
	}
	return &[]cdx.Affects{a}
}

// cdxRatings is Vigil's severity, then each CVSS rating.
func cdxRatings(v Vulnerability) *[]cdx.VulnerabilityRating {
	ratings := []cdx.VulnerabilityRating{{Severity: cdxSeverity(v.Severity), Method: cdx.ScoringMethodOther}}
	if v.SeveritySource != "" {
		ratings[0].Source = &cdx.Source{Name: v.SeveritySource}
	}
	for _, c := range v.CVSS {
		version := cvssVersion(c)
		score := c.Score
		rating := cdx.VulnerabilityRating{
			Score:    &score,
			Severity: cdxSeverity(cvssSeverity(version, c.Score)),
			Method:   cdxMethod(version),
			Vector:   c.Vector,
		}
		if c.Source != "" {
			rating.Source = &cdx.Source{Name: c.Source}
		}
		ratings = append(ratings, rating)
	}
	return &ratings
}

func cdxSeverity(s string) cdx.Severity {
	switch strings.ToUpper(s) {
	case SeverityCritical:
		return cdx.SeverityCritical
	case SeverityHigh:
		return cdx.SeverityHigh
	case SeverityMedium:
		return cdx.SeverityMedium
	case SeverityLow:
		return cdx.SeverityLow
	case SeverityNegligible:
		return cdx.SeverityInfo
	case "NONE":
		return cdx.SeverityNone
	}
	return cdx.SeverityUnknown
}

func cdxMethod(version string) cdx.ScoringMethod {
	switch version {
	case "2.0":
		return cdx.ScoringMethodCVSSv2
	case "3.0":
		return cdx.ScoringMethodCVSSv3
	case "3.1":
		return cdx.ScoringMethodCVSSv31
	case "4.0":
		return cdx.ScoringMethodCVSSv4
	}
	return cdx.ScoringMethodOther
}

// aliasSource names the database an alias belongs to, from its prefix.
func aliasSource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	prefix, _, _ := strings.Cut(id, "-")
	return &cdx.Source{Name: prefix}
}

// cdxJustifications maps OpenVEX justifications to the closest CycloneDX
// ones; vulnerable_code_cannot_be_controlled_by_adversary has none.
var cdxJustifications = map[string]cdx.ImpactAnalysisJustification{
	"component_not_present":               cdx.IAJCodeNotPresent,
	"vulnerable_code_not_present":         cdx.IAJCodeNotPresent,
	"vulnerable_code_not_in_execute_path": cdx.IAJCodeNotReachable,
	"inline_mitigations_already_exist":    cdx.IAJProtectedByMitigatingControl,
}

func cdxNotAffected(ig Ignored, ref string) cdx.Vulnerability {
	detail := "ignored (" + ig.Justification + ")"
	if ig.Reason != "" {
		detail += ": " + ig.Reason
	}
	return cdx.Vulnerability{
		ID:      ig.ID,
		Affects: cdxAffects(ref, ig.Version, cdx.VulnerabilityStatusNotAffected),
		Analysis: &cdx.VulnerabilityAnalysis{
			State:         cdx.IASNotAffected,
			Justification: cdxJustifications[ig.Justification],
			Detail:        detail,
		},
	}
}

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
