#!/usr/bin/env bash
# JMH micro-benchmarks of the frame codec and the splice (module pipe-bench). The normal build
# compiles them; only this script runs them.
#
#   bench/jmh.sh                          # every benchmark, JMH's settings from the annotations
#   bench/jmh.sh SpliceBenchmark          # one class (any JMH argument works: -h lists them)
#   bench/jmh.sh Codec -f 1 -wi 2 -i 3    # quicker
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
cd "$ROOT"
echo "building pipe-bench..." >&2
./mvnw -q -B package -pl pipe-bench -am -DskipTests -Dspotless.check.skip >&2
exec "$JAVA_HOME/bin/java" -jar pipe-bench/target/benchmarks.jar "$@"
