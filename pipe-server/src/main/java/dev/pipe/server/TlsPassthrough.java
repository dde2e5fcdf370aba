package dev.pipe.server;

import dev.pipe.proto.HostName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.ClientHello;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection on the shared HTTPS port: reads the TLS ClientHello (within {@code
 * max_http_header_bytes} and {@code http_header_timeout}) only to learn the server name it asks
 * for, and hands the connection, ClientHello first, to the https tunnel that holds that name. The
 * connection is never decrypted here: the local service holds the certificate and its key. A name
 * no tunnel holds gets the TLS alert {@code unrecognized_name}.
 */
record TlsPassthrough(
    HostRoutes routes,
    Supplier<ServerLimits> limits,
    ScheduledExecutorService timer,
    ServerEvents events,
    Carrier carrier,
    RateLimitedLog slowHellos,
    RateLimitedLog unhealthy) {
  private static final Logger log = LoggerFactory.getLogger(TlsPassthrough.class);
  private static final int TLS_HANDSHAKE = 0x16;

  /** A fatal {@code unrecognized_name} (112) alert in a TLS 1.2 record. */
  private static final byte[] UNRECOGNIZED_NAME = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

  /**
   * @param limits the limits in force, read per connection so that a reload changes them at once
   */
  TlsPassthrough(
      HostRoutes routes,
      Supplier<ServerLimits> limits,
      ScheduledExecutorService timer,
      ServerEvents events,
      Carrier carrier) {
    this(routes, limits, timer, events, carrier, new RateLimitedLog(log), new RateLimitedLog(log));
  }

  /** Routes one connection; returns once it is handed over, or refused. */
  void serve(Socket user) {
    ServerLimits limits = this.limits.get();
    AtomicBoolean late = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> {
              late.set(true);
              Sockets.closeQuietly(user);
            },
            limits.httpHeaderTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    ClientHello hello;
    InputStream raw;
    try {
      user.setSoTimeout(Math.toIntExact(limits.httpHeaderTimeout().toMillis()));
      raw = user.getInputStream();
      PushbackInputStream first = new PushbackInputStream(raw, 1);
      int b = first.read();
      if (b != TLS_HANDSHAKE) {
        refusePlaintext(user, b);
        return;
      }
      first.unread(b);
      hello = ClientHello.read(first, limits.maxHttpHeaderBytes());
      user.setSoTimeout(0);
    } catch (ClientHello.Malformed e) {
      if (e.tooLarge()) {
        events.limitHit(ServerLimit.MAX_HTTP_HEADER_BYTES);
      }
      log.debug(
          "https connection from {} closed: {}", user.getRemoteSocketAddress(), e.getMessage());
      return;
    } catch (IOException e) {
      // The deadline closed the socket, or a read waited as long as the whole deadline.
      if (late.get() || e instanceof SocketTimeoutException) {
        events.limitHit(ServerLimit.HTTP_HEADER_TIMEOUT);
        slowHellos.warn(
            "https connection from {} closed: no TLS ClientHello within {} ms"
                + " (http_header_timeout)",
            user.getInetAddress().getHostAddress(),
            limits.httpHeaderTimeout().toMillis());
      }
      return;
    } finally {
      deadline.cancel(false);
    }
    NamedTunnel tunnel =
        hello
            .serverName()
            .map(TlsPassthrough::routable)
            .map(name -> routes.find(TunnelType.HTTPS, name))
            .orElse(null);
    if (tunnel == null) {
      unrecognizedName(user);
      return;
    }
    if (!tunnel.healthy()) {
      unhealthy.warn(
          "tunnel={} refused a user connection: its client's health check finds the local service"
              + " down",
          tunnel.tunnel());
      return;
    }
    if (tunnel.users().admit((InetSocketAddress) user.getRemoteSocketAddress())
        != TunnelUsers.Verdict.ADMITTED) {
      return;
    }
    InputStream replayed = new SequenceInputStream(new ByteArrayInputStream(hello.bytes()), raw);
    SplicedUser spliced = new SplicedUser(user, replayed, tunnel, carrier);
    spliced.handOver();
    try {
      // The shared port holds this connection's slot until it ends.
      spliced.awaitEnd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The name as a tunnel could hold it, or null. */
  private static String routable(String serverName) {
    try {
      return HostName.name(serverName);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static void unrecognizedName(Socket user) {
    try {
      user.getOutputStream().write(UNRECOGNIZED_NAME);
    } catch (IOException e) {
      log.debug("could not send an alert to {}: {}", user.getRemoteSocketAddress(), e.toString());
    }
  }

  /** Someone spoke plain HTTP to the TLS port: tell them, if it looks like HTTP at all. */
  private static void refusePlaintext(Socket user, int first) {
    if (first < 'A' || first > 'Z') {
      return;
    }
    String text = "This port speaks TLS: use https:// in the address.\n";
    String response =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
            + text.length()
            + "\r\nConnection: close\r\n\r\n"
            + text;
    try {
      user.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      log.debug("could not answer {}: {}", user.getRemoteSocketAddress(), e.toString());
    }
  }
}
