#!/usr/bin/env bash
# Benchmark: `vigil db build` over all of ../shared/data, and `vigil scan`
# cold and warm against grype, trivy and osv-scanner on the same images and
# the same data, in one run. Each measurement is repeated RUNS times
# (default 5), the tools alternating; medians of wall time, peak RSS and
# user+sys CPU, all from /usr/bin/time -v. Writes Markdown tables to stdout
# and the raw measurements to .cache/bench-scan/raw.tsv.
#
#   bench/scan.sh [IMAGE-NAME ...]   (default: alpine-3.10.3 alpine-3.16.9 alpine-3.20.3 app-bookworm)
#
# vigil cold: --no-cache and a fresh, empty --data directory (every layer is
#   read and cataloged); vigil warm: the same --data directory each time, its
#   layer cache filled by one unmeasured scan first (a rescan).
# Vigil's database: the one `vigil db build` just built from all of
#   ../shared/data (the peers' databases hold a subset of the same files; see
#   bench/peers/README.md). The peers' databases are built beforehand by
#   bench/peers/build-dbs.sh and not timed here.
# Peers: the commands of bench/peers/run.sh, with the environment of
#   bench/peers/env.sh, each in an empty network namespace as run.sh does
#   (so is Vigil). osv-scanner on app-bookworm also gets
#   --experimental-plugins javascript/packagelockjson, so that it reads the
#   npm lockfile the other three read.
# Details and results: docs/bench-scan.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peers/env.sh
RUNS=${RUNS:-5}
DATA=../shared/data
B=.cache/bench-scan
images=("$@"); [ ${#images[@]} -gt 0 ] || images=(alpine-3.10.3 alpine-3.16.9 alpine-3.20.3 app-bookworm)
mkdir -p bin "$B/out"
[ -n "$(ls -A "$GRYPE_DB_CACHE_DIR" 2>/dev/null)" ] && [ -f "$TRIVY_CACHE/db/trivy.db" ] && [ -d "$OSV_DB/osv-scalibr" ] \
  || { echo "scan.sh: peer databases missing; run bench/peers/install.sh and bench/peers/build-dbs.sh" >&2; exit 1; }
go build -o bin/vigil ./cmd/vigil
go run ./tools/mkimages "${images[@]}" >/dev/null
raw=$B/raw.tsv; : >"$raw"

# measure LABEL IMAGE CMD...: one timed run; appends "label image wall_s rss_kb cpu_s" to raw.tsv
measure() {
  local label=$1 image=$2; shift 2
  local t=$B/time.txt rc=0
  peers_offline /usr/bin/time -v -o "$t" "$@" >/dev/null 2>"$B/stderr.txt" || rc=$?
  # osv-scanner exits 1 when it finds vulnerabilities
  if [ $rc -ne 0 ] && ! { [ "$label" = osv ] && [ $rc -eq 1 ]; }; then
    echo "scan.sh: $label on $image failed (exit $rc):" >&2; tail -5 "$B/stderr.txt" >&2; exit 1
  fi
  awk -F': ' -v l="$label" -v i="$image" '
    /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = (n == 3) ? a[1]*3600 + a[2]*60 + a[3] : a[1]*60 + a[2] }
    /Maximum resident set size/ { r = $2 }
    /User time/ { u = $2 } /System time/ { s = $2 }
    END { printf "%s\t%s\t%.2f\t%d\t%.2f\n", l, i, w, r, u + s }' "$t" >>"$raw"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# med LABEL IMAGE FIELD (3 wall, 4 rss kB, 5 cpu)
med() { awk -F'\t' -v l="$1" -v i="$2" -v f="$3" '$1==l && $2==i {print $f}' "$raw" | median; }

# 1. vigil db build over all of ../shared/data
for r in $(seq "$RUNS"); do
  rm -rf "$B/db"
  measure db-build all bin/vigil db build --out "$B/db" "$DATA"
  stat -c %s "$B/db/vulndb.sqlite" >>"$B/db-size.txt.$$"
done
dbsize=$(median <"$B/db-size.txt.$$"); rm -f "$B/db-size.txt.$$"
records=$(bin/vigil db info --db "$B/db" 2>/dev/null | awk '/^advisories:/ {print $2; exit}' || true)

# 2. scans
for n in "${images[@]}"; do
  img=$(realpath ".cache/images/$n.tar")
  osvcmd=(osv-scanner scan image --archive --offline --local-db-path "$OSV_DB" --format json --output-file "$B/out/$n.osv.json")
  [ "$n" = app-bookworm ] && osvcmd+=(--experimental-plugins artifact --experimental-plugins javascript/packagelockjson)
  osvcmd+=("$img")
  rm -rf "$B/warm"; mkdir -p "$B/warm"
  bin/vigil scan "docker-archive:$img" --db "$B/db" -f json -q --data "$B/warm" -o /dev/null  # fill the layer cache
  for r in $(seq "$RUNS"); do
    rm -rf "$B/cold"; mkdir -p "$B/cold"
    measure vigil-cold "$n" bin/vigil scan "docker-archive:$img" --db "$B/db" -f json -q --no-cache --data "$B/cold" -o "$B/out/$n.vigil.json"
    measure vigil-warm "$n" bin/vigil scan "docker-archive:$img" --db "$B/db" -f json -q --data "$B/warm" -o "$B/out/$n.vigil-warm.json"
    measure grype "$n" grype "docker-archive:$img" -o json --file "$B/out/$n.grype.json"
    measure trivy "$n" trivy image --input "$img" "${TRIVY_OFFLINE_FLAGS[@]}" --scanners vuln --format json --output "$B/out/$n.trivy.json"
    measure osv "$n" "${osvcmd[@]}"
  done
done

# 3. tables
echo "RUNS=$RUNS, $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| vigil db build (all of ../shared/data) | wall (s) | CPU user+sys (s) | peak RSS (MiB) | database size |"
echo "|---|---|---|---|---|"
awk -v w="$(med db-build all 3)" -v c="$(med db-build all 5)" -v r="$(med db-build all 4)" -v s="$dbsize" \
  'BEGIN { printf "| median of %d | %.2f | %.2f | %.0f | %.1f MB (%.1f MiB) |\n", '"$RUNS"', w, c, r/1024, s/1e6, s/1048576 }'
[ -z "$records" ] || echo "
($records advisories, from the records of osv, alpine-secdb (both snapshots and the legacy YAML), debian-dsa, nodejs-security-wg, rubysec)"
echo
echo "Findings in the last run's reports (unique vulnerability/package/version rows; osv-scanner counts OS packages by source package):"
echo
echo "| image | vigil cold | vigil warm | grype | trivy | osv-scanner |"
echo "|---|---|---|---|---|---|"
for n in "${images[@]}"; do
  c=()
  for f in vigil vigil-warm; do
    c+=("$(python3 -c 'import json,sys; print(len({(v["id"], v["package"]["name"], v["installed_version"]) for v in json.load(open(sys.argv[1]))["vulnerabilities"]}))' "$B/out/$n.$f.json")")
  done
  for p in grype trivy osv; do c+=("$(python3 bench/peers/normalize.py "$p" "$B/out/$n.$p.json" | cut -f1-3 | sort -u | wc -l)"); done
  echo "| $n | ${c[0]} | ${c[1]} | ${c[2]} | ${c[3]} | ${c[4]} |"
done
echo
echo "Wall time, seconds (ratio = Vigil / fastest peer):"
echo
echo "| image | vigil cold | vigil warm | grype | trivy | osv-scanner | fastest peer | cold ratio | warm ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${images[@]}"; do
  awk -v n="$n" -v c="$(med vigil-cold "$n" 3)" -v w="$(med vigil-warm "$n" 3)" -v g="$(med grype "$n" 3)" \
      -v t="$(med trivy "$n" 3)" -v o="$(med osv "$n" 3)" 'BEGIN {
    f = g; fn = "grype"; if (t < f) { f = t; fn = "trivy" } if (o < f) { f = o; fn = "osv-scanner" }
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s |\n", n, c, w, g, t, o, fn, q(c, f), q(w, f) }
    function q(a, b) { return b > 0 ? sprintf("%.2f", a/b) : "-" }'
done
echo
echo "Peak RSS, MiB (ratio = Vigil / the peer with the least RSS):"
echo
echo "| image | vigil cold | vigil warm | grype | trivy | osv-scanner | least peer | cold ratio | warm ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${images[@]}"; do
  awk -v n="$n" -v c="$(med vigil-cold "$n" 4)" -v w="$(med vigil-warm "$n" 4)" -v g="$(med grype "$n" 4)" \
      -v t="$(med trivy "$n" 4)" -v o="$(med osv "$n" 4)" 'BEGIN {
    f = g; fn = "grype"; if (t < f) { f = t; fn = "trivy" } if (o < f) { f = o; fn = "osv-scanner" }
    printf "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s | %s |\n", n, c/1024, w/1024, g/1024, t/1024, o/1024, fn, q(c, f), q(w, f) }
    function q(a, b) { return b > 0 ? sprintf("%.2f", a/b) : "-" }'
done
echo
echo "CPU user+sys, seconds (ratio = Vigil / the peer with the least CPU):"
echo
echo "| image | vigil cold | vigil warm | grype | trivy | osv-scanner | least peer | cold ratio | warm ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${images[@]}"; do
  awk -v n="$n" -v c="$(med vigil-cold "$n" 5)" -v w="$(med vigil-warm "$n" 5)" -v g="$(med grype "$n" 5)" \
      -v t="$(med trivy "$n" 5)" -v o="$(med osv "$n" 5)" 'BEGIN {
    f = g; fn = "grype"; if (t < f) { f = t; fn = "trivy" } if (o < f) { f = o; fn = "osv-scanner" }
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s |\n", n, c, w, g, t, o, fn, q(c, f), q(w, f) }
    function q(a, b) { return b > 0 ? sprintf("%.2f", a/b) : "-" }'
done
