# pipe server in a container: built from source with the Maven wrapper on a JDK 25, run on a
# JRE 25 as an unprivileged user. Configure it with environment variables (PIPE_TOKEN,
# PIPE_ALLOW_PORTS, PIPE_ADMIN_TOKEN, ...; see docs/deploy.md) or mount a config file and set
# PIPE_CONFIG to its path.
#
#   docker build -t pipe .
#   docker run -e PIPE_TOKEN=... -p 8910:8910 -p 9000-9100:9000-9100 pipe

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
# The wrapper and the poms first, so that a change to the sources alone reuses the layer with the
# downloaded dependencies.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY pipe-proto/pom.xml pipe-proto/
COPY pipe-proxy/pom.xml pipe-proxy/
COPY pipe-server/pom.xml pipe-server/
COPY pipe-client/pom.xml pipe-client/
COPY pipe-admin/pom.xml pipe-admin/
COPY example/pom.xml example/
COPY pipe-cli/pom.xml pipe-cli/
COPY pipe-bench/pom.xml pipe-bench/
# Only what the pipe jar needs: the benchmarks (pipe-bench) stay out of the image build.
RUN ./mvnw -B -q dependency:go-offline -DexcludeGroupIds=dev.pipe -pl pipe-cli -am
COPY . .
RUN ./mvnw -B -q -DskipTests package -pl pipe-cli -am \
    && cp pipe-cli/target/pipe.jar /pipe.jar

FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="pipe server" \
      org.opencontainers.image.description="A self-hosted reverse tunnel: the public side."
COPY --from=build /pipe.jar /opt/pipe/pipe.jar
# The TLS certificate the server generates on first start lives here; keep it on a volume, or
# every new container has a new certificate and clients that remembered the old one refuse it.
RUN mkdir -p /var/lib/pipe && chown 65532:65532 /var/lib/pipe && chmod 700 /var/lib/pipe
VOLUME /var/lib/pipe
# Listen on every interface of the container; the admin port stays on loopback (the health check
# uses it from inside) until PIPE_ADMIN_BIND=0.0.0.0 and PIPE_ADMIN_TOKEN are set.
ENV PIPE_BIND=0.0.0.0 \
    PIPE_PORT=8910 \
    PIPE_ADMIN_PORT=8911 \
    PIPE_ALLOW_PORTS=9000-9100 \
    PIPE_STATE_DIR=/var/lib/pipe \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# Control port, admin port (dashboard, API, /metrics, /healthz), and the tunnels' public ports.
EXPOSE 8910 8911 9000-9100
# A numeric user needs no entry in /etc/passwd and owns nothing in the image.
USER 65532:65532
WORKDIR /tmp
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PIPE_ADMIN_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
# SIGTERM (docker stop) lets connections in flight finish for the shutdown grace period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/opt/pipe/pipe.jar"]
CMD ["server"]
