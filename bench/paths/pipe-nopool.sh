# shellcheck shell=bash
# pipe with the data-connection pool off (--pool 0): every user connection waits for the client
# to dial a fresh data connection, as before the pool. For the new-connection figures.
PIPE_CLIENT_ARGS=(--pool 0)
PATH_DESC="pipe with --pool 0: a fresh TLS data connection per user connection"
# shellcheck source=pipe.sh
source "$(dirname "${BASH_SOURCE[0]}")/pipe.sh"
