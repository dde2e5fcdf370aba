package dev.pipe.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back when a config file's content changes. It watches the file's directory, not the file,
 * because editors and config managers (vim, sed -i, Kubernetes' ConfigMap volumes) replace a file
 * by renaming a new one over it, which a watch on the old file would miss. Events are settled for
 * {@link #SETTLE} first, so that a save in several writes reloads once, and the content is
 * compared, so that touching the file or a change to another file of the directory reloads nothing.
 * On a file system without change events (some network mounts) the same check runs every {@link
 * #POLL}.
 */
public final class ConfigWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatch.class);

  /** How long the file must stay quiet before it is read. */
  public static final Duration SETTLE = Duration.ofMillis(200);

  /** The longest a change can go unnoticed, events or not. */
  public static final Duration POLL = Duration.ofSeconds(5);

  private final Path file;
  private final Runnable onChange;
  private final WatchService watcher;
  private final Thread thread;
  private byte[] content;

  private ConfigWatch(Path file, Runnable onChange) throws IOException {
    this.file = file.toAbsolutePath();
    this.onChange = onChange;
    this.content = read();
    this.watcher = FileSystems.getDefault().newWatchService();
    this.file
        .getParent()
        .register(
            watcher,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
    this.thread = Thread.ofVirtual().name("config-watch").start(this::watch);
  }

  /** Watches {@code file} and runs {@code onChange} on the watch thread after each change. */
  public static ConfigWatch start(Path file, Runnable onChange) throws IOException {
    return new ConfigWatch(file, onChange);
  }

  private void watch() {
    try {
      while (true) {
        WatchKey key = watcher.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
        if (key != null) {
          settle(key);
        }
        byte[] now = read();
        if (now != null && !Arrays.equals(now, content)) {
          content = now;
          onChange.run();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // close() ends the watch.
    }
  }

  /** Drains events until none has come for {@link #SETTLE}. */
  private void settle(WatchKey first) throws InterruptedException {
    WatchKey key = first;
    while (key != null) {
      key.pollEvents();
      key.reset();
      key = watcher.poll(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The file's bytes; null while it is missing (between a delete and a rename, say). */
  private byte[] read() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      log.debug("config file {} not readable now: {}", file, e.toString());
      return null;
    }
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException e) {
      log.debug("closing the watch of {}: {}", file, e.toString());
    }
    thread.interrupt();
  }
}
