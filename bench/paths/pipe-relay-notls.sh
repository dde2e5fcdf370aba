# shellcheck shell=bash
# pipe-relay.sh with --no-tls everywhere: the circuits' own encryption is all there is, so this
# beside pipe-notls shows what a relay circuit costs over a tunnel, encryption included.
PIPE_TLS=off
PATH_DESC="pipe relay circuit with --no-tls: AES-256-GCM end to end only"
# shellcheck source=pipe-relay.sh
source "$(dirname "${BASH_SOURCE[0]}")/pipe-relay.sh"
