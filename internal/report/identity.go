package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/package-url/packageurl-go"
)

// created is the time documents say they were made: the report's CreatedAt
// in UTC to the second, or now when the report has none.
func created(r *Report) time.Time {
	t := r.CreatedAt
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Second)
}

// documentUUID names a document made from r: a UUID (version 4 layout)
// derived from a hash of what the report says, so the same report always
// gives the same document and different reports different ones.
func documentUUID(r *Report) string {
	h := sha256.New()
	write := func(parts ...string) {
		for _, s := range parts {
			io.WriteString(h, s)
			h.Write([]byte{0})
		}
	}
	write(r.CreatedAt.UTC().Format(time.RFC3339Nano), r.Image.Kind, r.Image.Reference, r.Image.Digest)
	for _, v := range r.Vulnerabilities {
		write("v", v.ID, v.Package.PURL, v.Package.Name, v.InstalledVersion, v.Package.Path, v.Status, v.FixedVersion)
	}
	for _, ig := range r.Ignored {
		write("i", ig.ID, ig.PURL, ig.Package, ig.Version, ig.Justification)
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// imagePURL is the OCI package URL of a registry image, as Trivy and Syft
// write it: pkg:oci/NAME@DIGEST?arch=ARCH&repository_url=REPO&tag=TAG
// (arch from the platform, tag only when there is no digest). It is empty
// for images that are not from a registry (archives, directories) and for
// references that do not parse.
func imagePURL(img Image) string {
	if img.Kind != "" && img.Kind != "registry" {
		return ""
	}
	ref, err := name.ParseReference(img.Reference)
	if err != nil || strings.HasPrefix(img.Reference, "/") || strings.HasPrefix(img.Reference, ".") {
		return ""
	}
	repo := ref.Context()
	var q packageurl.Qualifiers
	if _, arch, ok := strings.Cut(img.Platform, "/"); ok {
		arch, _, _ = strings.Cut(arch, "/")
		q = append(q, packageurl.Qualifier{Key: "arch", Value: arch})
	}
	q = append(q, packageurl.Qualifier{Key: "repository_url", Value: repo.Name()})
	version := img.Digest
	if d, ok := ref.(name.Digest); ok && version == "" {
		version = d.DigestStr()
	}
	if t, ok := ref.(name.Tag); ok && version == "" {
		q = append(q, packageurl.Qualifier{Key: "tag", Value: t.TagStr()})
	}
	return packageurl.NewPackageURL("oci", "", path.Base(repo.RepositoryStr()), version, q, "").ToString()
}

// imageIRI identifies the scanned image as an IRI (OpenVEX products):
// its OCI package URL, a file: URL for an absolute local path, and else
// urn:vigil:image:<escaped reference>.
func imageIRI(img Image) string {
	if p := imagePURL(img); p != "" {
		return p
	}
	if strings.HasPrefix(img.Reference, "/") {
		return (&url.URL{Scheme: "file", Path: img.Reference}).String()
	}
	return "urn:vigil:image:" + url.PathEscape(img.Reference)
}

// isAbsoluteURL reports whether s is an http(s) URL, the only kind written
// where formats want a URI (helpUri, reference URLs).
func isAbsoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
