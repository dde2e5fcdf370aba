package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proto.Fingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The certificates this client has met, as ssh's known_hosts: one line {@code HOST:PORT sha256:HEX}
 * per server, in {@code known_servers} of the state directory. Read once, rewritten atomically when
 * a server is added.
 */
final class KnownServers {
  static final String FILE = "known_servers";

  private final Path file;
  private final ReentrantLock lock = new ReentrantLock();
  private Map<String, Fingerprint> entries;

  KnownServers(Path stateDir) {
    this.file = stateDir.resolve(FILE);
  }

  Path file() {
    return file;
  }

  Optional<Fingerprint> lookup(HostPort server) {
    lock.lock();
    try {
      return Optional.ofNullable(load().get(server.toString()));
    } finally {
      lock.unlock();
    }
  }

  void remember(HostPort server, Fingerprint fingerprint) {
    lock.lock();
    try {
      load().put(server.toString(), fingerprint);
      List<String> lines = new ArrayList<>();
      lines.add(
          "# servers this pipe client trusts: HOST:PORT and the SHA-256 of their certificate");
      entries.forEach((name, print) -> lines.add(name + " " + print));
      Files.createDirectories(file.getParent());
      Path temporary = Files.createTempFile(file.getParent(), FILE, ".tmp");
      Files.write(temporary, lines, StandardCharsets.UTF_8);
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      lock.unlock();
    }
  }

  private Map<String, Fingerprint> load() {
    if (entries != null) {
      return entries;
    }
    entries = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return entries;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String entry = line.strip();
        if (entry.isEmpty() || entry.startsWith("#")) {
          continue;
        }
        String[] parts = entry.split("\\s+");
        if (parts.length == 2) {
          entries.put(parts[0], Fingerprint.parse(parts[1]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(file + " has a malformed line: " + e.getMessage(), e);
    }
    return entries;
  }
}
