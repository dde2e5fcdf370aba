package dev.pipe.proxy;

import com.google.common.util.concurrent.RateLimiter;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate in bytes per second, written as a user would: {@code 1MiB}, {@code 500KB}, {@code 2.5
 * MB/s}.
 */
public record Bandwidth(long bytesPerSecond) {
  private static final Pattern FORMAT =
      Pattern.compile(
          "(\\d{1,12}(?:\\.\\d{1,6})?)\\s*([kmg]i?b|b)(?:/s)?", Pattern.CASE_INSENSITIVE);

  public Bandwidth {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bandwidth must be positive, got " + bytesPerSecond);
    }
  }

  /** Parses {@code NUMBER UNIT}, where UNIT is B, KB, KiB, MB, MiB, GB or GiB (per second). */
  public static Bandwidth parse(String text) {
    Matcher matcher = FORMAT.matcher(text == null ? "" : text.strip());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a bandwidth; write a number and a unit such as 512KiB, 1MiB or 10MB");
    }
    long unit =
        switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
          case "b" -> 1L;
          case "kb" -> 1_000L;
          case "kib" -> 1L << 10;
          case "mb" -> 1_000_000L;
          case "mib" -> 1L << 20;
          case "gb" -> 1_000_000_000L;
          default -> 1L << 30;
        };
    long bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
    if (bytes <= 0) {
      throw new IllegalArgumentException("'" + text + "' is less than one byte per second");
    }
    return new Bandwidth(bytes);
  }

  /** A limiter for one direction of traffic at this rate. */
  public RateLimiter newLimiter() {
    return RateLimiter.create(bytesPerSecond);
  }

  @Override
  public String toString() {
    return bytesPerSecond + " B/s";
  }
}
