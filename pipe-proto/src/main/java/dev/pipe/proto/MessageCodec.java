package dev.pipe.proto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that knows the frame layout:
 *
 * <pre>
 * +--------+----------------+----------------------+
 * | type   | length         | body                 |
 * | 1 byte | 4 bytes, BE    | length bytes of JSON |
 * +--------+----------------+----------------------+
 * </pre>
 *
 * The type byte says which {@link Message} record the JSON body holds (see {@link #TYPES}). A
 * length above {@link Limits#MAX_FRAME_BYTES} is refused before anything is allocated.
 *
 * <p>One kind of frame has a binary body instead of JSON, because it carries users' bytes at the
 * rate they send them: a {@link Message.Datagram} on a UDP tunnel's data connection.
 *
 * <pre>
 * +--------+----------------+-------------------+-----------------------------+
 * | 0x20   | length         | session           | payload                     |
 * | 1 byte | 4 bytes, BE    | 4 bytes, BE       | length - 4 bytes (0 to      |
 * |        |                | 0 to 2^31-1       | 65,507, the UDP maximum)    |
 * +--------+----------------+-------------------+-----------------------------+
 * </pre>
 */
public final class MessageCodec {
  private static final int HEADER_BYTES = 5;
  private static final int SESSION_BYTES = 4;
  private static final byte TLS_HANDSHAKE_RECORD = 0x16;
  private static final byte TLS_MAJOR_VERSION = 0x03;

  /**
   * Type byte of every message. Append new types; never renumber, never reuse a number. UDP tunnels
   * use 0x20 to 0x2f; operating the server (the admin dashboard and API) 0x30 to 0x3f; the
   * data-connection pool 0x50 to 0x5f; relay tunnels 0x60 to 0x6f; load-balanced groups, health and
   * stopping a tunnel (reload) 0x70 to 0x7f; http and https tunnels 0x80 to 0x8f.
   */
  static final List<FrameType> TYPES =
      List.of(
          new FrameType(0x01, Message.Hello.class),
          new FrameType(0x02, Message.Login.class),
          new FrameType(0x03, Message.LoginAccepted.class),
          new FrameType(0x04, Message.Rejected.class),
          new FrameType(0x05, Message.Forward.class),
          new FrameType(0x06, Message.ForwardAccepted.class),
          new FrameType(0x07, Message.ForwardRejected.class),
          new FrameType(0x08, Message.Exchange.class),
          new FrameType(0x09, Message.ExchangeFailed.class),
          new FrameType(0x0a, Message.DataLogin.class),
          new FrameType(0x0b, Message.DataAccepted.class),
          new FrameType(0x0c, Message.Heartbeat.class),
          new FrameType(0x0d, Message.Goodbye.class),
          new FrameType(0x20, Message.Datagram.class),
          new FrameType(0x21, Message.SessionClosed.class),
          new FrameType(0x30, Message.TunnelClosed.class),
          new FrameType(0x50, Message.PoolLogin.class),
          new FrameType(0x51, Message.PoolAccepted.class),
          new FrameType(0x52, Message.Assign.class),
          new FrameType(0x60, Message.Reserve.class),
          new FrameType(0x61, Message.ReservationAccepted.class),
          new FrameType(0x62, Message.Connect.class),
          new FrameType(0x63, Message.CircuitOpened.class),
          new FrameType(0x64, Message.CircuitRefused.class),
          new FrameType(0x65, Message.CircuitClosed.class),
          new FrameType(0x66, Message.CircuitThrottled.class),
          new FrameType(0x70, Message.JoinGroup.class),
          new FrameType(0x71, Message.TunnelHealth.class),
          new FrameType(0x72, Message.StopTunnel.class),
          new FrameType(0x80, Message.HttpForward.class),
          new FrameType(0x81, Message.HttpForwardAccepted.class));

  record FrameType(int code, Class<? extends Message> type) {}

  private static final FrameType[] BY_CODE = new FrameType[256];
  private static final Map<Class<?>, FrameType> BY_CLASS = new HashMap<>();

  static {
    for (FrameType frameType : TYPES) {
      BY_CODE[frameType.code()] = frameType;
      BY_CLASS.put(frameType.type(), frameType);
    }
  }

  /**
   * Jackson keeps its parse and write buffers (about 16 KB) per thread by default, and a virtual
   * thread that encodes one frame and then splices for hours would pin them all that time: with
   * thousands of held connections that dwarfs everything else. A shared, bounded pool lends them
   * per call instead.
   */
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .recyclerPool(JsonRecyclerPools.sharedBoundedPool())
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(8)
                  .maxStringLength(Limits.MAX_FRAME_BYTES)
                  .build())
          .build();

  private static final ObjectMapper JSON =
      JsonMapper.builder(FACTORY)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private MessageCodec() {}

  /** The whole frame for {@code message}: header and body. */
  public static byte[] encode(Message message) {
    FrameType frameType = BY_CLASS.get(message.getClass());
    if (message instanceof Message.Datagram datagram) {
      int length = SESSION_BYTES + datagram.payload().length;
      return ByteBuffer.allocate(HEADER_BYTES + length)
          .put((byte) frameType.code())
          .putInt(length)
          .putInt(datagram.session())
          .put(datagram.payload())
          .array();
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
    }
    if (body.length > Limits.MAX_FRAME_BYTES) {
      throw new IllegalArgumentException(
          message.getClass().getSimpleName()
              + " of "
              + body.length
              + " bytes exceeds the "
              + Limits.MAX_FRAME_BYTES
              + "-byte frame limit");
    }
    return ByteBuffer.allocate(HEADER_BYTES + body.length)
        .put((byte) frameType.code())
        .putInt(body.length)
        .put(body)
        .array();
  }

  /**
   * Reads exactly one frame and not a byte more, so that raw bytes following a frame stay in the
   * stream for whoever reads next.
   *
   * @throws EOFException if the peer closed the connection cleanly between frames
   * @throws ProtocolException if the bytes are not a valid frame
   */
  public static Message read(InputStream in) throws IOException {
    return read(in, Limits.MAX_FRAME_BYTES);
  }

  /** The same, with a frame limit lower than the protocol's, as a server may configure. */
  public static Message read(InputStream in, int maxFrameBytes) throws IOException {
    byte[] header = in.readNBytes(HEADER_BYTES);
    if (header.length == 0) {
      throw new EOFException("connection closed by peer");
    }
    if (header.length < HEADER_BYTES) {
      throw new ProtocolException(
          "truncated frame header: " + header.length + " of " + HEADER_BYTES + " bytes");
    }
    FrameType frameType = BY_CODE[header[0] & 0xff];
    if (header[0] == TLS_HANDSHAKE_RECORD && header[1] == TLS_MAJOR_VERSION) {
      throw new ProtocolException(
          "the peer speaks TLS but this side runs without it (--no-tls); run both sides with TLS,"
              + " or both with --no-tls");
    }
    if (frameType == null) {
      throw new ProtocolException(
          String.format(
              "unknown frame type 0x%02x (is the peer a pipe client or server?)",
              header[0] & 0xff));
    }
    long length = ByteBuffer.wrap(header, 1, 4).getInt() & 0xffff_ffffL;
    if (length > maxFrameBytes) {
      throw new ProtocolException(
          "frame of "
              + length
              + " bytes exceeds the "
              + maxFrameBytes
              + "-byte limit (is the peer a pipe client or server?)");
    }
    if (frameType.type() == Message.Datagram.class) {
      return readDatagram(in, (int) length);
    }
    byte[] body = in.readNBytes((int) length);
    if (body.length < length) {
      throw new ProtocolException(
          "truncated "
              + frameType.type().getSimpleName()
              + " frame: "
              + body.length
              + " of "
              + length
              + " bytes");
    }
    return decode(frameType, body);
  }

  /** The body of a Datagram frame, read straight into its payload array: no JSON, no copy. */
  private static Message.Datagram readDatagram(InputStream in, int length) throws IOException {
    if (length < SESSION_BYTES) {
      throw new ProtocolException(
          "Datagram frame of "
              + length
              + " bytes is shorter than its "
              + SESSION_BYTES
              + "-byte session number");
    }
    int payloadBytes = length - SESSION_BYTES;
    if (payloadBytes > Limits.MAX_DATAGRAM_BYTES) {
      throw new ProtocolException(
          "Datagram of "
              + payloadBytes
              + " bytes exceeds the "
              + Limits.MAX_DATAGRAM_BYTES
              + "-byte UDP maximum");
    }
    byte[] session = in.readNBytes(SESSION_BYTES);
    byte[] payload = in.readNBytes(payloadBytes);
    if (session.length < SESSION_BYTES || payload.length < payloadBytes) {
      throw new ProtocolException(
          "truncated Datagram frame: "
              + (session.length + payload.length)
              + " of "
              + length
              + " bytes");
    }
    int id = ByteBuffer.wrap(session).getInt();
    if (id < 0) {
      throw new ProtocolException(
          "Datagram session " + Integer.toUnsignedString(id) + " is outside 0-2147483647");
    }
    return new Message.Datagram(id, payload);
  }

  private static Message decode(FrameType frameType, byte[] body) throws ProtocolException {
    try {
      return JSON.readValue(body, frameType.type());
    } catch (IOException | IllegalArgumentException e) {
      throw new ProtocolException(
          "malformed " + frameType.type().getSimpleName() + " frame: " + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int lineBreak = message.indexOf('\n');
    return lineBreak < 0 ? message : message.substring(0, lineBreak);
  }
}
