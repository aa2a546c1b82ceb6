// Package osrelease identifies the distribution of an image from
// /etc/os-release (or /usr/lib/os-release) and, failing those, from the
// older release files: /etc/alpine-release, /etc/debian_version,
// /etc/redhat-release, /etc/centos-release, /etc/system-release and
// /etc/lsb-release. The walker prefers them in that order.
package osrelease

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/internal/catalog"
	"github.com/vigilhq/vigil/internal/inventory"
)

// Cataloger reads release files.
type Cataloger struct{}

var _ catalog.Cataloger = Cataloger{}

// Name implements catalog.Cataloger.
func (Cataloger) Name() string { return "os-release" }

// Version implements catalog.Cataloger.
func (Cataloger) Version() int { return 1 }

const maxReleaseFile = 64 << 10

// Required implements catalog.Cataloger.
func (Cataloger) Required(p string, mode fs.FileMode, size int64) bool {
	if !mode.IsRegular() || size > maxReleaseFile {
		return false
	}
	switch p {
	case "etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version",
		"etc/redhat-release", "etc/centos-release", "etc/system-release", "etc/lsb-release":
		return true
	}
	return false
}

// Catalog implements catalog.Cataloger.
func (Cataloger) Catalog(_ context.Context, in catalog.Input) (catalog.Result, error) {
	b, err := io.ReadAll(io.LimitReader(in.Reader(), maxReleaseFile))
	if err != nil {
		return catalog.Result{}, err
	}
	var d *inventory.Distro
	switch in.Path {
	case "etc/os-release", "usr/lib/os-release":
		d = ParseOSRelease(string(b))
	case "etc/alpine-release":
		if v := strings.TrimSpace(string(b)); v != "" {
			d = &inventory.Distro{ID: "alpine", VersionID: v, Name: "Alpine Linux v" + v}
		}
	case "etc/debian_version":
		if v := strings.TrimSpace(string(b)); v != "" {
			d = &inventory.Distro{ID: "debian", VersionID: debianMajor(v), Name: "Debian GNU/Linux " + v}
		}
	case "etc/lsb-release":
		d = parseLSB(string(b))
	default:
		d = parseRedHat(string(b))
	}
	if d == nil {
		return catalog.Result{}, fmt.Errorf("no distribution identity in %s", in.Path)
	}
	d.SourcePath = "/" + in.Path
	return catalog.Result{Distro: d}, nil
}

// ParseOSRelease parses the os-release format (shell-style assignments).
func ParseOSRelease(s string) *inventory.Distro {
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		vals[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	if vals["ID"] == "" {
		return nil
	}
	d := &inventory.Distro{
		ID:        strings.ToLower(vals["ID"]),
		VersionID: vals["VERSION_ID"],
		Codename:  vals["VERSION_CODENAME"],
		Name:      vals["PRETTY_NAME"],
	}
	if like := vals["ID_LIKE"]; like != "" {
		d.IDLike = strings.Fields(like)
	}
	return d
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		if u, err := strconv.Unquote(`"` + v[1:len(v)-1] + `"`); err == nil && v[0] == '"' {
			return u
		}
		return v[1 : len(v)-1]
	}
	return v
}

// debianMajor turns "12.15" into "12"; testing's "trixie/sid" stays as is.
func debianMajor(v string) string {
	if i := strings.IndexByte(v, '.'); i > 0 {
		if _, err := strconv.Atoi(v[:i]); err == nil {
			return v[:i]
		}
	}
	return v
}

func parseLSB(s string) *inventory.Distro {
	d := ParseOSRelease(strings.NewReplacer("DISTRIB_ID=", "ID=", "DISTRIB_RELEASE=", "VERSION_ID=",
		"DISTRIB_CODENAME=", "VERSION_CODENAME=", "DISTRIB_DESCRIPTION=", "PRETTY_NAME=").Replace(s))
	return d
}

var redHatRelease = regexp.MustCompile(`^(.*?) (?:Linux )?release (\d+(?:\.\d+)*)`)

func parseRedHat(s string) *inventory.Distro {
	line := strings.TrimSpace(strings.SplitN(s, "\n", 2)[0])
	m := redHatRelease.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	name := strings.ToLower(m[1])
	id := ""
	switch {
	case strings.Contains(name, "centos"):
		id = "centos"
	case strings.Contains(name, "red hat"):
		id = "rhel"
	case strings.Contains(name, "fedora"):
		id = "fedora"
	case strings.Contains(name, "rocky"):
		id = "rocky"
	case strings.Contains(name, "alma"):
		id = "almalinux"
	case strings.Contains(name, "amazon"):
		id = "amzn"
	case strings.Contains(name, "oracle"):
		id = "ol"
	default:
		id = strings.Fields(name)[0]
	}
	ver := m[2]
	if id == "centos" || id == "rhel" || id == "rocky" || id == "almalinux" || id == "ol" {
		ver = strings.SplitN(ver, ".", 2)[0]
	}
	return &inventory.Distro{ID: id, VersionID: ver, Name: line}
}
