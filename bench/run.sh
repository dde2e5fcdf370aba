#!/usr/bin/env bash
# Benchmarks pipe side by side with the paths a user could take instead, in one sitting, on this
# machine (loopback only), with the harness in ../shared/bench. Writes bench/results/*.jsonl,
# bench/results/REPORT.md (every path, ratios against direct) and bench/results/TARGETS.md
# (pipe against haproxy-2hop, each target of BENCHMARKS.md met or not). About 6 minutes.
#
#   bench/run.sh                          # every path, the tests each one is compared on
#   bench/run.sh "direct pipe" latency    # chosen paths and tests
#   BENCH_QUICK=1 bench/run.sh            # a smoke run with tiny sizes
#
# Paths: direct, socat-2hop, haproxy-2hop, ssh-R (the harness's), and pipe (TLS, the default),
# pipe-notls (--no-tls), pipe-nopool (--pool 0; new connections only) from bench/paths.
# Needs: iperf3 socat haproxy wrk nginx-light openssh-server (apt-get install ...).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HARNESS=${BENCH_HARNESS:-$REPO/../shared/bench}
[ -x "$HARNESS/run-all.sh" ] || { echo "error: no benchmark harness at $HARNESS; set BENCH_HARNESS" >&2; exit 1; }

PATHS=${1:-"direct socat-2hop haproxy-2hop ssh-R pipe pipe-notls pipe-nopool"}
shift || true
export BENCH_RESULTS=${BENCH_RESULTS:-$HERE/results}
export PIPE_REPO=$REPO
# One sitting must fit in ten minutes: 5 s per throughput run, once each, and 5,000 held
# connections (the memory target) instead of 2,000 and then 5,000.
if [ "${BENCH_QUICK:-0}" != 1 ]; then
    export BENCH_DURATION=${BENCH_DURATION:-5} BENCH_REPEAT=${BENCH_REPEAT:-1}
    export BENCH_SCALE=${BENCH_SCALE:-5000} BENCH_CONN_VARIANTS=${BENCH_CONN_VARIANTS:-2000x1,4000x16}
fi
mkdir -p "$BENCH_RESULTS"

"$REPO/pipe" --version >/dev/null   # builds the jar if needed

# The tests a path is compared on, unless the command line names them: memory only where the
# targets compare it, and ssh -R (26 connections a second) on a tenth of the connections.
tests_for() {
    case $1 in
        pipe|pipe-notls|haproxy-2hop) echo "throughput latency connrate scale" ;;
        pipe-nopool) echo "connrate" ;;
        *) echo "throughput latency connrate" ;;
    esac
}

for path in $PATHS; do
    tests=("$@"); [ ${#tests[@]} -gt 0 ] || read -r -a tests <<<"$(tests_for "$path")"
    file=$path
    [ -f "$HERE/paths/$path.sh" ] && file=$HERE/paths/$path.sh
    if [ "$path" = ssh-R ] && [ "${BENCH_QUICK:-0}" != 1 ]; then
        BENCH_CONN_VARIANTS=200x1,400x16 "$HARNESS/run-all.sh" "$file" "${tests[@]}"
    else
        "$HARNESS/run-all.sh" "$file" "${tests[@]}"
    fi
done
results=()
for path in $PATHS; do results+=("$BENCH_RESULTS/$path.jsonl"); done
"$HARNESS/report.sh" "$BENCH_RESULTS/REPORT.md" "${results[@]}"
cat "$BENCH_RESULTS/REPORT.md"
if [ -f "$BENCH_RESULTS/haproxy-2hop.jsonl" ]; then
    pipes=()
    for path in $PATHS; do
        case $path in pipe|pipe-notls) pipes+=("$path") ;; esac
    done
    if [ ${#pipes[@]} -gt 0 ]; then
        python3 "$HERE/targets.py" "$BENCH_RESULTS" "${pipes[@]}" >"$BENCH_RESULTS/TARGETS.md"
        cat "$BENCH_RESULTS/TARGETS.md"
    fi
fi
