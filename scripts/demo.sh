#!/usr/bin/env bash
# The main job on embedded defaults: build vigil, build test images from
# ../shared/data, build a vulnerability database from the real advisories
# in ../shared/data, print a real image's SBOM, scan it, and show the CI
# gate (--severity CRITICAL,HIGH --exit-code 1) refusing it.
set -eu
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
scripts/deps.sh
data=../shared/data
demo=.cache/demo
mkdir -p bin "$demo"
go build -o bin/vigil ./cmd/vigil
echo "== building test images from $data" >&2
go run ./tools/mkimages app-bookworm alpine-3.10.3 >/dev/null

echo "== vigil db update: a vulnerability database from $data (OSV, Alpine secdb, Debian DSA/DLA, Node.js WG, RubySec)" >&2
bin/vigil db update --data "$demo" \
  "$data/osv" "$data/distro/alpine-secdb" "$data/distro/debian-security-tracker" "$data/advisories" 2>/dev/null
bin/vigil db info --data "$demo" | head -5

echo "== vigil sbom docker-archive:.cache/images/app-bookworm.tar (Debian 12 + a Go program + an npm app)" >&2
bin/vigil sbom docker-archive:.cache/images/app-bookworm.tar --data "$demo" -q -f json -o "$demo/app-bookworm.sbom.json"
bin/vigil sbom docker-archive:.cache/images/app-bookworm.tar --data "$demo" -q | grep -E '^NAME|go-module|^(bash|libc6|lodash|minimist) ' | uniq
echo "   … $(grep -c '"purl"' "$demo/app-bookworm.sbom.json") packages in all (npm ones twice: node_modules and the lockfile); -f cyclonedx-json or spdx-json for standard SBOMs"

for img in app-bookworm alpine-3.10.3; do
  echo "== vigil scan docker-archive:.cache/images/$img.tar" >&2
  bin/vigil scan "docker-archive:.cache/images/$img.tar" --data "$demo" -q | head -25
done

echo "== the gate: vigil scan --severity CRITICAL,HIGH --exit-code 1 (a CI step)" >&2
if bin/vigil scan docker-archive:.cache/images/alpine-3.10.3.tar --data "$demo" -q --severity CRITICAL,HIGH --exit-code 1 -f json -o "$demo/alpine-3.10.3.json"; then
  echo "gate: alpine-3.10.3 allowed (unexpected)"; exit 1
else
  echo "gate: alpine-3.10.3 REFUSED (exit $?): $(grep -c '"id": "CVE' "$demo/alpine-3.10.3.json") CRITICAL/HIGH findings, report in $demo/alpine-3.10.3.json"
fi

echo "== the findings hub: record scans, then re-evaluate them when advisories change (no image pulled)" >&2
hub=.cache/demo-hub
rm -rf "$hub"
go run ./tools/mkimages alpine-3.16.9 alpine-3.20.3 >/dev/null
# The Alpine secdb as of 2024-04-01 …
bin/vigil db update --data "$hub" "$data/distro/alpine-secdb-2024-04-01" "$data/osv/crates.io" >/dev/null 2>&1
for img in alpine-3.10.3 alpine-3.16.9 alpine-3.20.3; do
  bin/vigil scan "docker-archive:.cache/images/$img.tar" --data "$hub" -q --record -o /dev/null
done
bin/vigil findings list --data "$hub" --limit 3 | cut -c1-110
# … then as of 2024-12-31: the stored inventories are re-matched.
bin/vigil db update --data "$hub" --reevaluate "$data/distro/alpine-secdb" "$data/osv/crates.io" 2>/dev/null | tail -6
