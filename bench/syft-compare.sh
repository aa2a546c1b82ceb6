#!/usr/bin/env bash
# Records what syft v1.57.0 reports for each test image as sorted
# "type<TAB>name<TAB>version" lines in internal/scan/testdata/syft/, the peer
# output that internal/scan's TestAgreesWithSyft compares Vigil against.
# Review the diff of those files like any golden file.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$(go env GOPATH)/bin:$PATH"
export SYFT_CHECK_FOR_APP_UPDATE=false
command -v syft >/dev/null || go install github.com/anchore/syft/cmd/syft@v1.57.0
go run ./tools/mkimages >/dev/null
out=internal/scan/testdata/syft
mkdir -p "$out"
syft version | awk '/^Version:/ {print "syft " $2}' > "$out/VERSION"
for img in .cache/images/*.tar; do
  n=$(basename "$img" .tar)
  syft -q "docker-archive:$img" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = sorted({(a["type"], a["name"], a["version"]) for a in d["artifacts"]})
for r in rows: print("\t".join(r))
' > "$out/$n.tsv"
  echo "$n: $(wc -l < "$out/$n.tsv") packages" >&2
done
