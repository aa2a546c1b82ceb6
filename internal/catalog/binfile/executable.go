// Package binfile holds what the catalogers of compiled programs (Go
// binaries, cargo-auditable Rust binaries) share: which files may be
// executables, their magic numbers, and a guard against ELF headers that
// would make debug/elf allocate without bound.
package binfile

import (
	"bytes"
	"path"
	"strings"
)

// MaxSize is the largest executable the cataloger asks for. Larger files are
// declined quietly rather than reported as over the walker's limit: nearly
// every executable in an image carries no package metadata, and the biggest
// real Go or Rust programs (with DWARF) stay well under it.
const MaxSize = 512 << 20

// MinSize is below the smallest ELF, PE or Mach-O file that could carry Go
// build information or a cargo-auditable dependency section.
const MinSize = 64

// nonBinaryDirs hold documentation and headers, never programs, whatever
// their mode bits say.
var nonBinaryDirs = []string{
	"usr/share/doc/",
	"usr/share/man/",
	"usr/share/info/",
	"usr/share/locale/",
	"usr/share/zoneinfo/",
	"usr/include/",
	"proc/",
	"sys/",
	"dev/",
}

// nonBinaryExts are extensions of scripts, sources and data files that are
// often marked executable but are never compiled programs.
var nonBinaryExts = map[string]bool{
	".sh": true, ".bash": true, ".zsh": true, ".csh": true, ".fish": true,
	".py": true, ".pyc": true, ".pl": true, ".pm": true, ".rb": true,
	".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".php": true,
	".lua": true, ".tcl": true, ".awk": true, ".sed": true, ".ps1": true,
	".bat": true, ".cmd": true, ".go": true, ".c": true, ".h": true,
	".rs": true, ".java": true, ".jar": true, ".class": true,
	".txt": true, ".md": true, ".json": true, ".yaml": true, ".yml": true,
	".toml": true, ".xml": true, ".html": true, ".htm": true, ".css": true,
	".conf": true, ".cfg": true, ".ini": true, ".desktop": true, ".service": true,
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".svg": true, ".ico": true,
	".gz": true, ".xz": true, ".bz2": true, ".zst": true, ".tar": true, ".zip": true,
}

// Candidate reports, from the path and mode alone, whether a file
// may be a compiled program: a regular file with an executable bit (or a
// Windows .exe, whose mode bits a layer often does not set), outside
// documentation trees and without a script or data extension.
func Candidate(p string, isRegular bool, perm uint32, size int64) bool {
	if !isRegular || size < MinSize || size > MaxSize {
		return false
	}
	ext := strings.ToLower(path.Ext(p))
	if perm&0o111 == 0 && ext != ".exe" {
		return false
	}
	if nonBinaryExts[ext] {
		return false
	}
	for _, d := range nonBinaryDirs {
		if strings.HasPrefix(p, d) {
			return false
		}
	}
	return true
}

// Magic reports whether head starts like an ELF, PE or Mach-O
// (thin or universal) file: the formats debug/buildinfo reads, Go builds
// for, and cargo-auditable writes its .dep-v0 section into.
func Magic(head []byte) bool {
	if bytes.HasPrefix(head, []byte("\x7fELF")) || bytes.HasPrefix(head, []byte("MZ")) {
		return true
	}
	if len(head) < 4 {
		return false
	}
	switch string(head[:4]) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", // Mach-O, big-endian 32/64-bit
		"\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", // Mach-O, little-endian 32/64-bit
		"\xca\xfe\xba\xbe", "\xca\xfe\xba\xbf": // universal (fat) Mach-O
		return true
	}
	return false
}
