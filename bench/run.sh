#!/usr/bin/env bash
# Benchmarks pipe side by side with other paths, in one sitting, on this machine (loopback only),
# with the harness in ../shared/bench. Writes bench/results/*.jsonl and bench/results/REPORT.md.
#
#   bench/run.sh                          # direct, socat-2hop, pipe: every test
#   bench/run.sh "direct pipe" latency    # chosen paths and tests
#   BENCH_QUICK=1 bench/run.sh            # a smoke run, about a minute per path
#
# Needs: iperf3 socat haproxy wrk nginx-light openssh-server (apt-get install ...).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HARNESS=${BENCH_HARNESS:-$REPO/../shared/bench}
[ -x "$HARNESS/run-all.sh" ] || { echo "error: no benchmark harness at $HARNESS; set BENCH_HARNESS" >&2; exit 1; }

PATHS=${1:-"direct socat-2hop pipe"}
shift || true
export BENCH_RESULTS=${BENCH_RESULTS:-$HERE/results}
export PIPE_REPO=$REPO
mkdir -p "$BENCH_RESULTS"

"$REPO/pipe" --version >/dev/null   # builds the jar if needed

for path in $PATHS; do
    if [ -f "$HERE/paths/$path.sh" ]; then
        "$HARNESS/run-all.sh" "$HERE/paths/$path.sh" "$@"
    else
        "$HARNESS/run-all.sh" "$path" "$@"
    fi
done
results=()
for path in $PATHS; do results+=("$BENCH_RESULTS/$path.jsonl"); done
"$HARNESS/report.sh" "$BENCH_RESULTS/REPORT.md" "${results[@]}"
cat "$BENCH_RESULTS/REPORT.md"
