package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilhq/vigil/internal/shareddata"
	"github.com/vigilhq/vigil/internal/vulndb"
)

// copyInto copies real files into dir, keeping their names relative to
// root.
func copyInto(t *testing.T, dir, root string, rels ...string) string {
	t.Helper()
	for _, rel := range rels {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dbInfo(t *testing.T, args ...string) vulndb.Info {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"db", "info", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("db info: exit %d: %s", code, stderr)
	}
	var info vulndb.Info
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatalf("db info --json: %v\n%s", err, stdout)
	}
	return info
}

func oneLine(t *testing.T, stderr string) {
	t.Helper()
	if s := strings.TrimSpace(stderr); s == "" || strings.Contains(s, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
}

// TestDBBuildInfoUpdate builds a database from a real source, reads it
// with db info, fails an update from a source of no known format (the old
// database stays usable), then updates it from another real source.
func TestDBBuildInfoUpdate(t *testing.T) {
	ghsa := shareddata.Path(t, "osv/npm-ghsa-sample")
	out := filepath.Join(t.TempDir(), "db")

	code, stdout, stderr := run(t, "db", "build", "--out", out, ghsa)
	if code != 0 || stderr != "" {
		t.Fatalf("db build: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"SOURCE", ghsa + "  osv     7", "7 advisory records, 0 files skipped, " + filepath.Join(out, vulndb.FileName)} {
		if !strings.Contains(stdout, want) {
			t.Errorf("db build output does not say %q:\n%s", want, stdout)
		}
	}
	dbFile := filepath.Join(out, vulndb.FileName)
	before, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr = run(t, "db", "info", "--db", out)
	if code != 0 || stderr != "" {
		t.Fatalf("db info: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"database:   " + dbFile, "schema:     1", "advisories: 7", "npm        7"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("db info output does not say %q:\n%s", want, stdout)
		}
	}
	info := dbInfo(t, "--db", dbFile)
	if info.Advisories != 7 || !cmp.Equal(info.Namespaces, map[string]int{"npm": 7}) || len(info.Sources) != 1 || info.Sources[0].Location != ghsa {
		t.Errorf("db info --json: %+v", info)
	}

	// A failing update: real files, none an advisory.
	unrelated := copyInto(t, t.TempDir(), shareddata.Path(t, "lockfiles/npm-vulnerable"), "package.json", "package-lock.json")
	for _, args := range [][]string{
		{"db", "update", "--db", out, unrelated},
		{"db", "build", "--out", out, unrelated},
	} {
		code, stdout, stderr = run(t, args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		oneLine(t, stderr)
		for _, want := range []string{"vigil: building the vulnerability database: source " + unrelated, "no advisory files of a known format", "known formats: ", "the previous database (if any) is unchanged"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr %q does not say %q", args, stderr, want)
			}
		}
		if stdout != "" {
			t.Errorf("%v: stdout on failure: %q", args, stdout)
		}
		if after, err := os.ReadFile(dbFile); err != nil || !bytes.Equal(before, after) {
			t.Errorf("%v: the previous database changed (%v)", args, err)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 1 {
			t.Errorf("%v: files left beside the database: %v", args, entries)
		}
		if info := dbInfo(t, "--db", out); info.Advisories != 7 {
			t.Errorf("%v: the previous database holds %d advisories, want 7", args, info.Advisories)
		}
	}

	// A good update into the data directory, then with --db.
	goRecords := copyInto(t, t.TempDir(), shareddata.Path(t, "osv/go"), "GO-2020-0001.json", "GO-2020-0003.json")
	data := t.TempDir()
	if code, _, stderr := run(t, "db", "update", "--data", data, goRecords, "--json"); code != 0 {
		t.Fatalf("db update --data: exit %d: %s", code, stderr)
	}
	if info := dbInfo(t, "--data", data); info.Path != filepath.Join(data, "db", vulndb.FileName) || !cmp.Equal(info.Namespaces, map[string]int{"go": 2}) {
		t.Errorf("db info --data after update: %+v", info)
	}
	if code, _, stderr := run(t, "db", "update", "--db", out, goRecords, ghsa); code != 0 {
		t.Fatalf("db update --db: exit %d: %s", code, stderr)
	}
	if info := dbInfo(t, "--db", out); !cmp.Equal(info.Namespaces, map[string]int{"go": 2, "npm": 7}) {
		t.Errorf("db info after update: %+v", info.Namespaces)
	}
}

// TestDBDiff diffs builds of one real Alpine secdb file at two dates.
func TestDBDiff(t *testing.T) {
	const rel = "alpine/v3.19/main.json"
	oldOut := filepath.Join(t.TempDir(), "old.sqlite")
	newOut := filepath.Join(t.TempDir(), "new.sqlite")
	for out, snap := range map[string]string{oldOut: "distro/alpine-secdb-2024-04-01", newOut: "distro/alpine-secdb"} {
		src := copyInto(t, t.TempDir(), shareddata.Path(t, snap), rel)
		if code, _, stderr := run(t, "db", "build", "--out", out, src); code != 0 {
			t.Fatalf("db build: exit %d: %s", code, stderr)
		}
	}
	// What the command should report: vulndb.Diff (tested against the
	// secdb JSON in internal/vulndb).
	ctx := context.Background()
	o, err := vulndb.Open(ctx, oldOut)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	n, err := vulndb.Open(ctx, newOut)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	want, err := vulndb.Diff(ctx, o, n)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[vulndb.ChangeKind]int{}
	for _, c := range want {
		counts[c.Kind]++
	}
	if counts[vulndb.Added] == 0 || counts[vulndb.Changed] == 0 {
		t.Fatalf("the snapshots should differ in both ways: %v", counts)
	}

	code, stdout, stderr := run(t, "db", "diff", oldOut, newOut)
	if code != 0 || stderr != "" {
		t.Fatalf("db diff: exit %d, stderr %q", code, stderr)
	}
	summary := fmt.Sprintf("\n%d added, %d removed, %d changed\n", counts[vulndb.Added], counts[vulndb.Removed], counts[vulndb.Changed])
	if !strings.HasSuffix(stdout, summary) {
		t.Errorf("db diff does not end with %q:\n%s", summary, stdout[max(0, len(stdout)-300):])
	}
	// CVE-2024-2511 (openssl) entered v3.19/main.json after April 2024,
	// CVE-2024-28834 (gnutls) was there already and is unchanged.
	if !strings.Contains(stdout, "\nadded    alpine-secdb  CVE-2024-2511   alpine:3.19/openssl\n") {
		t.Errorf("db diff does not list CVE-2024-2511 as added:\n%s", stdout)
	}
	if strings.Contains(stdout, "CVE-2024-28834") {
		t.Errorf("db diff lists the unchanged CVE-2024-28834")
	}

	code, stdout, stderr = run(t, "db", "diff", oldOut, newOut, "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("db diff --json: exit %d, stderr %q", code, stderr)
	}
	var got []vulndb.Change
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("db diff --json (-vulndb.Diff +command):\n%s", diff)
	}

	code, stdout, _ = run(t, "db", "diff", newOut, newOut, "--json")
	if code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("db diff of a build with itself: exit %d, %q", code, stdout)
	}
}

func TestDBBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.sqlite")
	writeFile(t, corrupt, strings.Repeat("not a database ", 1000))
	missing := filepath.Join(dir, "missing.sqlite")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"build without --out", []string{"db", "build", dir}, 1, "--out DIR is required"},
		{"build from a missing source", []string{"db", "build", "--out", dir, missing}, 1, "source " + missing + " not found"},
		{"info of a missing database", []string{"db", "info", "--db", missing}, 1, "no vulnerability database at " + missing + ": build one with `vigil db build`"},
		{"info of a corrupt database", []string{"db", "info", "--db", corrupt}, 1, "not a Vigil vulnerability database, or a corrupt one: " + corrupt},
		{"diff with a missing database", []string{"db", "diff", corrupt, missing}, 1, corrupt},
		{"diff with one argument", []string{"db", "diff", corrupt}, 2, "accepts 2 arg(s), received 1"},
		{"build without sources", []string{"db", "build", "--out", dir}, 2, "requires at least 1 arg(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not say %q", stderr, tc.want)
			}
			if tc.code == 1 {
				oneLine(t, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout on failure: %q", stdout)
			}
		})
	}
}
