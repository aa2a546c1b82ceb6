#!/usr/bin/env bash
# Benchmark of the findings hub (issue 4) on both backends: upsert of
# ~100,000 findings and their rescan; re-evaluation of 10,000 recorded
# images after the real Alpine secdb update (2024-04-01 -> 2024-12-31);
# 1,000 GetFindings queries with mixed filters over ~1,000,000 findings.
# Everything is built from ../shared/data and the project's test images;
# the SQLite stores live in a temporary folder on disk, PostgreSQL in a
# throwaway cluster (internal/pgtest, needs postgresql-15's server). Each
# timed part runs RUNS times (default 3); the Markdown report of each
# backend goes to stdout and to .cache/bench-findings/<backend>.md,
# progress to .cache/bench-findings/<backend>.log.
#
#   bench/findings.sh [sqlite|postgres ...]        (default: both)
#   RUNS=1 bench/findings.sh postgres
#   ARGS="-bench list -queries 2000" bench/findings.sh sqlite
#
# Method and results: docs/bench-findings.md. About 10 minutes per backend
# on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
B=.cache/bench-findings
backends=("$@"); [ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
mkdir -p "$B"
go build -o "$B/findings-bench" ./bench/findings
for be in "${backends[@]}"; do
  echo "findings.sh: $be (progress in $B/$be.log)" >&2
  # shellcheck disable=SC2086 # ARGS is a list of flags
  /usr/bin/time -f "$be: %e s wall, %M KB peak RSS" "$B/findings-bench" -backend "$be" -runs "$RUNS" ${ARGS:-} \
    > "$B/$be.md" 2> "$B/$be.log" || { tail -20 "$B/$be.log" >&2; exit 1; }
  tail -1 "$B/$be.log" >&2
  cat "$B/$be.md"
done
