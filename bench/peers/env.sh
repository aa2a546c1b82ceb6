# Sourced by the bench/peers scripts: paths and the offline settings of the peers.
PEERS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)   # the Vigil checkout
export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"
PEERS_GOBIN=$(go env GOBIN); [ -n "$PEERS_GOBIN" ] || PEERS_GOBIN="$(go env GOPATH)/bin"
PEERS_DATA=${PEERS_DATA:-$(cd "$PEERS_ROOT/../shared/data" && pwd)}
PEERS_CACHE=${PEERS_CACHE:-$PEERS_ROOT/.cache/peers}

# grype: local database only, no update or age checks.
export GRYPE_DB_CACHE_DIR="$PEERS_CACHE/grype/db"
export GRYPE_DB_AUTO_UPDATE=false
export GRYPE_DB_VALIDATE_AGE=false
export GRYPE_DB_VALIDATE_BY_HASH_ON_START=false
export GRYPE_CHECK_FOR_APP_UPDATE=false
export SYFT_CHECK_FOR_APP_UPDATE=false
# trivy: database at $TRIVY_CACHE/db/trivy.db
TRIVY_CACHE="$PEERS_CACHE/trivy"
TRIVY_OFFLINE_FLAGS=(--cache-dir "$TRIVY_CACHE" --skip-db-update --skip-java-db-update --skip-check-update --offline-scan --cache-backend memory --disable-telemetry)
# osv-scanner: --local-db-path holds osv-scalibr/<Ecosystem>/all.zip
OSV_DB="$PEERS_CACHE/osv"

# peers_offline CMD...: run CMD in a fresh network namespace (no network at
# all) when possible, to prove the peers need none; PEERS_NETNS=0 disables.
peers_offline() {
  if [ "${PEERS_NETNS:-1}" = 1 ] && unshare -n true 2>/dev/null; then
    unshare -n "$@"
  else
    "$@"
  fi
}
