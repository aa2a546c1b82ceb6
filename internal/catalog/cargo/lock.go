package cargo

import (
	"context"
	"fmt"
	"io"

	"github.com/BurntSushi/toml"
)

// MaxLockSize bounds a Cargo.lock; the lock files of the largest Rust
// workspaces are a few megabytes.
const MaxLockSize = 32 << 20

// LockPackage is one [[package]] entry of a Cargo.lock.
type LockPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	// Source is empty for workspace members and path dependencies,
	// "registry+<index url>" (or "sparse+<url>") for registry crates and
	// "git+<url>#<commit>" for git dependencies.
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
}

type lockFile struct {
	Packages []LockPackage `toml:"package"`
}

// ParseLock reads the [[package]] entries of a Cargo.lock (every format
// version: the [root] table and [metadata] checksums of version 1 files are
// ignored, as syft does).
func ParseLock(ctx context.Context, r io.Reader) ([]LockPackage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lf lockFile
	if _, err := toml.NewDecoder(r).Decode(&lf); err != nil {
		return nil, fmt.Errorf("decoding toml: %w", err)
	}
	return lf.Packages, nil
}
