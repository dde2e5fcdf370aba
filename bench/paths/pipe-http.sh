# shellcheck shell=bash
# pipe with the HTTP service behind an http tunnel: users reach it on pipe's shared HTTP port,
# where the server reads every request head, routes it by Host and adds X-Forwarded-*, as for
# demo.example.com. The other services go through tcp tunnels as in pipe.sh. TLS 1.3 between
# client and server.
PIPE_HTTP=on
PATH_DESC="pipe http tunnel: the server routes each request by Host (reads heads, adds X-Forwarded-*), TLS 1.3 to the client"
# shellcheck source=pipe.sh
source "$(dirname "${BASH_SOURCE[0]}")/pipe.sh"
