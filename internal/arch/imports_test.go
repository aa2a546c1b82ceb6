package arch

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vigilhq/vigil/"

// rules: a package (prefix) must not import any of the listed prefixes.
var rules = []struct {
	pkg       string
	forbidden []string
	onlyStd   bool
}{
	{pkg: "internal/inventory", onlyStd: true},
	{pkg: "internal/catalog", forbidden: []string{"internal/vulndb", "internal/findings", "internal/server", "internal/match"}},
	{pkg: "internal/match", forbidden: []string{"internal/server", "internal/findings", "internal/imagesrc", "internal/gate"}},
	{pkg: "internal/policy", forbidden: []string{"internal/server", "internal/gate"}},
	{pkg: "internal/findings", forbidden: []string{"internal/server", "internal/gate", "internal/imagesrc", "internal/cli"}},
	// Re-evaluation works from stored inventories: it never opens an image.
	{pkg: "internal/reeval", forbidden: []string{"internal/imagesrc", "internal/layerfs", "internal/server", "internal/cli"}},
}

type listed struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-json", "github.com/vigilhq/vigil/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	std := map[string]bool{}
	stdOut, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	for _, p := range strings.Fields(string(stdOut)) {
		std[p] = true
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		for _, r := range rules {
			if rel != r.pkg && !strings.HasPrefix(rel, r.pkg+"/") {
				continue
			}
			checked++
			for _, imp := range p.Imports {
				if r.onlyStd && !std[imp] {
					t.Errorf("%s imports %s: it may import only the standard library", rel, imp)
				}
				for _, f := range r.forbidden {
					if strings.HasPrefix(imp, module+f) {
						t.Errorf("%s imports %s: forbidden by ARCHITECTURE.md §3", rel, imp)
					}
				}
			}
		}
		// Only the admission gate may import k8s.io.
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "k8s.io/") && !strings.HasPrefix(rel, "internal/gate/admission") {
				t.Errorf("%s imports %s: only internal/gate/admission may import k8s.io/*", rel, imp)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package was checked: the module path or rules are wrong")
	}
}
