# shellcheck shell=bash
# pipe with --no-tls on both sides: the same path as pipe.sh without encryption, to show what
# TLS costs.
PIPE_TLS=off
PATH_DESC="pipe with --no-tls: plain TCP between client and server"
# shellcheck source=pipe.sh
source "$(dirname "${BASH_SOURCE[0]}")/pipe.sh"
