# shellcheck shell=bash
# pipe-http.sh with --no-tls on both sides: what an http tunnel costs without encryption between
# client and server, to tell the cost of reading HTTP from the cost of TLS.
PIPE_HTTP=on
PIPE_TLS=off
PATH_DESC="pipe http tunnel with --no-tls: the server routes each request by Host, plain TCP to the client"
# shellcheck source=pipe.sh
source "$(dirname "${BASH_SOURCE[0]}")/pipe.sh"
