package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/vigilhq/vigil/internal/inventory"
)

const (
	noAssertion = "NOASSERTION"
	// spdxNamespaceBase starts the documentNamespace of Vigil's SPDX
	// documents; SPDX requires a unique URI, not a reachable one.
	spdxNamespaceBase = "https://github.com/vigilhq/vigil/spdx/"
	spdxDocumentID    = common.ElementID("DOCUMENT")
)

// SPDXJSON writes SPDX 2.3 JSON.
type SPDXJSON struct{}

var _ Encoder = SPDXJSON{}

// Name implements Encoder.
func (SPDXJSON) Name() string { return FormatSPDXJSON }

// Encode implements Encoder.
func (SPDXJSON) Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	d, err := newDocument(FormatSPDXJSON, inv, opts)
	if err != nil {
		return err
	}
	if err := spdxjson.Write(d.spdx(), w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("writing SPDX JSON: %w", err)
	}
	return nil
}

func (d *document) spdx() *v2_3.Document {
	inv := &d.inv
	name := inv.Source.Reference
	if name == "" {
		name = "unnamed"
	}
	kind := inv.Source.Kind
	if kind == "" {
		kind = "unknown"
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    spdxDocumentID,
		DocumentName:      name,
		DocumentNamespace: spdxNamespaceBase + uriSegment(kind) + "/" + uriSegment(name) + "-" + d.id,
		CreationInfo: &v2_3.CreationInfo{
			LicenseListVersion: spdxLicenseListVersion,
			Creators:           []common.Creator{{CreatorType: "Tool", Creator: ToolName + "-" + d.toolVersion}},
			Created:            d.created.Format(time.RFC3339),
		},
	}
	var errs properties
	for _, e := range inv.Errors {
		errs = append(errs, property{propError, e})
	}
	doc.DocumentComment = formatComment(errs)

	rootID, purpose := common.ElementID("DocumentRoot-Image"), "CONTAINER"
	if inv.Source.Kind == "dir" {
		rootID, purpose = "DocumentRoot-Directory", "FILE"
	}
	rootProps := sourceProperties(inv)
	if inv.Distro != nil {
		rootProps = append(rootProps, distroProperties(inv.Distro, true)...)
	}
	root := &v2_3.Package{
		PackageName:             inv.Source.Reference,
		PackageSPDXIdentifier:   rootID,
		PackageVersion:          inv.Source.Digest,
		PackageDownloadLocation: noAssertion,
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PrimaryPackagePurpose:   purpose,
		PackageComment:          formatComment(rootProps),
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
		RefA:         common.DocElementID{ElementRefID: spdxDocumentID},
		RefB:         common.DocElementID{ElementRefID: rootID},
		Relationship: common.TypeRelationshipDescribe,
	})

	ids := uniqueIDs{}
	refs := newLicenseRefs()
	for _, p := range inv.Packages {
		id := common.ElementID(ids.next("Package-" + idString(string(p.Ecosystem)) + "-" + idString(p.Name) + "-" + packageID(p)))
		pkg := &v2_3.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   id,
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  refs.expression(p.Licenses),
			PackageCopyrightText:    noAssertion,
			PackageSourceInfo:       sourceInfo(p),
			PackageComment:          formatComment(packageProperties(p)),
		}
		if p.PURL != "" {
			pkg.PackageExternalReferences = []*v2_3.PackageExternalReference{{
				Category: common.CategoryPackageManager,
				RefType:  common.TypePackageManagerPURL,
				Locator:  p.PURL,
			}}
		}
		doc.Packages = append(doc.Packages, pkg)
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.DocElementID{ElementRefID: rootID},
			RefB:         common.DocElementID{ElementRefID: id},
			Relationship: common.TypeRelationshipContains,
		})
	}
	doc.OtherLicenses = refs.list
	return doc
}

// sourceInfo says, for people, where the package was found.
func sourceInfo(p inventory.Package) string {
	if p.Location.Path == "" {
		return ""
	}
	from := "file"
	if p.Cataloger != "" {
		from = "the " + p.Cataloger + " cataloger"
	}
	s := "acquired package info from " + from + ": /" + p.Location.Path
	if p.Location.Layer != "" {
		s += " (layer " + p.Location.Layer + ")"
	}
	return s
}

// licenseRefs turns license strings into an SPDX license expression,
// declaring a LicenseRef for each string that is neither an SPDX id nor an
// expression.
type licenseRefs struct {
	byText map[string]string // license string → LicenseRef id
	texts  map[string]string // LicenseRef id → license string
	list   []*v2_3.OtherLicense
}

func newLicenseRefs() *licenseRefs {
	return &licenseRefs{byText: map[string]string{}, texts: map[string]string{}}
}

// expression joins the licenses with AND; compound expressions are
// parenthesised so that decoding gives the same list back.
func (r *licenseRefs) expression(ls []string) string {
	var parts []string
	for _, l := range ls {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if id, ok := licenseID(l); ok {
			parts = append(parts, id)
		} else if isCompoundExpression(l) {
			parts = append(parts, "("+l+")")
		} else {
			parts = append(parts, r.ref(l))
		}
	}
	if len(parts) == 0 {
		return noAssertion
	}
	return strings.Join(parts, " AND ")
}

func (r *licenseRefs) ref(text string) string {
	if id, ok := r.byText[text]; ok {
		return id
	}
	id := "LicenseRef-" + idString(text)
	if _, taken := r.texts[id]; taken {
		id += "-" + shortHash(text)[:8]
	}
	r.byText[text] = id
	r.texts[id] = text
	// Like syft: the name is the license as found, the text is unknown.
	r.list = append(r.list, &v2_3.OtherLicense{LicenseIdentifier: id, ExtractedText: noAssertion, LicenseName: text})
	return id
}

// idString replaces what an SPDX idstring may not hold ([A-Za-z0-9.-]) with
// "-".
func idString(s string) string {
	if s == "" {
		return "none"
	}
	b := []byte(s)
	for i, c := range b {
		if !isIDByte(c) {
			b[i] = '-'
		}
	}
	return string(b)
}

// uriSegment makes s safe as one path segment of a URI.
func uriSegment(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isIDByte(c) && c != '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// decodeSPDX reads an SPDX JSON document of the given spdxVersion.
func decodeSPDX(data []byte, version string) (*inventory.Inventory, error) {
	var doc *v2_3.Document
	switch version {
	case v2_3.Version, "SPDX-2.2", "SPDX-2.1":
	default:
		return nil, fmt.Errorf("decoding SPDX JSON: unsupported spdxVersion %q (want SPDX-2.3, SPDX-2.2 or SPDX-2.1)", version)
	}
	// tools-golang v0.5.7 dereferences every entry of "packages": a null one
	// would crash it.
	var shape struct {
		Packages []json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &shape); err != nil {
		return nil, fmt.Errorf("decoding SPDX JSON: %w", err)
	}
	for i, p := range shape.Packages {
		if string(p) == "null" {
			return nil, fmt.Errorf("decoding SPDX JSON: packages[%d] is null", i)
		}
	}
	err := guard("tools-golang", func() error {
		if version == v2_3.Version {
			doc = new(v2_3.Document)
			return json.Unmarshal(data, doc)
		}
		// tools-golang reads the older versions and converts them to 2.3.
		d, err := spdxjson.Read(bytes.NewReader(data))
		doc = d
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decoding %s JSON: %w", version, err)
	}

	ours := spdxWrittenByVigil(doc)
	described := map[common.ElementID]bool{}
	for _, r := range doc.Relationships {
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == doc.SPDXIdentifier && r.RefA.DocumentRefID == "":
			described[r.RefB.ElementRefID] = true
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == doc.SPDXIdentifier && r.RefB.DocumentRefID == "":
			described[r.RefA.ElementRefID] = true
		}
	}
	licenseNames := map[string]string{}
	for _, l := range doc.OtherLicenses {
		if l != nil && l.LicenseName != "" && l.LicenseName != noAssertion {
			licenseNames[l.LicenseIdentifier] = l.LicenseName
		}
	}

	inv := &inventory.Inventory{Packages: []inventory.Package{}}
	var root *v2_3.Package
	for _, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		purl := spdxPURL(sp)
		switch {
		case sp.PrimaryPackagePurpose == "OPERATING-SYSTEM" || sp.PrimaryPackagePurpose == "OPERATING_SYSTEM":
			if inv.Distro == nil {
				inv.Distro = &inventory.Distro{ID: sp.PackageName, VersionID: sp.PackageVersion, Name: sp.PackageDescription}
			}
			continue
		case sp.PrimaryPackagePurpose == "CONTAINER" ||
			described[sp.PackageSPDXIdentifier] && (purl == "" || sp.PrimaryPackagePurpose == "FILE"):
			// The image or directory the document describes (syft: a
			// directory without PURL; other tools: an image with a
			// pkg:oci PURL).
			if root == nil {
				root = sp
			}
			continue
		}
		inv.Packages = append(inv.Packages, spdxPackage(sp, purl, licenseNames, ours))
	}

	var facts imageFacts
	for _, p := range parseComment(doc.DocumentComment) {
		if p.Name == propError {
			facts.apply(p.Name, p.Value)
		}
	}
	if root != nil {
		inv.Source.Reference = root.PackageName
		if ours || looksLikeDigest(root.PackageVersion) {
			inv.Source.Digest = root.PackageVersion
		}
		facts.distro = inv.Distro
		for _, p := range parseComment(root.PackageComment) {
			facts.apply(p.Name, p.Value)
		}
		if facts.err != nil {
			return nil, fmt.Errorf("decoding SPDX JSON: package %s: %w", common.RenderElementID(root.PackageSPDXIdentifier), facts.err)
		}
		inv.Distro = facts.distro
	} else {
		inv.Source.Reference = doc.DocumentName
	}
	inv.Source.Kind = facts.source.Kind
	inv.Source.ImageID = facts.source.ImageID
	inv.Source.Platform = facts.source.Platform
	inv.Source.Architecture = facts.source.Architecture
	inv.Layers = facts.sortedLayers()
	inv.Errors = facts.errors
	if !ours {
		inv.Source.Kind = "sbom"
		inferPeerInventory(inv)
	}
	return inv, nil
}

func spdxWrittenByVigil(doc *v2_3.Document) bool {
	if doc.CreationInfo == nil {
		return false
	}
	for _, c := range doc.CreationInfo.Creators {
		if c.CreatorType == "Tool" && (c.Creator == ToolName || strings.HasPrefix(c.Creator, ToolName+"-")) {
			return true
		}
	}
	return false
}

func spdxPURL(p *v2_3.Package) string {
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == common.TypePackageManagerPURL && strings.ReplaceAll(r.Category, "_", "-") == common.CategoryPackageManager {
			return r.Locator
		}
	}
	return ""
}

func spdxPackage(sp *v2_3.Package, purl string, licenseNames map[string]string, ours bool) inventory.Package {
	p := inventory.Package{
		Name:     sp.PackageName,
		Version:  sp.PackageVersion,
		PURL:     purl,
		Licenses: spdxLicenseStrings(sp.PackageLicenseDeclared, licenseNames),
	}
	for _, prop := range parseComment(sp.PackageComment) {
		applyPackageProperty(&p, prop.Name, prop.Value)
	}
	if !ours {
		if p.Location.Path == "" {
			p.Location.Path = pathFromSourceInfo(sp.PackageSourceInfo)
		}
		inferFromPURL(&p)
	}
	return p
}

// spdxLicenseStrings splits a license expression back into the list Vigil
// wrote: the operands of the top-level ANDs, LicenseRefs replaced by the
// license name they were declared with.
func spdxLicenseStrings(expr string, names map[string]string) []string {
	var out []string
	for _, op := range splitTopLevelAND(expr) {
		if op == noAssertion || op == "NONE" {
			continue
		}
		if n, ok := names[op]; ok {
			op = n
		}
		out = append(out, op)
	}
	return out
}

// pathFromSourceInfo reads the first path of a sourceInfo such as syft's
// "acquired package info from APK DB: /lib/apk/db/installed".
func pathFromSourceInfo(s string) string {
	_, rest, ok := strings.Cut(s, ": /")
	if !ok {
		return ""
	}
	rest, _, _ = strings.Cut(rest, ", ")
	rest, _, _ = strings.Cut(rest, " (layer ")
	return inventory.CleanPath(rest)
}
