package findings_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/findings"
	"github.com/vigilhq/vigil/internal/inventory"
	"github.com/vigilhq/vigil/internal/vulndb"
)

func TestPrepareDefaultsAndCursor(t *testing.T) {
	p, err := findings.Query{}.Prepare()
	if err != nil || p.Sort != findings.DefaultSort || p.Limit != findings.DefaultLimit || p.After != nil {
		t.Fatalf("Prepare(zero) = %+v, %v", p, err)
	}
	q := findings.Query{Filters: []findings.Filter{{Field: findings.FieldSeverityLabel, Values: []string{"HIGH"}}}, Sort: findings.Sort{Field: findings.SortSeverity, Desc: true}, Limit: 5}
	p, err = q.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	f := synthetic("CVE-2099-0001", "openssl", "HIGH")
	q.Cursor = p.Next(&f)
	q.Limit = 50 // the page size may change between pages
	p2, err := q.Prepare()
	if err != nil {
		t.Fatalf("Prepare(with its own cursor): %v", err)
	}
	if diff := cmp.Diff(&findings.Cursor{Key: findings.SortKey{N: 3}, ID: f.ID}, p2.After); diff != "" {
		t.Errorf("decoded cursor (-want +got):\n%s", diff)
	}
	if !p2.After.After(p2.Sort, &findings.Finding{ID: "z", Severity: findings.Severity{Label: "MEDIUM"}}) ||
		p2.After.After(p2.Sort, &findings.Finding{ID: "z", Severity: findings.Severity{Label: "CRITICAL"}}) {
		t.Error("Cursor.After does not follow a descending severity sort")
	}
	// A tampered key type.
	raw, _ := base64.RawURLEncoding.DecodeString(q.Cursor)
	bad := base64.RawURLEncoding.EncodeToString([]byte(string(raw[:len(raw)-1]) + `,"x":1}`))
	for _, c := range []string{bad, q.Cursor + "A", q.Cursor[:len(q.Cursor)/2]} {
		q.Cursor = c
		if _, err := q.Prepare(); !errors.Is(err, findings.ErrInvalidQuery) {
			t.Errorf("cursor %q: %v, want ErrInvalidQuery", c, err)
		}
	}
}

func TestFilterMatches(t *testing.T) {
	f := synthetic("CVE-2099-0001", "openssl", "HIGH")
	f.UpdatedAt = hours(2)
	for _, tc := range []struct {
		filter findings.Filter
		want   bool
	}{
		{findings.Filter{Field: findings.FieldUpdatedAt, Start: hours(2)}, true},
		{findings.Filter{Field: findings.FieldUpdatedAt, End: hours(2)}, false},
		{findings.Filter{Field: findings.FieldUpdatedAt, Start: hours(1), End: hours(3)}, true},
		{findings.Filter{Field: findings.FieldFirstObservedAt, End: hours(3)}, false}, // unset times match no range
		{findings.Filter{Field: findings.FieldPackageName, Values: []string{"zlib", "openssl"}}, true},
		{findings.Filter{Field: findings.FieldRepository, Values: []string{"registry.example.com/synthetic/app"}}, true},
		{findings.Filter{Field: findings.FieldVulnerabilityID, Values: []string{"GHSA-CVE-2099-0001"}}, false}, // the primary id only
	} {
		if got := tc.filter.Matches(&f); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestInventoryCodecAndIndex(t *testing.T) {
	inv := &inventory.Inventory{
		Source: inventory.Source{Kind: "registry", Reference: "registry.example.com/synthetic/app:1", Digest: "sha256:aa"},
		Distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3"},
		Packages: []inventory.Package{
			{Name: "libcrypto3", Version: "3.3.2-r0", Ecosystem: "apk", SourceName: "openssl", PURL: "pkg:apk/alpine/libcrypto3@3.3.2-r0"},
			{Name: "libssl3", Version: "3.3.2-r0", Ecosystem: "apk", SourceName: "openssl", PURL: "pkg:apk/alpine/libssl3@3.3.2-r0"},
			{Name: "Django_Rest", Version: "1.0", Ecosystem: "python", PURL: "pkg:pypi/django-rest@1.0"},
			{Name: "guava", Version: "31.0", Ecosystem: "java-archive", Metadata: map[string]string{"groupId": "com.google.guava", "artifactId": "guava"}},
			{Name: "golang.org/x/net", Version: "v0.1.0", Ecosystem: "go-module"},
		},
	}
	want := []vulndb.PackageRef{{Namespace: "alpine:3.20", Package: "openssl"}, {Namespace: "go", Package: "golang.org/x/net"},
		{Namespace: "maven", Package: "com.google.guava:guava"}, {Namespace: "pypi", Package: "django-rest"}}
	if diff := cmp.Diff(want, findings.PackageIndex(inv)); diff != "" {
		t.Errorf("PackageIndex (-want +got):\n%s", diff)
	}
	b, err := findings.EncodeInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	back, err := findings.DecodeInventory(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inv, back); diff != "" {
		t.Errorf("inventory round trip (-want +got):\n%s", diff)
	}
	if _, err := findings.DecodeInventory([]byte("not gzip")); err == nil {
		t.Error("DecodeInventory accepted garbage")
	}
	noDistro := *inv
	noDistro.Distro = nil
	if got := findings.PackageIndex(&noDistro); len(got) != 3 {
		t.Errorf("without a distro, OS packages are not looked up: %v", got)
	}
}
