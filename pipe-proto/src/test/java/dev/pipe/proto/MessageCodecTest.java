package dev.pipe.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.balance.Strategy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageCodecTest {

  /** One valid instance of every message; a new message must be added here to compile the test. */
  static Message sample(Class<?> type) {
    ConnectionId id = ConnectionId.random();
    String hex32 = Proof.newNonce();
    return switch (type.getSimpleName()) {
      case "Hello" -> new Message.Hello(PipeVersion.PROTOCOL, "1.2.3", hex32);
      case "Login" -> new Message.Login(PipeVersion.PROTOCOL, "1.2.3", id.hex(), hex32);
      case "LoginAccepted" -> new Message.LoginAccepted(10_000, 8);
      case "PoolLogin" -> new Message.PoolLogin(PipeVersion.PROTOCOL, hex32, id.hex());
      case "PoolAccepted" -> new Message.PoolAccepted();
      case "Assign" -> new Message.Assign(id, "web", "[2001:db8::7]:52114", "[2001:db8::1]:9000");
      case "Rejected" -> new Message.Rejected(RejectReason.BAD_TOKEN, "token mismatch");
      case "Forward" ->
          new Message.Forward("web", TunnelType.TCP, 9000, List.of("10.0.0.0/8"), List.of("::1"));
      case "ForwardAccepted" -> new Message.ForwardAccepted("web", 9000);
      case "ForwardRejected" -> new Message.ForwardRejected("web", "port taken");
      case "Exchange" -> new Message.Exchange(id, "web", "203.0.113.7:52114", "[2001:db8::1]:80");
      case "ExchangeFailed" -> new Message.ExchangeFailed(id, "connection refused");
      case "DataLogin" -> new Message.DataLogin(PipeVersion.PROTOCOL, hex32, id);
      case "DataAccepted" -> new Message.DataAccepted(id);
      case "Heartbeat" -> new Message.Heartbeat();
      case "Goodbye" -> new Message.Goodbye("shutting down");
      case "Datagram" -> new Message.Datagram(7, "hello".getBytes(StandardCharsets.UTF_8));
      case "SessionClosed" -> new Message.SessionClosed(7);
      case "TunnelClosed" -> new Message.TunnelClosed("web", "closed by an operator");
      case "Reserve" -> new Message.Reserve("home-ssh", hex32);
      case "ReservationAccepted" -> new Message.ReservationAccepted("home-ssh", 3_600_000);
      case "Connect" -> new Message.Connect(PipeVersion.PROTOCOL, hex32, id.hex(), "ssh", hex32);
      case "CircuitOpened" -> new Message.CircuitOpened(id, "home-ssh", 120_000, 1_000_000);
      case "CircuitRefused" ->
          new Message.CircuitRefused("home-ssh", CircuitRefusal.WRONG_SECRET, "wrong secret");
      case "CircuitClosed" -> new Message.CircuitClosed(id, "home-ssh", "max duration");
      case "CircuitThrottled" -> new Message.CircuitThrottled(id, "home-ssh", 1_000_000);
      case "JoinGroup" ->
          new Message.JoinGroup(
              new Message.Forward("web-2", TunnelType.TCP, 9000, List.of(), List.of()),
              "web",
              "group-secret",
              Strategy.WEIGHTED,
              3);
      case "TunnelHealth" -> new Message.TunnelHealth("web", false, "connect refused");
      case "StopTunnel" -> new Message.StopTunnel("web", "removed from the config");
      case "HttpForward" ->
          new Message.HttpForward(
              "web",
              TunnelType.HTTP,
              "demo",
              List.of("www.alice.dev"),
              new Message.HttpAuth("alice", "s3cret"),
              "localhost",
              true,
              List.of("10.0.0.0/8"),
              List.of());
      case "HttpForwardAccepted" ->
          new Message.HttpForwardAccepted(
              "web", List.of("https://demo.example.com", "https://www.alice.dev"), "");
      default -> throw new AssertionError("no sample for " + type + "; add one to this test");
    };
  }

  static List<Class<?>> messageTypes() {
    return List.of(Message.class.getPermittedSubclasses());
  }

  @Test
  void everyMessageHasExactlyOneTypeByte() {
    Set<Class<?>> inTable = new HashSet<>();
    Set<Integer> codes = new HashSet<>();
    for (MessageCodec.FrameType frameType : MessageCodec.TYPES) {
      assertThat(inTable.add(frameType.type())).as("listed twice: %s", frameType.type()).isTrue();
      assertThat(codes.add(frameType.code())).as("code reused: %s", frameType.code()).isTrue();
    }
    assertThat(inTable).containsExactlyInAnyOrderElementsOf(messageTypes());
  }

  @ParameterizedTest
  @MethodSource("messageTypes")
  void everyMessageRoundTrips(Class<?> type) throws IOException {
    Message message = sample(type);
    Message decoded = MessageCodec.read(new ByteArrayInputStream(MessageCodec.encode(message)));
    assertThat(decoded).isEqualTo(message);
  }

  /**
   * The fuzzer's seed corpus holds a well-formed frame of every message, so that fuzzing starts
   * from each kind's valid shape; a new message needs a seed file next to the others.
   */
  @Test
  void theFuzzSeedsHoldEveryMessage() throws Exception {
    Path seeds =
        Path.of(
            MessageCodecTest.class
                .getResource(
                    "MessageCodecFuzzTestInputs/anyBytesDecodeToAValidMessageOrAProtocolError")
                .toURI());
    Set<Class<?>> seeded = new HashSet<>();
    try (Stream<Path> files = Files.list(seeds)) {
      for (Path file : files.toList()) {
        InputStream in = new ByteArrayInputStream(Files.readAllBytes(file));
        try {
          while (true) {
            seeded.add(MessageCodec.read(in).getClass());
          }
        } catch (EOFException | ProtocolException endOfTheValidFrames) {
          // The seeds of hostile input hold no valid frame, or stop being valid part way.
        }
      }
    }
    assertThat(seeded).containsAll(messageTypes());
  }

  @Test
  void aGroupKeyNeverShowsInText() {
    assertThat(sample(Message.JoinGroup.class).toString())
        .doesNotContain("group-secret")
        .contains("groupKey=****");
  }

  @Test
  void readsExactlyOneFrameAndLeavesTheRawBytesAfterIt() throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    stream.write(MessageCodec.encode(new Message.DataAccepted(ConnectionId.random())));
    stream.write("raw user bytes".getBytes(StandardCharsets.UTF_8));
    InputStream in = new ByteArrayInputStream(stream.toByteArray());

    assertThat(MessageCodec.read(in)).isInstanceOf(Message.DataAccepted.class);
    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("raw user bytes");
  }

  @Test
  void oversizedFrameIsRefusedBeforeItsBodyIsRead() {
    byte[] header = ByteBuffer.allocate(5).put((byte) 0x01).putInt(Integer.MAX_VALUE).array();
    // Only the header exists: if the codec tried to allocate or read the body, it would fail
    // differently.
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(header)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("frame of 2147483647 bytes exceeds the 65536-byte limit");
  }

  @Test
  void lengthWithTheHighBitSetIsOversizedNotNegative() {
    byte[] header = ByteBuffer.allocate(5).put((byte) 0x01).putInt(-1).array();
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(header)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("4294967295 bytes exceeds");
  }

  @Test
  void cleanEndOfStreamBetweenFramesIsEof() {
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(new byte[0])))
        .isInstanceOf(EOFException.class);
  }

  @Test
  void truncatedHeaderIsAProtocolError() {
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(new byte[] {1, 0, 0})))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("truncated frame header: 3 of 5 bytes");
  }

  @Test
  void truncatedBodyIsAProtocolError() {
    byte[] frame = MessageCodec.encode(new Message.Goodbye("bye"));
    byte[] cut = Arrays.copyOf(frame, frame.length - 2);
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(cut)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("truncated Goodbye frame");
  }

  @Test
  void unknownTypeIsAProtocolError() {
    byte[] frame =
        ByteBuffer.allocate(7).put((byte) 0xee).putInt(2).put((byte) '{').put((byte) '}').array();
    assertThatThrownBy(() -> MessageCodec.read(new ByteArrayInputStream(frame)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("unknown frame type 0xee");
  }

  @Test
  void garbageJsonIsAProtocolError() {
    assertThatThrownBy(() -> read(0x05, "{\"tunnel\": \"web\", \"type\": "))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("malformed Forward frame");
    assertThatThrownBy(() -> read(0x05, "not json at all")).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> read(0x05, "[1, 2, 3]")).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> read(0x05, "{} {}")).isInstanceOf(ProtocolException.class);
  }

  @Test
  void wellFormedJsonWithInvalidValuesIsAProtocolError() {
    assertThatThrownBy(
            () -> read(0x05, "{\"tunnel\":\"../etc\",\"type\":\"tcp\",\"remotePort\":1}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("invalid tunnel name");
    assertThatThrownBy(
            () -> read(0x05, "{\"tunnel\":\"web\",\"type\":\"tcp\",\"remotePort\":70000}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("remotePort must be between 0 and 65535");
    assertThatThrownBy(
            () -> read(0x05, "{\"tunnel\":\"web\",\"type\":\"carrier-pigeon\",\"remotePort\":1}"))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> read(0x05, "{\"tunnel\":\"web\",\"type\":\"relay\",\"remotePort\":0}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("relay tunnel opens no public port");
    assertThatThrownBy(() -> read(0x60, "{\"tunnel\":\"web\",\"accessKey\":\"00\"}"))
        .as("a short access key")
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("accessKey must be 64 lowercase hex digits");
    assertThatThrownBy(() -> read(0x08, "{\"tunnel\":\"web\"}"))
        .as("missing id")
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(
            () ->
                read(
                    0x02,
                    "{\"protocolVersion\":1,\"clientVersion\":\"x\",\"clientId\":\"00\",\"proof\":\"zz\"}"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void hostileNamesInAnHttpForwardAreAProtocolErrorThatSaysWhy() {
    String frame =
        "{\"tunnel\":\"web\",\"type\":\"http\",\"proxyProtocol\":false,\"subdomain\":%s,\"domains\":%s}";
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"a\\\"}]\"", "[]")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("malformed HttpForward frame: subdomain 'a\"}]' is invalid");
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"../\"", "[]")))
        .hasMessageContaining("'.' is not allowed");
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"" + "a".repeat(300) + "\"", "[]")))
        .hasMessageContaining("300 characters is too long");
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"d\\u0435mo\"", "[]")))
        .as("a Cyrillic e")
        .hasMessageContaining("'\\u0435' is not allowed (only ASCII");
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"\"", "[\"evil.com\\n\"]")))
        .hasMessageContaining("'evil.com\\u000a' is not a DNS name");
    assertThatThrownBy(() -> read(0x80, frame.formatted("\"\"", "[\"*.evil.com\"]")))
        .hasMessageContaining("'*' is not allowed");
  }

  @Test
  void anHttpsTunnelCannotAskForWhatNeedsItsBytesDecrypted() {
    assertThatThrownBy(
            () ->
                new Message.HttpForward(
                    "web",
                    TunnelType.HTTPS,
                    "demo",
                    List.of(),
                    new Message.HttpAuth("a", "b"),
                    "",
                    false,
                    List.of(),
                    List.of()))
        .hasMessageContaining("an https tunnel's bytes stay encrypted");
    assertThatThrownBy(() -> new Message.Forward("web", TunnelType.HTTP, 80, List.of(), List.of()))
        .hasMessageContaining("asked for with HttpForward");
  }

  @Test
  void basicAuthCredentialsNeverPrintThemselves() {
    Message.HttpForward forward =
        new Message.HttpForward(
            "web",
            TunnelType.HTTP,
            "",
            List.of(),
            new Message.HttpAuth("alice", "hunter2-secret"),
            "",
            false,
            List.of(),
            List.of());
    assertThat(forward.toString()).doesNotContain("hunter2-secret").doesNotContain("alice");
  }

  @Test
  void exchangeAddressesAreLiteralsWithPorts() {
    ConnectionId id = ConnectionId.random();
    assertThat(new Message.Exchange(id, "web").source()).isNull();
    assertThat(new Message.Exchange(id, "web").userAddress()).isNull();
    assertThatThrownBy(() -> new Message.Exchange(id, "web", "example.com:80", "127.0.0.1:80"))
        .hasMessageContaining("source must be IP:PORT");
    assertThatThrownBy(() -> new Message.Exchange(id, "web", "::1:80", "127.0.0.1:80"))
        .hasMessageContaining("source must be IP:PORT");
    assertThatThrownBy(() -> new Message.Exchange(id, "web", "127.0.0.1:80", null))
        .hasMessageContaining("give both or none");
    assertThatThrownBy(() -> new Message.Assign(id, "web", "2001:db8::7", "127.0.0.1:80"))
        .as("an address without its port")
        .hasMessageContaining("source must be IP:PORT");
    assertThatThrownBy(() -> new Message.Assign(id, "web", null, "127.0.0.1:80"))
        .hasMessageContaining("give both or none");
  }

  @Test
  void assignAndExchangeGiveTheSameAddressesTheSameWay() {
    ConnectionId id = ConnectionId.random();
    Message.Exchange exchange =
        new Message.Exchange(id, "web", "[2001:db8::7]:52114", "10.0.0.1:80");
    Message.Assign assign = new Message.Assign(id, "web", "[2001:db8::7]:52114", "10.0.0.1:80");
    assertThat(assign.userAddress())
        .isEqualTo(exchange.userAddress())
        .isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("2001:db8::7"), 52114));
    assertThat(assign.serverAddress())
        .isEqualTo(exchange.serverAddress())
        .isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.1"), 80));
  }

  @Test
  void anExchangeWithoutAddressesLeavesThemOutOfItsFrame() {
    byte[] frame = MessageCodec.encode(new Message.Exchange(ConnectionId.random(), "dns"));
    assertThat(new String(frame, 5, frame.length - 5, StandardCharsets.UTF_8))
        .doesNotContain("source")
        .doesNotContain("destination");
  }

  @Test
  void deeplyNestedJsonIsRefused() {
    String nested = "{\"reason\":" + "[".repeat(1_000) + "]".repeat(1_000) + "}";
    assertThatThrownBy(() -> read(0x0d, nested)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void longReasonsAreClippedNotRejected() {
    Message.Goodbye goodbye = new Message.Goodbye("x".repeat(5_000));
    assertThat(goodbye.reason()).hasSize(Fields.MAX_TEXT_CHARS + 3);
  }

  @Test
  void aUdpForwardCarriesItsSessionSettingsAndATcpForwardLeavesThemOut() throws IOException {
    Message.Forward udp =
        new Message.Forward(
            "dns",
            TunnelType.UDP,
            5353,
            List.of("10.0.0.0/8"),
            List.of(),
            new UdpSessions(30_000, 64));
    assertThat(MessageCodec.read(new ByteArrayInputStream(MessageCodec.encode(udp))))
        .isEqualTo(udp);
    assertThat(new Message.Forward("dns", TunnelType.UDP, 5353, List.of(), List.of()).udp())
        .isEqualTo(UdpSessions.DEFAULT);
    assertThat(read(0x05, "{\"tunnel\":\"dns\",\"type\":\"udp\",\"remotePort\":53}"))
        .isEqualTo(
            new Message.Forward(
                "dns", TunnelType.UDP, 53, List.of(), List.of(), UdpSessions.DEFAULT));

    byte[] tcp =
        MessageCodec.encode(new Message.Forward("web", TunnelType.TCP, 9000, List.of(), List.of()));
    assertThat(new String(tcp, 5, tcp.length - 5, StandardCharsets.UTF_8))
        .as("a tcp Forward is what it was before udp existed")
        .isEqualTo(
            "{\"tunnel\":\"web\",\"type\":\"tcp\",\"remotePort\":9000,"
                + "\"allowSources\":[],\"denySources\":[]}");
    assertThatThrownBy(
            () ->
                new Message.Forward(
                    "web", TunnelType.TCP, 1, List.of(), List.of(), UdpSessions.DEFAULT))
        .hasMessageContaining("udp session settings given for a tcp tunnel");
  }

  @Test
  void udpSessionSettingsOutsideTheirBoundsAreAProtocolError() {
    String forward = "{\"tunnel\":\"dns\",\"type\":\"udp\",\"remotePort\":53,\"udp\":%s}";
    assertThatThrownBy(
            () -> read(0x05, forward.formatted("{\"idleTimeoutMillis\":60000,\"maxSessions\":0}")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("maxSessions must be between 1 and 16384");
    assertThatThrownBy(
            () ->
                read(
                    0x05, forward.formatted("{\"idleTimeoutMillis\":60000,\"maxSessions\":16385}")))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(
            () -> read(0x05, forward.formatted("{\"idleTimeoutMillis\":5,\"maxSessions\":10}")))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("idleTimeoutMillis must be between 100 and 86400000");
  }

  @Test
  void aDatagramFrameIsItsSessionAndItsRawBytesWithoutJson() {
    byte[] payload = {0, 1, 2, (byte) 0xff};
    byte[] frame = MessageCodec.encode(new Message.Datagram(0x01020304, payload));
    assertThat(frame).containsExactly(0x20, 0, 0, 0, 8, 1, 2, 3, 4, 0, 1, 2, 0xff);
  }

  @Test
  void datagramsFromEmptyToTheUdpMaximumRoundTripByteForByte() throws IOException {
    for (int size : new int[] {0, 1, 1200, Limits.MAX_DATAGRAM_BYTES}) {
      byte[] payload = new byte[size];
      new java.util.Random(size).nextBytes(payload);
      Message.Datagram datagram = new Message.Datagram(Integer.MAX_VALUE, payload);
      assertThat(MessageCodec.read(new ByteArrayInputStream(MessageCodec.encode(datagram))))
          .isEqualTo(datagram);
    }
    assertThatThrownBy(() -> new Message.Datagram(1, new byte[Limits.MAX_DATAGRAM_BYTES + 1]))
        .hasMessageContaining("payload bytes must be between 0 and 65507");
  }

  @Test
  void malformedDatagramFramesAreProtocolErrors() {
    assertThatThrownBy(() -> readRaw(0x20, new byte[] {0, 0}))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("Datagram frame of 2 bytes is shorter than its 4-byte session");
    assertThatThrownBy(() -> readRaw(0x20, new byte[4 + Limits.MAX_DATAGRAM_BYTES + 1]))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("Datagram of 65508 bytes exceeds the 65507-byte UDP maximum");
    assertThatThrownBy(() -> readRaw(0x20, new byte[] {(byte) 0x80, 0, 0, 0, 42}))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("Datagram session 2147483648 is outside 0-2147483647");
    byte[] whole = MessageCodec.encode(new Message.Datagram(1, new byte[100]));
    assertThatThrownBy(
            () ->
                MessageCodec.read(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 1))))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("truncated Datagram frame: 103 of 104 bytes");
  }

  private static Message readRaw(int type, byte[] body) throws IOException {
    byte[] frame =
        ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    return MessageCodec.read(new ByteArrayInputStream(frame));
  }

  private static Message read(int type, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] frame =
        ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(body.length).put(body).array();
    return MessageCodec.read(new ByteArrayInputStream(frame));
  }
}
