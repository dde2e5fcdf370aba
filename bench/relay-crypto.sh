#!/usr/bin/env bash
# The cost of relay circuits' end-to-end encryption alone (see RelayCrypto.java): key derivation,
# handshake, and one loopback stream plain against sealed. Builds the jar if needed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
"$REPO/pipe" --version >/dev/null
# shellcheck source=../scripts/jdk.sh
source "$REPO/scripts/jdk.sh"
exec "$JAVA_HOME/bin/java" -cp "$REPO/pipe-cli/target/pipe.jar" "$HERE/RelayCrypto.java"
