#!/usr/bin/env bash
# Cross-check Vigil's findings against grype, trivy and osv-scanner (run
# offline on databases built from the same ../shared/data, bench/peers/) and
# against what the advisory files themselves imply, on the shared images.
#
#   bench/vuln-compare.sh [IMAGE-NAME ...]   (default: alpine-3.10.3 alpine-3.16.9 alpine-3.20.3 app-bookworm)
#
# Vigil: bin/vigil (rebuilt), database built from the demo's sources into
# .cache/vuln-compare/db, `vigil scan docker-archive:IMG -f json -q --no-cache`.
# Peers: the reports in .cache/peers/out/NAME.<peer>.json are reused when
# present (FRESH=1 rescans); missing ones are made with bench/peers/run.sh.
# On app-bookworm osv-scanner runs with its packagelockjson plugin
# (report .cache/peers/out/app-bookworm-lockfile.osv.json): its image default
# reads no package-lock.json, so it would see no npm package at all.
# bench/compare/compare.py matches the rows (id = Vigil's id or alias, same
# package - osv-scanner's OS rows by source package - same installed version)
# and prints every difference, then a Markdown table of the counts.
# Details: docs/vuln-comparison.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peers/env.sh
OUT=.cache/vuln-compare
DATA=../shared/data
mkdir -p "$OUT" bin
images=("$@"); [ ${#images[@]} -gt 0 ] || images=(alpine-3.10.3 alpine-3.16.9 alpine-3.20.3 app-bookworm)

go build -o bin/vigil ./cmd/vigil
go run ./tools/mkimages "${images[@]}" >/dev/null
rm -rf "$OUT/db"
bin/vigil db build --out "$OUT/db" $DATA/osv $DATA/distro/alpine-secdb $DATA/distro/debian-security-tracker $DATA/advisories \
  2>"$OUT/db-build.log" | tail -1 >&2

# extract IMAGE.tar PATH OUT: a file of a docker-archive image (the last layer that has it)
extract() {
  python3 - "$@" <<'EOF'
import io, json, sys, tarfile
img, path, out = sys.argv[1], sys.argv[2].lstrip("/"), sys.argv[3]
found = None
with tarfile.open(img) as t:
    for layer in json.load(t.extractfile("manifest.json"))[0]["Layers"]:
        with tarfile.open(fileobj=io.BytesIO(t.extractfile(layer).read())) as lt:
            for m in lt.getmembers():
                if m.name.lstrip("./") == path and m.isfile():
                    found = lt.extractfile(m).read()
if found is None:
    sys.exit(f"extract: {path} not in {img}")
open(out, "wb").write(found)
EOF
}

summary="$OUT/summary.tsv"; : >"$summary"
for n in "${images[@]}"; do
  img=.cache/images/$n.tar
  bin/vigil scan "docker-archive:$img" --db "$OUT/db" -f json -q --no-cache -o "$OUT/$n.vigil.json"
  args=(--name "$n" --vigil "$OUT/$n.vigil.json" --data "$DATA" --summary "$summary")
  for p in grype trivy osv; do
    pn=$n
    if [ "$p" = osv ] && [ "$n" = app-bookworm ]; then pn=app-bookworm-lockfile; fi
    if [ "${FRESH:-0}" = 1 ] || [ ! -s "$PEERS_CACHE/out/$pn.$p.json" ]; then
      if [ "$pn" = app-bookworm-lockfile ]; then
        OSV_PLUGINS="artifact javascript/packagelockjson" bench/peers/run.sh "$img" "$pn" "$p" >&2
      else
        bench/peers/run.sh "$img" "$pn" "$p" >&2
      fi
    fi
    args+=(--peer "$p=$p:$PEERS_CACHE/out/$pn.$p.json")
  done
  # Go binaries: their symbol tables, to show which advisories grype's symbol filter drops
  gobin=$(python3 -c 'import json,sys; print(next((p["location"]["path"] for p in json.load(open(sys.argv[1]))["packages"] if p["type"]=="go-module"), ""))' "$OUT/$n.vigil.json")
  if [ -n "$gobin" ]; then
    extract "$img" "$gobin" "$OUT/$n.gobin"
    args+=(--gobin "$OUT/$n.gobin")
  fi
  python3 bench/compare/compare.py "${args[@]}"
  echo
done

echo "| image | vs | Vigil | peer | both | only Vigil | only peer | fixed-version disagreements |"
echo "|---|---|---|---|---|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, ($2=="data" ? "advisory files" : ($2=="osv" ? "osv-scanner" : $2)), $3, $4, $5, $6, $7, $8 }' "$summary"
