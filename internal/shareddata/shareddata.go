// Package shareddata locates the project's shared real-data folder
// (../shared/data beside the repository), for tests, benchmarks and the demo.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir overrides where the shared data folder is.
const EnvDir = "VIGIL_SHARED_DATA"

// Dir returns the shared data folder: $VIGIL_SHARED_DATA, or ../shared/data
// next to the module root found by walking up from the working directory.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(filepath.Dir(root), "shared", "data")
	if _, err := os.Stat(filepath.Join(d, "README.md")); err != nil {
		return "", fmt.Errorf("shared data not found at %s (clone the project with ../shared beside it, or set %s): %w", d, EnvDir, err)
	}
	return d, nil
}

// ModuleRoot returns the directory holding go.mod, walking up from the
// working directory.
func ModuleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("go.mod not found above the working directory")
		}
	}
}

// TB is the part of testing.TB that Path needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Path returns the path of rel inside the shared data folder, failing the
// test (never skipping it) when the folder or the file is missing.
func Path(t TB, rel string) string {
	t.Helper()
	d, err := Dir()
	if err != nil {
		t.Fatalf("%v", err)
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data file missing: %v", err)
	}
	return p
}
