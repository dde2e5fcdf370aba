package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A packet capture with Debian's tcpdump on the loopback interface, filtered on one TCP port, and
 * the TCP payloads it saw, reassembled per direction of each connection. tcpdump must be installed
 * ({@code .ci/run} installs it): a missing one fails the test that needs it.
 */
final class Capture implements AutoCloseable {
  /** One direction of one TCP connection. */
  record Flow(int sourcePort, int destinationPort) {}

  private final Process tcpdump;
  private final Path file;
  private final Path errors;

  private Capture(Process tcpdump, Path file, Path errors) {
    this.tcpdump = tcpdump;
    this.file = file;
    this.errors = errors;
  }

  /** Starts capturing TCP to and from {@code port} on loopback; returns once tcpdump listens. */
  static Capture start(Path dir, int port) throws IOException, InterruptedException {
    Path file = dir.resolve("capture.pcap");
    Path errors = dir.resolve("tcpdump.log");
    Process tcpdump;
    try {
      // -U writes each packet at once; -Z root keeps the right to write into a private temp dir.
      tcpdump =
          new ProcessBuilder(
                  "tcpdump",
                  "-i",
                  "lo",
                  "-U",
                  "-Z",
                  "root",
                  "-w",
                  file.toString(),
                  "tcp port " + port)
              .redirectErrorStream(true)
              .redirectOutput(errors.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "tcpdump is needed to capture packets (Debian package tcpdump; .ci/run installs it)", e);
    }
    Fixture.eventually(
        Duration.ofSeconds(15),
        "tcpdump to listen on lo",
        () -> read(errors).contains("listening on lo") || !tcpdump.isAlive());
    assertThat(tcpdump.isAlive()).as("tcpdump runs: %s", read(errors)).isTrue();
    return new Capture(tcpdump, file, errors);
  }

  /**
   * Waits until the packets written so far satisfy {@code complete} (tcpdump lags behind the
   * traffic on a busy machine), then stops the capture and returns every direction's payload, in
   * the order it was sent.
   */
  Map<Flow, byte[]> stopWhen(String what, Predicate<Map<Flow, byte[]>> complete)
      throws IOException, InterruptedException {
    Fixture.eventually(
        Duration.ofSeconds(30),
        "the capture to hold " + what,
        () -> {
          try {
            return complete.test(payloads(Files.readAllBytes(file)));
          } catch (IOException e) {
            return false;
          }
        });
    tcpdump.destroy();
    assertThat(tcpdump.waitFor(15, TimeUnit.SECONDS)).as("tcpdump stops").isTrue();
    assertThat(read(errors)).contains("packets captured");
    return payloads(Files.readAllBytes(file));
  }

  private static String read(Path path) {
    try {
      return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Parses a classic pcap file of Ethernet frames (what tcpdump writes for {@code lo}). */
  static Map<Flow, byte[]> payloads(byte[] pcap) {
    ByteBuffer in = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(in.getInt(0)).as("pcap magic (microsecond, little-endian)").isEqualTo(0xa1b2c3d4);
    assertThat(in.getInt(20)).as("link type Ethernet").isEqualTo(1);
    Map<Flow, ByteArrayOutputStream> flows = new LinkedHashMap<>();
    int offset = 24;
    while (offset + 16 <= pcap.length) {
      int captured = in.getInt(offset + 8);
      int frame = offset + 16;
      if (frame + captured > pcap.length) {
        break; // tcpdump is still writing this packet
      }
      offset = frame + captured;
      ByteBuffer packet = ByteBuffer.wrap(pcap, frame, captured).slice();
      int etherType = packet.getShort(12) & 0xffff;
      int ip = 14;
      int tcp;
      int payloadEnd;
      if (etherType == 0x0800 && (packet.get(ip + 9) & 0xff) == 6) {
        tcp = ip + (packet.get(ip) & 0x0f) * 4;
        payloadEnd = ip + (packet.getShort(ip + 2) & 0xffff);
      } else if (etherType == 0x86dd && (packet.get(ip + 6) & 0xff) == 6) {
        tcp = ip + 40;
        payloadEnd = tcp + (packet.getShort(ip + 4) & 0xffff);
      } else {
        continue;
      }
      int payload = tcp + ((packet.get(tcp + 12) & 0xf0) >> 4) * 4;
      Flow flow = new Flow(packet.getShort(tcp) & 0xffff, packet.getShort(tcp + 2) & 0xffff);
      flows
          .computeIfAbsent(flow, f -> new ByteArrayOutputStream())
          .write(pcap, frame + payload, Math.min(payloadEnd, captured) - payload);
    }
    Map<Flow, byte[]> result = new LinkedHashMap<>();
    flows.forEach((flow, bytes) -> result.put(flow, bytes.toByteArray()));
    return result;
  }

  /** True if {@code needle} occurs in any of the payloads. */
  static boolean contains(Map<Flow, byte[]> payloads, byte[] needle) {
    return payloads.values().stream().anyMatch(bytes -> indexOf(bytes, needle) >= 0);
  }

  /** The flows that carried at least {@code bytes} bytes of payload. */
  static List<Flow> carrying(Map<Flow, byte[]> payloads, int bytes) {
    return payloads.entrySet().stream()
        .filter(entry -> entry.getValue().length >= bytes)
        .map(Map.Entry::getKey)
        .toList();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    tcpdump.destroyForcibly();
  }
}
