package dev.pipe.cli;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigWatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of {@code pipe server --config} and {@code pipe client --config}: when the file's
 * content changes, it is read and validated again with the same flags, and applied only if it is
 * entirely valid; otherwise the running config stays, and the log says every problem.
 *
 * <p>A watch of the file, rather than SIGHUP or a {@code pipe reload} command: it needs no signal
 * handling (the JDK has no supported API for SIGHUP; {@code sun.misc.Signal} is internal and fails
 * a warnings-as-errors build), no control port or PID file to find the process by, and it works the
 * same in containers and under config managers that only write files.
 */
final class Reloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reloader.class);

  private final ConfigWatch watch;

  private Reloader(ConfigWatch watch) {
    this.watch = watch;
  }

  /**
   * Watches {@code file} (nothing when it is null) and runs {@code apply} after each change; {@code
   * apply} loads the config again, applies it, and returns what waits for a restart.
   */
  static Reloader watch(Path file, Supplier<List<String>> apply) throws IOException {
    if (file == null) {
      return new Reloader(null);
    }
    return new Reloader(ConfigWatch.start(file, () -> reload(file, apply)));
  }

  private static void reload(Path file, Supplier<List<String>> apply) {
    log.info("config file {} changed; reloading", file);
    try {
      List<String> restartOnly = apply.get();
      if (!restartOnly.isEmpty()) {
        log.warn(
            "config file {}: {} changed, which takes effect only after a restart",
            file,
            String.join(", ", restartOnly));
      }
    } catch (ConfigException e) {
      log.warn(
          "config reload refused, still running with the previous config; fix these and save"
              + " again:\n  {}",
          String.join("\n  ", e.problems()));
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
  }
}
