# shellcheck shell=bash
# pipe as a path of ../shared/bench: a pipe server and a pipe client on loopback, one tunnel per
# mapping PROTO:ENTRY:SERVICE (a udp mapping is a udp tunnel; tcp and udp may share an entry port).
# TLS 1.3 between them, as users run it; pipe-notls.sh is the same with --no-tls on both sides.
# Sourced by the harness's run-all.sh (see bench/run.sh) and by bench/udp-rate.sh.
PATH_DESC=${PATH_DESC:-"pipe: server + client (Java 25, virtual threads), TLS 1.3, a pool of 8 ready data connections, one data connection per udp tunnel"}
PATH_PROTOS="tcp udp"
PIPE_REPO=${PIPE_REPO:?set PIPE_REPO to the pipe checkout}
PIPE_CONTROL_PORT=${PIPE_CONTROL_PORT:-17000}
PIPE_TLS=${PIPE_TLS:-on}
[ -n "${PIPE_CLIENT_ARGS+set}" ] || PIPE_CLIENT_ARGS=()

path_start() {
    local m proto entry svc token config tls=()
    # shellcheck source=../../scripts/jdk.sh
    source "$PIPE_REPO/scripts/jdk.sh"
    [ "$PIPE_TLS" = off ] && tls=(--no-tls)
    token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    config=$BENCH_RUN/pipe-client.toml
    {
        echo "server = \"127.0.0.1:$PIPE_CONTROL_PORT\""
        echo "token = \"$token\""
        for m in "$@"; do
            IFS=: read -r proto entry svc <<<"$m"
            printf '\n[[tunnels]]\nname = "%s-%s"\ntype = "%s"\nlocal = %s\nremote = %s\n' \
                "$proto" "$entry" "$proto" "$svc" "$entry"
        done
    } >"$config"
    bench_bg pipe-server "$JAVA_HOME/bin/java" ${PIPE_JAVA_OPTS:-} -jar "$PIPE_REPO/pipe-cli/target/pipe.jar" \
        server --bind 127.0.0.1 --port "$PIPE_CONTROL_PORT" --token "$token" \
        --state-dir "$BENCH_RUN/server-state" "${tls[@]}"
    wait_port "$PIPE_CONTROL_PORT" 60 || die "pipe server did not start (see $BENCH_RUN/pipe-server.log)"
    # A fresh client state: the client trusts the server's new certificate on first contact.
    bench_bg pipe-client "$JAVA_HOME/bin/java" ${PIPE_JAVA_OPTS:-} -jar "$PIPE_REPO/pipe-cli/target/pipe.jar" \
        client --config "$config" --state-dir "$BENCH_RUN/client-state" "${tls[@]}" \
        "${PIPE_CLIENT_ARGS[@]}"
}
