#!/usr/bin/env bash
# Build the peers' offline vulnerability databases from ../shared/data, the
# same records Vigil uses. Idempotent: each stage is skipped when its inputs
# (data files, converter sources, peer versions) are unchanged; FORCE=1
# rebuilds everything. Everything goes under .cache/peers/ (git-ignored):
#
#   src/      converted inputs (bench/peers/peerdata): OSV zips, vunnel-style
#             workspaces for grype, trivy-db's cache layout; SUMMARY.tsv
#   osv/      osv-scanner --local-db-path (osv-scalibr/<Ecosystem>/all.zip)
#   grype/    build/vulnerability.db (bench/peers/grypedb) and db/ (GRYPE_DB_CACHE_DIR)
#   trivy/    db/trivy.db + metadata.json (trivy --cache-dir)
#   logs/     build logs
#
#   bench/peers/build-dbs.sh [grype|trivy|osv ...]     (default: all three)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PEERS_ROOT"
C=$PEERS_CACHE
mkdir -p "$C/logs" "$C/stamps" "$C/bin"

want=("$@"); [ ${#want[@]} -gt 0 ] || want=(grype trivy osv)
for t in "${want[@]}"; do
  case $t in grype|trivy|osv) ;; *) echo "build-dbs.sh: unknown peer $t" >&2; exit 2 ;; esac
done
need_bin() {
  command -v "$1" >/dev/null || { echo "build-dbs.sh: $1 not found; run bench/peers/install.sh" >&2; exit 1; }
}

# stage NAME KEY: true (and a rebuild is due) when the stamp differs.
stale() { [ "${FORCE:-0}" = 1 ] || [ "$(cat "$C/stamps/$1" 2>/dev/null)" != "$2" ]; }
stamp() { echo "$2" >"$C/stamps/$1"; }
hash_files() { sha256sum "$@" | sha256sum | cut -c1-16; }

# 1. converted inputs, shared by all peers
data_key=$( (cd "$PEERS_DATA" && find osv distro/alpine-secdb distro/debian-security-tracker -type f -printf '%P %s %T@\n' | sort) | sha256sum | cut -c1-16)
src_key="$data_key-$(hash_files bench/peers/peerdata/main.go)"
if stale src "$src_key" || [ ! -f "$C/src/SUMMARY.tsv" ]; then
  echo "build-dbs.sh: converting $PEERS_DATA -> $C/src"
  go run ./bench/peers/peerdata -data "$PEERS_DATA" -out "$C/src" >"$C/logs/peerdata.log"
  stamp src "$src_key"
fi
cat "$C/src/SUMMARY.tsv"

for t in "${want[@]}"; do
  case $t in
  osv)
    need_bin osv-scanner
    if stale osv "$src_key" || [ ! -f "$C/osv/osv-scalibr/Go/all.zip" ]; then
      rm -rf "$C/osv"; mkdir -p "$C/osv"
      cp -r "$C/src/osv/osv-scalibr" "$C/osv/"
      stamp osv "$src_key"
    fi
    echo "build-dbs.sh: osv-scanner db: $C/osv ($(ls "$C/osv/osv-scalibr" | tr '\n' ' '))"
    ;;
  trivy)
    need_bin trivy-db; need_bin trivy
    key="$src_key-$(go version -m "$(command -v trivy-db)" | awk '$1=="mod"{print $3}')"
    if stale trivy "$key" || [ ! -f "$C/trivy/db/trivy.db" ]; then
      rm -rf "$C/trivy/db"
      # trivy-db's ghsa source loads the Go std package list with `go list`, offline.
      peers_offline trivy-db build --cache-dir "$C/src/trivy" --output-dir "$C/trivy/db" \
        --only-update govulndb --only-update alpine --only-update ghsa >"$C/logs/trivy-db.log" 2>&1 \
        || { tail -20 "$C/logs/trivy-db.log" >&2; exit 1; }
      stamp trivy "$key"
    fi
    echo "build-dbs.sh: trivy db: $C/trivy/db/trivy.db ($(du -h "$C/trivy/db/trivy.db" | cut -f1))"
    ;;
  grype)
    need_bin grype
    key="$src_key-$(hash_files bench/peers/grypedb/main.go bench/peers/grypedb/go.mod)"
    if stale grype "$key" || [ ! -f "$C/grype/build/vulnerability.db" ]; then
      # grypedb is its own module (requires github.com/anchore/grype v0.121.2),
      # so Vigil's go.mod is untouched; its go.sum is written on first build.
      (cd bench/peers/grypedb && GOWORK=off GOFLAGS="-buildvcs=false -mod=mod" go build -o "$C/bin/grypedb" .)
      peers_offline "$C/bin/grypedb" -src "$C/src/grype" -out "$C/grype/build" >"$C/logs/grypedb.log" 2>&1 \
        || { tail -20 "$C/logs/grypedb.log" >&2; exit 1; }
      rm -rf "$C/grype/db"
      peers_offline grype db import "$C/grype/build/vulnerability.db" >"$C/logs/grype-import.log" 2>&1 \
        || { cat "$C/logs/grype-import.log" >&2; exit 1; }
      stamp grype "$key"
    fi
    echo "build-dbs.sh: grype db: $GRYPE_DB_CACHE_DIR ($(du -sh "$GRYPE_DB_CACHE_DIR" | cut -f1))"
    peers_offline grype db status 2>&1 | sed 's/^/  /'
    ;;
  esac
done
