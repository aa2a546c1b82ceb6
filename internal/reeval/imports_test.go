package reeval_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoRegistryImports: re-evaluation reads the store and the databases,
// never an image: the package imports nothing that opens one.
func TestNoRegistryImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "github.com/vigilhq/vigil/internal/reeval").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := strings.Fields(string(out))
	if len(imports) == 0 {
		t.Fatal("go list listed no imports")
	}
	for _, imp := range imports {
		for _, bad := range []string{"github.com/vigilhq/vigil/internal/imagesrc", "github.com/vigilhq/vigil/internal/layerfs", "github.com/google/go-containerregistry/", "net/http"} {
			if strings.HasPrefix(imp, bad) {
				t.Errorf("internal/reeval imports %s", imp)
			}
		}
	}
}
