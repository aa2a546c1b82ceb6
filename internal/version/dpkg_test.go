package version

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigilhq/vigil/internal/shareddata"
)

// TestParseDpkg follows test_version_parse in dpkg's lib/dpkg/t/t-version.c
// (guillemj/dpkg). Inputs dpkg only warns about are accepted, as
// dpkg --compare-versions accepts them.
func TestParseDpkg(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want DpkgVersion
	}{
		{"0", DpkgVersion{0, "0", ""}},
		{"0:0", DpkgVersion{0, "0", ""}},
		{"0:0-0", DpkgVersion{0, "0", "0"}},
		{"0:0.0-0.0", DpkgVersion{0, "0.0", "0.0"}},
		{"1:0", DpkgVersion{1, "0", ""}},
		{"5:1", DpkgVersion{5, "1", ""}},
		{"0:0-0-0", DpkgVersion{0, "0-0", "0"}},
		{"0:0-0-0-0", DpkgVersion{0, "0-0-0", "0"}},
		{"0:0:0-0", DpkgVersion{0, "0:0", "0"}},
		{"0:0:0:0-0", DpkgVersion{0, "0:0:0", "0"}},
		{"0:0:0-0-0", DpkgVersion{0, "0:0-0", "0"}},
		{"0:0-0:0-0", DpkgVersion{0, "0-0:0", "0"}},
		{"0:09azAZ.-+~:-0", DpkgVersion{0, "09azAZ.-+~:", "0"}},
		{"0:0-azAZ09.+~", DpkgVersion{0, "0", "azAZ09.+~"}},
		{"  \t0:0-1", DpkgVersion{0, "0", "1"}},
		{"0:0-1\t  ", DpkgVersion{0, "0", "1"}},
		{"\t  0:0-1  \t", DpkgVersion{0, "0", "1"}},
		// dpkg warns about these but still compares them.
		{"0:abc3-0", DpkgVersion{0, "abc3", "0"}},
		{"0:0_-0", DpkgVersion{0, "0_", "0"}},
		{"0:0-0:0", DpkgVersion{0, "0", "0:0"}},
		// strtol reads the epoch.
		{"+1:0", DpkgVersion{1, "0", ""}},
	} {
		got, err := ParseDpkg(tc.in)
		if err != nil {
			t.Errorf("ParseDpkg(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseDpkg(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, in := range []string{
		"", "  ", "0:", "0:0 0-1", "-1:0-1", "999999999999999999999999:0-1",
		"2147483648:1", "a:0-0", "A:0-0", "-0", "0:-0",
		// t-version.c still accepts an empty revision; dpkg 1.21, the
		// installed oracle, rejects it.
		"0:0-",
	} {
		if _, err := ParseDpkg(in); err == nil {
			t.Errorf("ParseDpkg(%q) succeeded, want an error", in)
		}
	}
}

// TestCompareDpkg follows test_version_compare and test_version_relate in
// lib/dpkg/t/t-version.c, plus Debian policy's examples of '~'.
func TestCompareDpkg(t *testing.T) {
	for _, tc := range dpkgVectors {
		checkCompare(t, Dpkg, tc.a, tc.b, tc.want)
	}
}

type orderCase struct {
	a, b string
	want int
}

var dpkgVectors = []orderCase{
	{"0-0", "0-0", 0},
	{"0-00", "00-0", 0},
	{"1:2-3", "1:2-3", 0},
	{"0:0-0", "1:0-0", -1},
	{"1:0-0", "0:0-0", 1},
	{"a-0", "b-0", -1},
	{"0-a", "0-b", -1},
	{"1-1", "2-1", -1},
	{"1-1", "1-2", -1},
	{"2-1", "1-1", 1},
	{"1.0~rc1", "1.0", -1},
	{"1.0~~", "1.0~~a", -1},
	{"1.0~~a", "1.0~", -1},
	{"1.0~", "1.0", -1},
	{"1.0", "1.0a", -1},
	{"1.0a", "1.0+", -1},
	{"1.0+", "1.0.", -1},
	{"1.2.3-1", "1.2.3-1+deb12u1", -1},
	{"1.2.3-1~bpo12+1", "1.2.3-1", -1},
	{"2:1.0", "1:9.9", 1},
	{"1.10", "1.9", 1},
	{"1.002", "1.2", 0},
}

// checkCompare checks the scheme's Comparator on one pair, both ways.
func checkCompare(t *testing.T, s Scheme, a, b string, want int) {
	t.Helper()
	c, err := ForScheme(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Compare(a, b)
	if err != nil {
		t.Errorf("%s Compare(%q, %q): %v", s, a, b, err)
		return
	}
	if got != want {
		t.Errorf("%s Compare(%q, %q) = %d, want %d", s, a, b, got, want)
	}
	if back, _ := c.Compare(b, a); back != -want {
		t.Errorf("%s Compare(%q, %q) = %d, want %d", s, b, a, back, -want)
	}
}

var dpkgAdvisoryLine = regexp.MustCompile(`^\t\[[a-z-]+\] - \S+ ([0-9]\S*)`)

// debianVersions reads every distinct version from the dpkg status files of
// the shared Debian root filesystems and every fixed version in the Debian
// security tracker's DSA and DLA lists.
func debianVersions(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	read := func(rel string, match func(line string) (string, bool)) int {
		b, err := os.ReadFile(shareddata.Path(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if v, ok := match(sc.Text()); ok {
				seen[v] = true
				n++
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("reading %s: %v", rel, err)
		}
		if n == 0 {
			t.Fatalf("no versions in %s", rel)
		}
		return n
	}
	for _, suite := range []string{"bookworm", "bullseye", "trixie"} {
		read("rootfs/debian/"+suite+"/dpkg-status", func(line string) (string, bool) {
			v, ok := strings.CutPrefix(line, "Version: ")
			return v, ok
		})
	}
	for _, list := range []string{"DSA", "DLA"} {
		read("distro/debian-security-tracker/data/"+list+"/list", func(line string) (string, bool) {
			m := dpkgAdvisoryLine.FindStringSubmatch(line)
			if m == nil {
				return "", false
			}
			return m[1], true
		})
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// randomDpkgVersion builds a version dpkg accepts, weighted towards the
// characters that matter to the ordering ('~', '+', '.', letters, digit
// runs with leading zeros), with the odd character dpkg only warns about.
func randomDpkgVersion(r *rand.Rand) string {
	var b strings.Builder
	epoch := r.IntN(4) == 0
	if epoch {
		b.WriteString(strconv.Itoa(r.IntN(3)))
		b.WriteByte(':')
	}
	upstream := "0123456789.~+abzAZ"
	if epoch {
		upstream += ":"
	}
	b.WriteByte(byte('0' + r.IntN(10)))
	hyphen := false
	for n := r.IntN(10); n > 0; n-- {
		switch k := r.IntN(20); {
		case k < 8:
			b.WriteString(strconv.Itoa(r.IntN(120)))
		case k == 8:
			b.WriteString("00")
		case k == 9:
			b.WriteByte('-')
			hyphen = true
		case k == 10 && r.IntN(10) == 0:
			b.WriteString([]string{"_", "é", "="}[r.IntN(3)])
		default:
			b.WriteByte(upstream[r.IntN(len(upstream))])
		}
	}
	if hyphen || r.IntN(3) > 0 {
		const rev = "0123456789.~+abzAZ"
		b.WriteByte('-')
		b.WriteByte(rev[r.IntN(len(rev))])
		for n := r.IntN(5); n > 0; n-- {
			b.WriteByte(rev[r.IntN(len(rev))])
		}
	}
	return b.String()
}

// mutateDpkgVersion makes a version close to v, to put near-equal pairs
// next to each other.
func mutateDpkgVersion(r *rand.Rand, v string) string {
	switch r.IntN(8) {
	case 0:
		return v + "~rc1"
	case 1:
		return v + "+deb12u1"
	case 2:
		return v + ".0"
	case 3:
		return v + "~"
	case 4:
		if i := strings.IndexAny(v, "123456789"); i >= 0 {
			return v[:i] + "0" + v[i:] // a leading zero: equal to v
		}
	case 5:
		if !strings.Contains(v, ":") {
			return "1:" + v
		}
	case 6:
		if h := strings.LastIndexByte(v, '-'); h > 0 && !strings.Contains(v[:h], "-") {
			return v[:h]
		}
	}
	i := strings.IndexAny(v, "0123456789")
	return v[:i] + strconv.Itoa(r.IntN(10)) + v[i+1:]
}

// TestDpkgOracle compares ParseDpkg/Compare with the installed
// dpkg --compare-versions on every version in the shared Debian data (the
// installed packages of three suites and ~10,000 fixed versions from the
// security tracker), plus seeded random versions and near-copies of real
// ones. The versions are sorted with Compare and dpkg confirms each link of
// the chain (a < b or a = b); as dpkg's order is transitive, that proves
// the two orders agree on every pair, with one dpkg call per version.
func TestDpkgOracle(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Fatalf("the dpkg oracle needs dpkg on PATH: %v", err)
	}
	real := debianVersions(t)
	if len(real) < 5000 {
		t.Fatalf("read %d Debian versions, want the shared data's ~10,000", len(real))
	}
	r := rand.New(rand.NewPCG(1, 2))
	all := map[string]bool{}
	for _, v := range real {
		all[v] = true
	}
	for range 600 {
		all[randomDpkgVersion(r)] = true
		all[mutateDpkgVersion(r, real[r.IntN(len(real))])] = true
	}
	parsed := make([]DpkgVersion, 0, len(all))
	raw := map[DpkgVersion]string{}
	for v := range all {
		p, err := ParseDpkg(v)
		if err != nil {
			t.Errorf("ParseDpkg(%q): %v", v, err)
			continue
		}
		if _, dup := raw[p]; dup {
			continue // the same parts written differently; one suffices
		}
		raw[p] = v
		parsed = append(parsed, p)
	}
	slices.SortFunc(parsed, func(a, b DpkgVersion) int {
		if c := a.Compare(b); c != 0 {
			return c
		}
		return strings.Compare(raw[a], raw[b])
	})

	var links []string
	for i := 1; i < len(parsed); i++ {
		op := "lt"
		if parsed[i-1].Compare(parsed[i]) == 0 {
			op = "eq"
		}
		links = append(links, raw[parsed[i-1]]+" "+op+" "+raw[parsed[i]])
	}
	// Random pairs far apart in the chain, checked directly as well.
	for range 300 {
		a, b := parsed[r.IntN(len(parsed))], parsed[r.IntN(len(parsed))]
		op := map[int]string{-1: "lt", 0: "eq", 1: "gt"}[a.Compare(b)]
		links = append(links, raw[a]+" "+op+" "+raw[b])
	}

	failures := runDpkgOracle(t, dpkg, links)
	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more", len(failures)-20)
			break
		}
		t.Errorf("dpkg --compare-versions disagrees: %s", f)
	}
	t.Logf("dpkg confirmed %d comparisons over %d distinct versions (%d from Debian data)", len(links), len(parsed), len(real))
}

// runDpkgOracle runs "dpkg --compare-versions a op b" for each "a op b"
// line in a few shell loops at once and returns the lines dpkg rejected.
func runDpkgOracle(t *testing.T, dpkg string, lines []string) []string {
	t.Helper()
	const script = `while read -r a op b; do "$0" --compare-versions "$a" "$op" "$b" 2>/dev/null || printf '%s %s %s\n' "$a" "$op" "$b"; done`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	workers := 4
	var (
		mu       sync.Mutex
		failures []string
		wg       sync.WaitGroup
	)
	for w := range workers {
		var in strings.Builder
		for i := w; i < len(lines); i += workers {
			in.WriteString(lines[i])
			in.WriteByte('\n')
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, "sh", "-c", script, dpkg)
			cmd.Stdin = strings.NewReader(in.String())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, fmt.Sprintf("running the dpkg loop: %v: %s", err, stderr.String()))
			}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if l != "" {
					failures = append(failures, l)
				}
			}
		}()
	}
	wg.Wait()
	return failures
}
