package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * The deployment files say what they must: fly.toml the services and checks pipe needs on fly.io,
 * the Dockerfile its stages, user, ports and health check, the systemd unit its hardening, and the
 * README the screenshot and the ways to deploy.
 */
class DeployFilesTest {
  private static final Path REPO = PipeProcess.REPO;

  private static String read(String file) throws IOException {
    return Files.readString(REPO.resolve(file), StandardCharsets.UTF_8);
  }

  private record Service(
      long internalPort, String protocol, List<TomlTable> ports, TomlTable raw) {}

  private static List<Service> services(TomlParseResult fly) {
    TomlArray array = fly.getArrayOrEmpty("services");
    List<Service> services = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      TomlTable service = array.getTable(i);
      List<TomlTable> ports = new ArrayList<>();
      TomlArray portArray = service.getArrayOrEmpty("ports");
      for (int j = 0; j < portArray.size(); j++) {
        ports.add(portArray.getTable(j));
      }
      services.add(
          new Service(
              service.getLong("internal_port"), service.getString("protocol"), ports, service));
    }
    return services;
  }

  private static Service service(TomlParseResult fly, long internalPort) {
    return services(fly).stream()
        .filter(service -> service.internalPort() == internalPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("fly.toml has no service for port " + internalPort));
  }

  private static List<Object> handlers(TomlTable port) {
    TomlArray handlers = port.getArray("handlers");
    return handlers == null ? List.of() : handlers.toList();
  }

  @Test
  void flyTomlDeclaresTheControlAdminAndForwardServicesWithHealthChecks() throws IOException {
    TomlParseResult fly = Toml.parse(REPO.resolve("fly.toml"));
    assertThat(fly.errors()).isEmpty();
    assertThat(fly.getString("app")).isNotBlank();
    assertThat(fly.getString("kill_signal")).isEqualTo("SIGTERM");
    assertThat(fly.getLong("kill_timeout"))
        .as("longer than the 5 s shutdown grace")
        .isGreaterThan(5);
    assertThat(fly.getString("build.dockerfile")).isEqualTo("Dockerfile");
    assertThat(fly.getString("env.PIPE_ADMIN_BIND"))
        .as("fly's proxy reaches the admin port from outside the machine")
        .isEqualTo("0.0.0.0");
    assertThat(fly.getString("env.PIPE_ADMIN_TOKEN"))
        .as("the admin token is a secret (fly secrets set), never in fly.toml")
        .isNull();
    assertThat(fly.getString("env.PIPE_TOKEN")).isNull();
    assertThat(fly.getString("mounts.destination"))
        .as("the generated TLS certificate must survive deploys, or clients refuse the new one")
        .isEqualTo("/var/lib/pipe");

    Service control = service(fly, 8910);
    assertThat(control.protocol()).isEqualTo("tcp");
    assertThat(control.ports()).hasSize(1);
    assertThat(control.ports().getFirst().getLong("port")).isEqualTo(8910);
    assertThat(handlers(control.ports().getFirst()))
        .as("the control protocol is raw TCP: no fly handler may touch it")
        .isEmpty();
    assertThat(control.raw().getArrayOrEmpty("tcp_checks").size()).isEqualTo(1);
    assertThat(control.raw().getString("auto_stop_machines"))
        .as("clients hold long connections; the machine must not stop under them")
        .isEqualTo("off");

    Service admin = service(fly, 8911);
    assertThat(admin.protocol()).isEqualTo("tcp");
    assertThat(admin.ports())
        .anySatisfy(
            port -> {
              assertThat(port.getLong("port")).isEqualTo(443);
              assertThat(handlers(port)).containsExactly("tls", "http");
            })
        .anySatisfy(
            port -> {
              assertThat(port.getLong("port")).isEqualTo(80);
              assertThat(handlers(port)).containsExactly("http");
            });
    TomlArray checks = admin.raw().getArrayOrEmpty("http_checks");
    assertThat(checks.size()).isEqualTo(1);
    assertThat(checks.getTable(0).getString("path")).isEqualTo("/healthz");
    assertThat(checks.getTable(0).getString("protocol")).isEqualTo("http");

    Service forward = service(fly, 9000);
    assertThat(forward.protocol()).isEqualTo("tcp");
    assertThat(forward.ports().getFirst().getLong("port")).isEqualTo(9000);
    assertThat(fly.getString("env.PIPE_ALLOW_PORTS"))
        .as("the server must allow the port fly forwards")
        .isEqualTo("9000");
  }

  @Test
  void theDockerfileBuildsOnAJdkRunsOnAJreAsNonRootWithPortsAndAHealthCheck() throws IOException {
    String dockerfile = read("Dockerfile");
    assertThat(dockerfile.lines().filter(line -> line.startsWith("FROM ")))
        .containsExactly("FROM eclipse-temurin:25-jdk AS build", "FROM eclipse-temurin:25-jre");
    assertThat(dockerfile).contains("./mvnw ", "COPY --from=build ");
    Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(dockerfile);
    assertThat(user.find()).isTrue();
    assertThat(user.group(1)).doesNotStartWith("0").doesNotStartWith("root");
    assertThat(dockerfile).containsPattern("(?m)^EXPOSE 8910 8911 9000-9100$");
    assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*").contains("/healthz");
    assertThat(dockerfile).contains("PIPE_ALLOW_PORTS=9000-9100");
    assertThat(read(".dockerignore")).contains("**/target", ".git");
  }

  @Test
  void theSystemdUnitUsesTheHardeningSystemdOffers() throws IOException {
    String unit = read("example/deploy/pipe-server.service");
    assertThat(unit)
        .contains(
            "DynamicUser=yes",
            "NoNewPrivileges=yes",
            "CapabilityBoundingSet=\n",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "PrivateDevices=yes",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectControlGroups=yes",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "RestrictNamespaces=yes",
            "SystemCallFilter=@system-service",
            "LoadCredential=server.toml:/etc/pipe/server.toml",
            "KillSignal=SIGTERM",
            "RestartPreventExitStatus=1");
  }

  @Test
  void theComposeFileKeepsSecretsOutAndTheDashboardOnLoopback() throws IOException {
    String compose = read("example/deploy/compose.yaml");
    assertThat(compose)
        .contains("PIPE_TOKEN: ${PIPE_TOKEN:?", "PIPE_ADMIN_TOKEN: ${PIPE_ADMIN_TOKEN:?")
        .contains("\"127.0.0.1:8911:8911\"", "\"8910:8910\"", "context: ../..");
  }

  @Test
  void theReadmeShowsTheDashboardAndTheWaysToDeploy() throws IOException {
    String readme = read("README.md");
    Matcher image =
        Pattern.compile("!\\[[^\\]]+\\]\\((docs/images/dashboard[^)]*\\.png)\\)").matcher(readme);
    assertThat(image.find()).as("a screenshot of the dashboard in the README").isTrue();
    byte[] png = Files.readAllBytes(REPO.resolve(image.group(1)));
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    assertThat(readme)
        .contains(
            "docs/deploy.md",
            "docs/admin-api.md",
            "Dockerfile",
            "fly.toml",
            "example/deploy/compose.yaml",
            "example/deploy/pipe-server.service");
    assertThat(read("docs/deploy.md")).contains("fly deploy", "docker compose", "systemctl");
  }
}
