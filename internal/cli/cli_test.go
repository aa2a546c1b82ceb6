package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/internal/testimages"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSBOMBadInput(t *testing.T) {
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	dead := httptest.NewServer(nil)
	deadHost := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"sbom", "docker-archive:/no/such.tar"}, 1, "not found: no such file: check the path"},
		{"not an image", []string{"sbom", notImage}, 1, "is not a docker-archive"},
		{"unreachable registry", []string{"sbom", deadHost + "/app:1"}, 1, "cannot reach registry " + deadHost},
		{"unknown format", []string{"sbom", "dir:.", "-f", "xml"}, 1, `unknown --format "xml"`},
		{"no argument", []string{"sbom"}, 2, "accepts 1 arg(s)"},
		{"unknown flag", []string{"sbom", "--nope", "x"}, 2, "unknown flag: --nope"},
		{"bad SBOM", []string{"sbom", "convert", notImage}, 1, "decoding SBOM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.want)
			}
			if tc.code == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty on error: %q", stdout)
			}
		})
	}
}

// TestSBOMOutputFile writes a CycloneDX SBOM of a real image to a file and
// reads it back with sbom convert.
func TestSBOMOutputFile(t *testing.T) {
	dir, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimages.Build(context.Background(), "debian-bookworm", dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "sbom.cdx.json")
	if code, _, stderr := run(t, "sbom", "docker-archive:"+img, "-f", "cyclonedx-json", "-o", out, "-q"); code != 0 {
		t.Fatalf("sbom: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, "sbom", "convert", out, "-f", "json")
	if code != 0 {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	var inv struct {
		Packages []struct{ Name, Type string }
	}
	if err := json.Unmarshal([]byte(stdout), &inv); err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 88 {
		t.Errorf("packages after round trip = %d, want 88 (bookworm minbase)", len(inv.Packages))
	}
	// A failed run leaves no output file behind.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if code, _, _ := run(t, "sbom", "docker-archive:/no/such.tar", "-o", bad); code == 0 {
		t.Fatal("expected failure")
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("output file exists after a failed run: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".vigil-out-") {
			t.Errorf("temporary output file left behind: %s", e.Name())
		}
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOutputToDevice writes a report to /dev/null: the device must stay a
// device (an atomic rename over it would replace it with a file).
func TestOutputToDevice(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "sbom", "dir:.", "-o", os.DevNull, "-q", "--no-cache"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != before.Mode() || after.Mode().IsRegular() {
		t.Fatalf("%s changed from %v to %v", os.DevNull, before.Mode(), after.Mode())
	}
}
