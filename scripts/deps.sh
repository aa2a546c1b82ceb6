#!/usr/bin/env bash
# Installs what Vigil's demo and tests need on a fresh Debian machine:
# Debian packages (the CNCF registry, Node.js/npm for the npm test image,
# dpkg as the version oracle) and the Go modules. Package sources come from
# the machine's own apt, npm and Go configuration.
set -euo pipefail

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v dpkg >/dev/null 2>&1 || need+=(dpkg)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
  echo "deps: installing Debian packages: ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "deps: Go is not installed (expected at /usr/local/go)" >&2
    exit 1
  fi
fi
go mod download

# The peer that cross-checks catalogers in the tests (syft builds from the Go
# module proxy; it is a peer to compare with, never a library of Vigil's).
export PATH="$(go env GOPATH)/bin:$PATH"
if ! command -v syft >/dev/null 2>&1 || ! go version -m "$(command -v syft)" | grep -qE 'mod[[:space:]]+github.com/anchore/syft[[:space:]]+v1\.57\.0'; then
  echo "deps: building syft v1.57.0 (a peer for cross-checks)" >&2
  go install github.com/anchore/syft/cmd/syft@v1.57.0
fi
