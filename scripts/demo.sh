#!/usr/bin/env bash
# The main job on embedded defaults: build vigil, build test images from
# ../shared/data, and print the SBOM of a real image (Debian 12 with a Go
# program and an npm app), then of Alpine 3.10.3.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
scripts/deps.sh
mkdir -p bin
go build -o bin/vigil ./cmd/vigil
echo "== building test images from ../shared/data" >&2
go run ./tools/mkimages app-bookworm alpine-3.10.3 >/dev/null
for img in app-bookworm alpine-3.10.3; do
  echo "== vigil sbom docker-archive:.cache/images/$img.tar" >&2
  bin/vigil sbom "docker-archive:.cache/images/$img.tar" --format table
done
