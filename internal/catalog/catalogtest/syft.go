package catalogtest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigilhq/vigil/internal/inventory"
)

// SyftArtifact is one package syft reports, as decoded from its JSON output.
type SyftArtifact struct {
	Name, Version, Type, PURL string
	Licenses                  []string // license values in syft's order
	Locations                 []SyftLocation
}

// SyftLocation is one file syft found a package in, with its evidence
// annotation ("primary" or "supporting").
type SyftLocation struct {
	Path     string // as syft reports it, with a leading slash
	Evidence string
}

// PrimaryPaths returns the clean paths (no leading slash) of a's locations
// with primary evidence; supporting evidence (RECORD, top_level.txt, ...) is
// left out.
func (a SyftArtifact) PrimaryPaths() []string {
	var paths []string
	for _, l := range a.Locations {
		if l.Evidence == "primary" {
			paths = append(paths, inventory.CleanPath(l.Path))
		}
	}
	return paths
}

// syftPath is where SyftBinary finds syft, or "" where there is none.
var syftPath = sync.OnceValue(func() string {
	for _, p := range []string{os.Getenv("VIGIL_SYFT"), filepath.Join(goBin(), "syft")} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("syft"); err == nil {
		return p
	}
	return ""
})

// SyftBinary returns the syft binary to compare with: $VIGIL_SYFT, syft in
// the directory `go install` writes to, or syft on PATH. The test fails where
// there is none (-short skips the comparison on a developer's machine).
func SyftBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("comparing with syft takes seconds per tree")
	}
	p := syftPath()
	if p == "" {
		t.Fatal("syft v1.57.0 is needed for this cross-check: scripts/deps.sh installs it (go install github.com/anchore/syft/cmd/syft@v1.57.0), or set VIGIL_SYFT")
	}
	return p
}

// Syft scans dir with syft's default catalogers for mode ("image" or
// "directory") and returns the packages it reports, of every type. syft
// stubs a missing version as "UNKNOWN"; here it is empty.
func Syft(t testing.TB, dir, mode string) []SyftArtifact {
	t.Helper()
	syft := SyftBinary(t)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(syft, "dir:"+abs, "--override-default-catalogers", mode, "-o", "json", "-q")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft: %v\n%s", err, stderr.String())
	}
	var doc struct {
		Artifacts []struct {
			Name      string `json:"name"`
			Version   string `json:"version"`
			Type      string `json:"type"`
			PURL      string `json:"purl"`
			Locations []struct {
				Path        string `json:"path"`
				Annotations struct {
					Evidence string `json:"evidence"`
				} `json:"annotations"`
			} `json:"locations"`
			Licenses []struct {
				Value string `json:"value"`
			} `json:"licenses"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decoding syft output: %v", err)
	}
	artifacts := make([]SyftArtifact, 0, len(doc.Artifacts))
	for _, a := range doc.Artifacts {
		s := SyftArtifact{Name: a.Name, Version: a.Version, Type: a.Type, PURL: a.PURL}
		if s.Version == "UNKNOWN" {
			s.Version = ""
		}
		for _, l := range a.Licenses {
			s.Licenses = append(s.Licenses, l.Value)
		}
		for _, l := range a.Locations {
			s.Locations = append(s.Locations, SyftLocation{Path: l.Path, Evidence: l.Annotations.Evidence})
		}
		artifacts = append(artifacts, s)
	}
	return artifacts
}

// goBin is where `go install` puts binaries.
func goBin() string {
	if out, err := exec.Command("go", "env", "GOBIN").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		return string(bytes.TrimSpace(out))
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		return filepath.Join(strings.SplitN(string(bytes.TrimSpace(out)), string(os.PathListSeparator), 2)[0], "bin")
	}
	return ""
}
