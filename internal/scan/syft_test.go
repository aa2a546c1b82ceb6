package scan_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilhq/vigil/internal/catalog/list"
	"github.com/vigilhq/vigil/internal/imagesrc"
	"github.com/vigilhq/vigil/internal/scan"
	"github.com/vigilhq/vigil/internal/testimages"
)

// TestAgreesWithSyft compares Vigil's package set on every test image with
// what syft v1.57.0 reported for the same image (recorded by
// bench/syft-compare.sh in testdata/syft/<image>.tsv), by (type, name,
// version). Every difference must be listed, with its reason, in
// testdata/syft/differences.tsv; a difference that is not listed, or a
// listed one that no longer occurs, fails the test. docs/syft-comparison.md
// explains the reasons.
func TestAgreesWithSyft(t *testing.T) {
	known := readDifferences(t, "testdata/syft/differences.tsv")
	peers, err := filepath.Glob("testdata/syft/*.tsv")
	if err != nil {
		t.Fatal(err)
	}
	cache, err := testimages.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, peer := range peers {
		name := strings.TrimSuffix(filepath.Base(peer), ".tsv")
		if name == "differences" {
			continue
		}
		checked++
		t.Run(name, func(t *testing.T) {
			p, err := testimages.Build(context.Background(), name, cache)
			if err != nil {
				t.Fatal(err)
			}
			img, err := imagesrc.Open(context.Background(), "docker-archive:"+p, imagesrc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			inv, err := scan.Inventory(context.Background(), img, scan.Options{Catalogers: list.All()})
			if err != nil {
				t.Fatal(err)
			}
			ours := map[string]bool{}
			for _, pk := range inv.Packages {
				ours[string(pk.Ecosystem)+"\t"+pk.Name+"\t"+pk.Version] = true
			}
			theirs := map[string]bool{}
			for _, line := range readLines(t, peer) {
				theirs[line] = true
			}
			var got []string
			for k := range ours {
				if !theirs[k] {
					got = append(got, name+"\t+vigil\t"+k)
				}
			}
			for k := range theirs {
				if !ours[k] {
					got = append(got, name+"\t-syft\t"+k)
				}
			}
			sort.Strings(got)
			want := known[name]
			gotSet := map[string]bool{}
			for _, g := range got {
				gotSet[g] = true
				if _, ok := want[g]; !ok {
					t.Errorf("unexplained difference (add it with a reason to testdata/syft/differences.tsv, or fix it): %s", g)
				}
			}
			for w := range want {
				if !gotSet[w] {
					t.Errorf("listed difference no longer occurs (remove it): %s", w)
				}
			}
			t.Logf("%s: vigil %d packages, syft %d, %d explained differences", name, len(ours), len(theirs), len(got))
		})
	}
	if checked == 0 {
		t.Fatal("no syft outputs in testdata/syft: run bench/syft-compare.sh")
	}
}

// readDifferences reads "image<TAB>side<TAB>type<TAB>name<TAB>version<TAB>reason" rows.
func readDifferences(t *testing.T, p string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, line := range readLines(t, p) {
		f := strings.Split(line, "\t")
		if len(f) != 6 || strings.TrimSpace(f[5]) == "" {
			t.Fatalf("%s: want 6 tab-separated fields with a reason: %q", p, line)
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]string{}
		}
		out[f[0]][strings.Join(f[:5], "\t")] = f[5]
	}
	return out
}

func readLines(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
