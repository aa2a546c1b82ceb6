package version

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigilhq/vigil/internal/shareddata"
)

// readOpVectors reads "a op b" lines (op one of < = >), skipping blank
// lines and '#' comments.
func readOpVectors(t testing.TB, path string) []orderCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []orderCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}[fields[1]]
		out = append(out, orderCase{fields[0], fields[2], want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompareAPK runs an excerpt of apk-tools' test/version.data
// (alpinelinux/apk-tools), in testdata/apk-version.data.
func TestCompareAPK(t *testing.T) {
	vectors := readOpVectors(t, "testdata/apk-version.data")
	if len(vectors) < 100 {
		t.Fatalf("read %d vectors", len(vectors))
	}
	for _, tc := range vectors {
		checkCompare(t, APK, tc.a, tc.b, tc.want)
	}
}

func TestParseAPK(t *testing.T) {
	for _, v := range []string{"1", "1.2.3", "1.2.3a", "1.2.3_rc1", "1.2.3_rc1_p2", "1.2.3-r10", "1.2.3~abc123-r0", "0_git20240101-r1"} {
		if v, err := ParseAPK(v); err != nil || !v.Valid() {
			t.Errorf("ParseAPK(%q) = %v, %v; want a valid version", v, v.Valid(), err)
		}
	}
	// apk compares these, but they break its grammar.
	for _, v := range []string{"1.", "1..2", "1.2a3", "1.2_foo", "1.2-r", "1.2-1", "1.2-r1-r2", "1.2~", "1.2~xyz", "1.2 ", "23_foo", "1.0bc"} {
		if v, err := ParseAPK(v); err != nil || v.Valid() {
			t.Errorf("ParseAPK(%q) = %v, %v; want an invalid version", v, v.Valid(), err)
		}
	}
	for _, v := range []string{"", "a", "v1.2", " 1"} {
		if _, err := ParseAPK(v); err == nil {
			t.Errorf("ParseAPK(%q) succeeded, want an error", v)
		}
	}
	// Comparing stops at the first bad token, which sorts after a
	// pre-release suffix and before the end of a version.
	checkCompare(t, APK, "1.9.5_p2-r0", "1.9.5p2-r0", -1)
	checkCompare(t, APK, "1.0_rc1", "1.0X", -1)
	checkCompare(t, APK, "1.0X", "1.0", -1)
	checkCompare(t, APK, "1.0X", "1.0Y", 0)
}

// TestAPKSecdb parses every fixed version in the shared Alpine secdb and
// counts those that break apk's grammar (typos such as "4.8.0.-r1").
func TestAPKSecdb(t *testing.T) {
	dir := shareddata.Path(t, "distro/alpine-secdb/alpine")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no secdb files in %s: %v", dir, err)
	}
	n := 0
	invalid := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var db struct {
			Packages []struct {
				Pkg struct {
					Name     string
					Secfixes map[string][]string
				}
			}
		}
		if err := json.Unmarshal(b, &db); err != nil {
			t.Fatalf("decoding %s: %v", f, err)
		}
		for _, p := range db.Packages {
			for s := range p.Pkg.Secfixes {
				n++
				v, err := ParseAPK(s)
				if err != nil {
					t.Errorf("%s %s: %v", filepath.Base(filepath.Dir(f)), p.Pkg.Name, err)
					continue
				}
				if !v.Valid() {
					invalid[s] = true
				}
			}
		}
	}
	if n < 10000 {
		t.Errorf("parsed %d secfix versions, want the shared data's tens of thousands", n)
	}
	var got []string
	for s := range invalid {
		got = append(got, s)
	}
	slices.Sort(got)
	want := []string{
		"0.12.5.-r0", "0.8.21.r2", "1.0.4.-r0", "1.11-20-r0", "1.18.-r2", "1.7.5.-r1", "1.9.5p2-r0",
		"10.0.11-0", "10.2.22.r0", "10.2.24.r0", "2.15.r-r1", "2021-03-27-r5", "3.3.3p1-r3",
		"4.10-1-r1", "4.8.0.-r1", "57-1-r2", "6.6.2p1-r0", "6.6.4p1-r1", "6.6.4p1-r2", "6.7.1p1-r1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secfix versions breaking apk's grammar (-want +got):\n%s", diff)
	}
}
