#!/usr/bin/env bash
# UDP datagram rates (64 and 1,200 bytes, each direction), then a warm 64-byte ping-pong, through
# several paths, one after the other in one sitting: bench/udp_rate.py against the shared harness's iperf3 service, each path
# started and stopped with the harness's own helpers (../shared/bench/lib.sh).
#
#   bench/udp-rate.sh                              # direct socat-1hop socat-2hop pipe
#   bench/udp-rate.sh "direct pipe"
#
# Writes bench/results/udp-rate-PATH.jsonl and prints a Markdown table. The service ports are
# fixed (the harness's), so run it alone: flock /tmp/pipe-bench.lock bench/udp-rate.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HARNESS=${BENCH_HARNESS:-$REPO/../shared/bench}
[ -f "$HARNESS/lib.sh" ] || { echo "error: no benchmark harness at $HARNESS; set BENCH_HARNESS" >&2; exit 1; }
export BENCH_HERE=$HARNESS PIPE_REPO=$REPO
# shellcheck source=/dev/null
source "$HARNESS/lib.sh"

PATHS=${1:-"direct socat-1hop socat-2hop pipe"}
RESULTS=${BENCH_RESULTS:-$HERE/results}
mkdir -p "$RESULTS"
"$REPO/pipe" --version >/dev/null   # builds the jar if needed

for path in $PATHS; do
    if [ -f "$HERE/paths/$path.sh" ]; then file=$HERE/paths/$path.sh; else file=$HARNESS/paths/$path.sh; fi
    (
        PATH_ENTRY_OFFSET=10000
        unset -f path_start path_stop
        # shellcheck source=/dev/null
        source "$file"
        declare -F path_stop >/dev/null || path_stop() { default_path_stop; }
        export BENCH_RUN=/tmp/bench-run/udp-rate-$path
        rm -rf "$BENCH_RUN" && mkdir -p "$BENCH_RUN"
        export BENCH_PIDFILE=$BENCH_RUN/relay.pids BENCH_SVC_PIDFILE=$BENCH_RUN/service.pids
        : >"$BENCH_PIDFILE"
        trap 'path_stop || true; default_path_stop || true; stop_services || true' EXIT
        entry=$((SVC_IPERF + PATH_ENTRY_OFFSET))
        echo_entry=$((SVC_ECHO + PATH_ENTRY_OFFSET))
        start_services
        path_start "tcp:$entry:$SVC_IPERF" "udp:$entry:$SVC_IPERF" "udp:$echo_entry:$SVC_ECHO"
        python3 "$HARNESS/tools/ready.py" --tcp "$entry" --udp "$echo_entry" --timeout 60 \
            || die "path $path did not answer (logs: $BENCH_RUN)"
        log "path $path: udp rates through entry $entry"
        python3 "$HERE/udp_rate.py" "$entry" --path "$path" --echo "$echo_entry" \
            >"$RESULTS/udp-rate-$path.jsonl"
    )
done
files=()
for path in $PATHS; do files+=("$RESULTS/udp-rate-$path.jsonl"); done
python3 "$HERE/udp_rate.py" --report "${files[@]}"
