package dev.pipe.server;

import dev.pipe.config.ConfigException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the server encrypts its connections: TLS 1.3 with the operator's certificate, or with a
 * self-signed one generated once into the state directory; or not at all ({@code --no-tls}).
 */
public record ServerTls(
    boolean enabled, Optional<Path> certificate, Optional<Path> privateKey, Path stateDir) {
  public ServerTls {
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new ConfigException(
          "--tls-cert and --tls-key go together: give both PEM files, or neither to use a"
              + " self-signed certificate");
    }
  }
}
