#!/usr/bin/env bash
# Scan one docker-archive tarball with the three peers, offline, on the
# databases built by build-dbs.sh:
#
#   bench/peers/run.sh IMAGE.tar NAME [grype|trivy|osv ...]
#
# Writes .cache/peers/out/NAME.{grype,trivy,osv}.json (the tools' own JSON),
# NAME.<peer>.tsv (normalize.py: vuln_id, package, installed_version,
# fixed_version; sorted, unique), NAME.<peer>.time (/usr/bin/time -v) and
# NAME.<peer>.log (stderr). Prints one line per peer: findings, wall s, peak RSS.
# Scans run in an empty network namespace when possible (PEERS_NETNS=0: not).
# OSV_PLUGINS="artifact javascript/packagelockjson" makes osv-scanner also read
# package-lock.json files (its image default, "artifact", reads only
# node_modules/.package-lock.json).
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ $# -ge 2 ] || { sed -n '2,15p' "$0"; exit 2; }
img=$(realpath "$1"); name=$2; shift 2
peers=("$@"); [ ${#peers[@]} -gt 0 ] || peers=(grype trivy osv)
[ -f "$img" ] || { echo "run.sh: no such image $img" >&2; exit 1; }
out="$PEERS_CACHE/out"; mkdir -p "$out"
[ -n "$(ls -A "$GRYPE_DB_CACHE_DIR" 2>/dev/null)" ] && [ -f "$TRIVY_CACHE/db/trivy.db" ] && [ -d "$OSV_DB/osv-scalibr" ] \
  || { echo "run.sh: databases missing; run bench/peers/build-dbs.sh" >&2; exit 1; }

for p in "${peers[@]}"; do
  json="$out/$name.$p.json"; rm -f "$json"
  case $p in
    grype) cmd=(grype "docker-archive:$img" -o json --file "$json") ;;
    trivy) cmd=(trivy image --input "$img" "${TRIVY_OFFLINE_FLAGS[@]}" --scanners vuln --format json --output "$json") ;;
    osv)   cmd=(osv-scanner scan image --archive --offline --local-db-path "$OSV_DB" --format json --output-file "$json")
           for pl in ${OSV_PLUGINS:-}; do cmd+=(--experimental-plugins "$pl"); done
           cmd+=("$img") ;;
    *) echo "run.sh: unknown peer $p" >&2; exit 2 ;;
  esac
  rc=0
  peers_offline /usr/bin/time -v -o "$out/$name.$p.time" "${cmd[@]}" 2>"$out/$name.$p.log" || rc=$?
  # osv-scanner exits 1 when it finds vulnerabilities
  if [ ! -s "$json" ] || { [ $rc -ne 0 ] && ! { [ "$p" = osv ] && [ $rc -eq 1 ]; }; }; then
    echo "run.sh: $p failed on $name (exit $rc; see $out/$name.$p.log):" >&2; tail -5 "$out/$name.$p.log" >&2
    continue
  fi
  python3 "$(dirname "$0")/normalize.py" "$p" "$json" >"$out/$name.$p.tsv"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/$name.$p.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$out/$name.$p.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.$p.time")
  printf '%s\t%s\tfindings=%d\twall_s=%s\tcpu_s=%s\tmaxrss_mib=%d\n' "$name" "$p" "$(wc -l <"$out/$name.$p.tsv")" "$wall" "$cpu" "$((rss / 1024))"
done
