package osrelease

import (
	"bytes"
	"context"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

func TestRelease(t *testing.T) {
	for _, tc := range []struct {
		path, body string
		want       *inventory.Distro
	}{
		// /usr/lib/os-release of Debian 12 (base-files 12.4+deb12u11).
		{"usr/lib/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
			&inventory.Distro{ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux 12 (bookworm)", SourcePath: "/usr/lib/os-release"}},
		// /etc/os-release of Alpine 3.20.3.
		{"etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
			&inventory.Distro{ID: "alpine", VersionID: "3.20.3", Name: "Alpine Linux v3.20", SourcePath: "/etc/os-release"}},
		// Rocky Linux declares ID_LIKE.
		{"etc/os-release", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n",
			&inventory.Distro{ID: "rocky", VersionID: "9.3", IDLike: []string{"rhel", "centos", "fedora"}, SourcePath: "/etc/os-release"}},
		{"etc/alpine-release", "3.10.3\n", &inventory.Distro{ID: "alpine", VersionID: "3.10.3", Name: "Alpine Linux v3.10.3", SourcePath: "/etc/alpine-release"}},
		{"etc/debian_version", "11.11\n", &inventory.Distro{ID: "debian", VersionID: "11", Name: "Debian GNU/Linux 11.11", SourcePath: "/etc/debian_version"}},
		{"etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n", &inventory.Distro{ID: "centos", VersionID: "7", Name: "CentOS Linux release 7.9.2009 (Core)", SourcePath: "/etc/centos-release"}},
		{"etc/redhat-release", "Red Hat Enterprise Linux release 8.6 (Ootpa)\n", &inventory.Distro{ID: "rhel", VersionID: "8", Name: "Red Hat Enterprise Linux release 8.6 (Ootpa)", SourcePath: "/etc/redhat-release"}},
	} {
		c := Cataloger{}
		if !c.Required(tc.path, 0o644, int64(len(tc.body))) {
			t.Fatalf("%s not required", tc.path)
		}
		r, err := c.Catalog(context.Background(), catalog.Input{Path: tc.path, Mode: 0o644, Size: int64(len(tc.body)), Content: bytes.NewReader([]byte(tc.body))})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if diff := cmp.Diff(tc.want, r.Distro); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.path, diff)
		}
	}
	if (Cataloger{}).Required("etc/os-release", fs.ModeSymlink, 10) {
		t.Error("a symlink must not be read (the walker resolves it)")
	}
	if _, err := (Cataloger{}).Catalog(context.Background(), catalog.Input{Path: "etc/os-release", Size: 5, Content: bytes.NewReader([]byte("X=1\n\n"))}); err == nil {
		t.Error("an os-release without ID was accepted")
	}
}
