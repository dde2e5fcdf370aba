package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.config.ConfigException;
import dev.pipe.proto.Secret;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Who may use the admin port: never anyone on the network by default, and 401 for wrong keys. */
@Timeout(60)
class AdminAuthE2ETest {
  private static final String TOKEN = "admin-token-31f0c2";

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aNonLoopbackAdminBindWithoutCredentialsRefusesToStart() {
    for (String address : new String[] {"0.0.0.0", "::"}) {
      assertThatThrownBy(() -> Fixture.serverConfig().adminBind(address).build())
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("without credentials")
          .hasMessageContaining("--admin-token")
          .hasMessageContaining("PIPE_ADMIN_TOKEN");
    }
    assertThat(
            Fixture.serverConfig()
                .adminBind("0.0.0.0")
                .adminToken(Secret.of(TOKEN))
                .build()
                .admin())
        .as("with credentials it may")
        .isNotNull();
    assertThatThrownBy(() -> Fixture.serverConfig().adminUser("ops").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin_user and admin_password go together");
  }

  @Test
  void withATokenEveryRequestButTheHealthCheckNeedsIt() throws Exception {
    try (AdminFixture admin =
        AdminFixture.start(Fixture.serverConfig().adminToken(Secret.of(TOKEN)))) {
      HttpResponse<String> none = admin.get("/api/tunnels");
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(value -> assertThat(value).startsWith("Basic realm=\"pipe admin\""));
      assertThat(none.body()).doesNotContain(TOKEN);

      assertThat(admin.get("/api/tunnels", "Authorization", "Bearer wrong").statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/api/tunnels", "Authorization", "Bearer " + TOKEN + "x").statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/api/tunnels", "Authorization", basic("admin", "wrong")).statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/api/tunnels", "Authorization", "Basic !!!").statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/metrics", "Authorization", "Bearer wrong").statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);

      assertThat(admin.get("/api/tunnels", "Authorization", "Bearer " + TOKEN).statusCode())
          .isEqualTo(200);
      assertThat(admin.get("/api/tunnels", "Authorization", basic("anyone", TOKEN)).statusCode())
          .as("a browser logs in with the token as the password")
          .isEqualTo(200);
      assertThat(admin.get("/metrics", "Authorization", "Bearer " + TOKEN).statusCode())
          .isEqualTo(200);
      assertThat(admin.get("/healthz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void withAUserAndPasswordBothMustMatch() throws Exception {
    try (AdminFixture admin =
        AdminFixture.start(
            Fixture.serverConfig().adminUser("ops").adminPassword(Secret.of("s3cret-pass")))) {
      assertThat(
              admin.get("/api/clients", "Authorization", basic("ops", "s3cret-pass")).statusCode())
          .isEqualTo(200);
      assertThat(admin.get("/api/clients", "Authorization", basic("ops", "wrong")).statusCode())
          .isEqualTo(401);
      assertThat(
              admin.get("/api/clients", "Authorization", basic("root", "s3cret-pass")).statusCode())
          .isEqualTo(401);
      assertThat(admin.get("/api/clients", "Authorization", "Bearer s3cret-pass").statusCode())
          .as("a password is not a token")
          .isEqualTo(401);
    }
  }
}
