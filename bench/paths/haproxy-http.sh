# shellcheck shell=bash
# One haproxy 2.6 in HTTP mode in front of the HTTP service, doing what pipe's HTTP port does:
# parse every request, route it by its Host header, add X-Forwarded-For, keep connections to the
# service alive. The other services pass in TCP mode, as in the harness's haproxy-1hop.
PATH_DESC="1 haproxy 2.6 in mode http: routes by Host, adds X-Forwarded-For (nbthread=nproc)"
path_start() {
    local m proto entry svc cfg=$BENCH_RUN/haproxy-http.cfg
    {
        cat <<CFG
global
    maxconn 9000
    nbthread ${HAPROXY_NBTHREAD:-$(nproc)}
defaults
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    maxconn 9000
CFG
        for m in "$@"; do
            IFS=: read -r proto entry svc <<<"$m"
            if [ "$svc" = "$SVC_HTTP" ]; then
                cat <<CFG
frontend web
    mode http
    bind 127.0.0.1:$entry
    option forwardfor
    use_backend app if { req.hdr(host),field(1,:) -i localhost 127.0.0.1 }
backend app
    mode http
    server s 127.0.0.1:$svc
CFG
            else
                printf 'listen p%s\n    mode tcp\n    bind 127.0.0.1:%s\n    server s 127.0.0.1:%s\n' \
                    "$entry" "$entry" "$svc"
            fi
        done
    } >"$cfg"
    haproxy -c -q -f "$cfg" || die "bad haproxy config $cfg"
    bench_bg haproxy-http haproxy -db -f "$cfg"
}
