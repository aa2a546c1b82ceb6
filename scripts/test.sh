#!/usr/bin/env bash
# Runs Vigil's whole test suite: the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
scripts/deps.sh
if [ ! -f ../shared/data/README.md ] && [ -z "${VIGIL_SHARED_DATA:-}" ]; then
  echo "test: ../shared/data is missing: clone the project with ../shared beside it" >&2
  exit 1
fi
echo "== building test images from ../shared/data" >&2
go run ./tools/mkimages >/dev/null
echo "== go vet" >&2
go vet ./...
echo "== go test" >&2
go test -count=1 -timeout 25m ./...
