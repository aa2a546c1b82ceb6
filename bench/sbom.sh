#!/usr/bin/env bash
# Benchmark: `vigil sbom` against `syft` on the same images, in one run.
# Wall time and peak RSS by /usr/bin/time -v; medians of RUNS runs each,
# alternating the tools. Vigil runs cold (--no-cache: every layer read) and
# warm (layer results cached by diffID, as a rescan is). Writes a Markdown
# table to stdout.
#
#   bench/sbom.sh [IMAGE.tar ...]       (default: the test images + a generated 2 GB image)
#
# Peers: syft is built with `go install github.com/anchore/syft/cmd/syft@v1.57.0`
# (this script does it if syft is not on PATH or in $(go env GOPATH)/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"
export SYFT_CHECK_FOR_APP_UPDATE=false
RUNS=${RUNS:-5}
command -v syft >/dev/null || go install github.com/anchore/syft/cmd/syft@v1.57.0
mkdir -p bin .cache/bench
go build -o bin/vigil ./cmd/vigil
go run ./tools/mkimages >/dev/null

images=("$@")
if [ ${#images[@]} -eq 0 ]; then
  for n in alpine-3.20.3 debian-bookworm app-bookworm rpm-centos7; do images+=(".cache/images/$n.tar"); done
  big=.cache/bench/generated-2g-200k.tar
  [ -f "$big" ] || go run ./bench/genimage -o "$big" -files 200000 -bytes 2G -layers 4
  images+=("$big")
fi

measure() { # tool image -> "seconds kb"
  local out=.cache/bench/time.txt
  case $1 in
    vigil) /usr/bin/time -v -o "$out" bin/vigil sbom "docker-archive:$2" -f json -q -o /dev/null --no-cache ;;
    vigil-warm) /usr/bin/time -v -o "$out" bin/vigil sbom "docker-archive:$2" -f json -q -o /dev/null --data .cache/bench/data ;;
    syft)  /usr/bin/time -v -o "$out" syft -q "docker-archive:$2" -o json=/dev/null ;;
  esac
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  echo "$wall $rss"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| image | size | vigil cold (s) | syft (s) | time ratio | vigil RSS (MB) | syft RSS (MB) | RSS ratio | vigil warm (s) |"
echo "|---|---|---|---|---|---|---|---|---|"
for img in "${images[@]}"; do
  vt=(); vr=(); st=(); sr=(); wt=()
  rm -rf .cache/bench/data; measure vigil-warm "$img" >/dev/null  # fill the layer cache
  for _ in $(seq "$RUNS"); do
    read -r t r < <(measure vigil "$img"); vt+=("$t"); vr+=("$r")
    read -r t r < <(measure syft "$img"); st+=("$t"); sr+=("$r")
    read -r t r < <(measure vigil-warm "$img"); wt+=("$t")
  done
  mwt=$(printf '%s\n' "${wt[@]}" | median)
  mvt=$(printf '%s\n' "${vt[@]}" | median); mst=$(printf '%s\n' "${st[@]}" | median)
  mvr=$(printf '%s\n' "${vr[@]}" | median); msr=$(printf '%s\n' "${sr[@]}" | median)
  size=$(du -h "$img" | cut -f1)
  awk -v n="$(basename "$img" .tar)" -v s="$size" -v vt="$mvt" -v st="$mst" -v vr="$mvr" -v sr="$msr" -v wt="$mwt" \
    'BEGIN { printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f |\n", n, s, vt, st, vt/st, vr/1024, sr/1024, vr/sr, wt }'
done
