package dev.pipe.proto;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The software version (from the build) and the wire protocol version. */
public final class PipeVersion {
  /** Bumped whenever a message changes shape; both sides must speak the same one. */
  public static final int PROTOCOL = 1;

  private static final String SOFTWARE = load();

  private PipeVersion() {}

  /** The version of this build, for example {@code 0.1.0}. */
  public static String software() {
    return SOFTWARE;
  }

  private static String load() {
    try (InputStream in = PipeVersion.class.getResourceAsStream("version.properties")) {
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("version.properties is missing from the pipe-proto jar", e);
    }
  }
}
