# shellcheck shell=bash
# pipe's relay tunnels as a path of ../shared/bench: a pipe server, a provider (pipe client with
# one relay tunnel per mapping, to the service port) and a visitor (pipe visit, listening on the
# entry port), so every connection is a circuit through the server, encrypted end to end. TLS 1.3
# to the server as users run it; pipe-relay-notls.sh is the same with --no-tls. The server's relay
# limits are lifted: this measures the mechanism, not the public-relay defaults.
PATH_DESC=${PATH_DESC:-"pipe relay circuit: visitor -> server -> provider, TLS 1.3 to the server, AES-256-GCM end to end"}
PATH_PROTOS="tcp"
PIPE_REPO=${PIPE_REPO:?set PIPE_REPO to the pipe checkout}
PIPE_CONTROL_PORT=${PIPE_CONTROL_PORT:-17000}
PIPE_TLS=${PIPE_TLS:-on}

path_start() {
    local m proto entry svc token secret provider visitor config tls=()
    # shellcheck source=../../scripts/jdk.sh
    source "$PIPE_REPO/scripts/jdk.sh"
    [ "$PIPE_TLS" = off ] && tls=(--no-tls)
    token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    secret=$(head -c 18 /dev/urandom | base64)
    provider=$BENCH_RUN/pipe-provider.toml
    visitor=$BENCH_RUN/pipe-visitor.toml
    for config in "$provider" "$visitor"; do
        printf 'server = "127.0.0.1:%s"\ntoken = "%s"\n' "$PIPE_CONTROL_PORT" "$token" >"$config"
    done
    for m in "$@"; do
        IFS=: read -r proto entry svc <<<"$m"
        printf '\n[[tunnels]]\nname = "relay-%s"\ntype = "relay"\nlocal = %s\nsecret = "%s"\n' \
            "$svc" "$svc" "$secret" >>"$provider"
        printf '\n[[visitors]]\nname = "relay-%s"\nbind = "127.0.0.1:%s"\nsecret = "%s"\n' \
            "$svc" "$entry" "$secret" >>"$visitor"
    done
    bench_bg pipe-server "$JAVA_HOME/bin/java" ${PIPE_JAVA_OPTS:-} -jar "$PIPE_REPO/pipe-cli/target/pipe.jar" \
        server --bind 127.0.0.1 --port "$PIPE_CONTROL_PORT" --token "$token" --admin-port 0 \
        --state-dir "$BENCH_RUN/server-state" "${tls[@]}" \
        --max-circuits 0 --max-circuits-per-peer 0 --max-circuit-duration 0 --max-circuit-rate 0
    wait_port "$PIPE_CONTROL_PORT" 60 || die "pipe server did not start (see $BENCH_RUN/pipe-server.log)"
    bench_bg pipe-provider "$JAVA_HOME/bin/java" ${PIPE_JAVA_OPTS:-} -jar "$PIPE_REPO/pipe-cli/target/pipe.jar" \
        client --config "$provider" --state-dir "$BENCH_RUN/provider-state" --status off "${tls[@]}"
    bench_bg pipe-visitor "$JAVA_HOME/bin/java" ${PIPE_JAVA_OPTS:-} -jar "$PIPE_REPO/pipe-cli/target/pipe.jar" \
        visit --config "$visitor" --state-dir "$BENCH_RUN/visitor-state" --status off "${tls[@]}"
}
