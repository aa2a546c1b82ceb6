#!/usr/bin/env bash
# Build the pinned peer scanners with `go install` (versions from
# ../shared/reference/integration.md, "Peer scanners"). Idempotent: a binary
# already in $(go env GOPATH)/bin at the pinned version is skipped
# (checked with `go version -m`). Builds run one at a time (2-core machine).
#
#   bench/peers/install.sh            # all peers
#   bench/peers/install.sh grype      # only some: grype trivy trivy-db osv-scanner
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"
GOBIN=$(go env GOBIN); [ -n "$GOBIN" ] || GOBIN="$(go env GOPATH)/bin"

GRYPE_VERSION=v0.121.2
TRIVY_VERSION=v0.74.0
TRIVY_DB_VERSION=v0.0.0-20260813095258-0e0340a01b57
OSV_SCANNER_VERSION=v2.6.0
OSV_SCANNER_TOOLCHAIN=go1.27.3

# have BINARY MODULE VERSION: true if GOBIN/BINARY was built from MODULE@VERSION
have() {
  [ -x "$GOBIN/$1" ] || return 1
  go version -m "$GOBIN/$1" 2>/dev/null | awk -v m="$2" -v v="$3" '$1=="mod" && $2==m && $3==v {ok=1} END {exit !ok}'
}

install_one() { # name module pkg version [env...]
  local name=$1 mod=$2 pkg=$3 ver=$4; shift 4
  if have "$name" "$mod" "$ver"; then
    echo "install.sh: $name $ver already installed ($GOBIN/$name)"
    return
  fi
  echo "install.sh: building $name $ver ..."
  local t0=$SECONDS
  env "$@" go install "$pkg@$ver"
  have "$name" "$mod" "$ver" || { echo "install.sh: $name built but version check failed" >&2; exit 1; }
  echo "install.sh: $name $ver installed in $((SECONDS - t0)) s"
}

want=("$@"); [ ${#want[@]} -gt 0 ] || want=(grype trivy trivy-db osv-scanner)
for w in "${want[@]}"; do
  case $w in
    grype)       install_one grype github.com/anchore/grype github.com/anchore/grype/cmd/grype "$GRYPE_VERSION" ;;
    trivy)       install_one trivy github.com/aquasecurity/trivy github.com/aquasecurity/trivy/cmd/trivy "$TRIVY_VERSION" GOEXPERIMENT=jsonv2 ;;
    trivy-db)    install_one trivy-db github.com/aquasecurity/trivy-db github.com/aquasecurity/trivy-db/cmd/trivy-db "$TRIVY_DB_VERSION" ;;
    osv-scanner) install_one osv-scanner github.com/google/osv-scanner/v2 github.com/google/osv-scanner/v2/cmd/osv-scanner "$OSV_SCANNER_VERSION" GOTOOLCHAIN="$OSV_SCANNER_TOOLCHAIN" ;;
    *) echo "install.sh: unknown peer $w" >&2; exit 2 ;;
  esac
done
