package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file at path; -update rewrites the file.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// encode writes r in format, failing the test on error.
func encode(t *testing.T, format string, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, format, r); err != nil {
		t.Fatalf("Encode(%s): %v", format, err)
	}
	return buf.Bytes()
}

// goldenExt is the golden file suffix of each format.
var goldenExt = map[string]string{
	FormatTable:        "table.txt",
	FormatJSON:         "json",
	FormatSARIF:        "sarif.json",
	FormatCycloneDXVEX: "cdx-vex.json",
	FormatOpenVEX:      "openvex.json",
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures() {
		for _, format := range FormatNames() {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				got := encode(t, format, f.report)
				golden(t, filepath.Join("testdata", "golden", f.name+"."+goldenExt[format]), got)
				if again := encode(t, format, f.report); !bytes.Equal(got, again) {
					t.Errorf("two encodings of the same report differ")
				}
			})
		}
	}
}
