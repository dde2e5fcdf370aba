package dev.pipe.server;

import dev.pipe.proto.HostName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import dev.pipe.proxy.Traffic;
import dev.pipe.proxy.http.BodyCopy;
import dev.pipe.proxy.http.BodyLength;
import dev.pipe.proxy.http.Headers;
import dev.pipe.proxy.http.HttpException;
import dev.pipe.proxy.http.HttpInput;
import dev.pipe.proxy.http.RequestHead;
import dev.pipe.proxy.http.ResponseHead;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user connection on the shared HTTP port, served on its own thread: each request head is read
 * within the limits, routed by its Host header, checked (basic auth, source lists), given the
 * forwarded headers, and carried to the tunnel's local service over a data connection; its response
 * is carried back the same way, framed as it says.
 *
 * <p>Routing is per request, not per connection: a keep-alive connection may ask for another host
 * in its next request, as a TLS proxy in front (Caddy) does when it pools connections to this port
 * for all names. The data connection then goes back (it carried the previous response whole) and
 * one to the other tunnel is asked for; bytes of one request never reach another tunnel. Requests
 * are carried one at a time: a pipelined request waits until the previous response is complete.
 * After a protocol switch (a WebSocket) the connection belongs to its tunnel and bytes pass
 * untouched both ways.
 */
final class HttpConnection {
  private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
  private static final int BUFFER_BYTES = 8 * 1024;
  private static final int COPY_BUFFER_BYTES = 16 * 1024;
  private static final Duration UPLOAD_GRACE = Duration.ofMillis(200);
  private static final Duration HANDOVER_SLACK = Duration.ofSeconds(1);

  /**
   * How long a kept-alive data connection may have been idle and still carry a request with a body:
   * local services close idle connections (Node.js after 5 s), and a body cannot be sent again on a
   * new connection the way a request without one can.
   */
  private static final Duration REUSE_WITH_BODY = Duration.ofSeconds(1);

  /** Headers a user may not set: the server writes them, or, from a trusted proxy, extends them. */
  private static final Set<String> FORWARDING =
      Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "forwarded");

  private static final Set<String> AUTHORIZATION = Set.of("authorization");
  private static final Set<String> HOST = Set.of("host");

  private final HttpFront front;
  private final Socket user;
  private final InetSocketAddress peer;
  private HttpInput in;
  private OutputStream out;
  private NamedTunnel current;
  private HttpUpstream upstream;
  private volatile boolean headTimedOut;

  /**
   * One request to carry: as the local service gets it, its body, and whether the user lets its
   * connection stay open after it (the connection to the local service is managed on its own).
   */
  private record Exchange(RequestHead request, BodyLength body, boolean userKeepsAlive) {}

  /** How an exchange ended. */
  private enum Outcome {
    /** The user connection may carry another request. */
    KEEP_ALIVE,
    /** The user connection must end. */
    CLOSE,
    /**
     * A kept-alive data connection turned out closed by the local service before it answered a
     * request without a body, which can be sent again on a new one.
     */
    STALE
  }

  HttpConnection(HttpFront front, Socket user) {
    this.front = front;
    this.user = user;
    this.peer = (InetSocketAddress) user.getRemoteSocketAddress();
  }

  void serve() {
    String method = null;
    try {
      in = new HttpInput(user.getInputStream(), BUFFER_BYTES);
      out = new BufferedOutputStream(user.getOutputStream(), BUFFER_BYTES);
      // A new connection must start its request within the head deadline; between requests of a
      // kept-alive connection, the idle timeout applies.
      user.setSoTimeout(millis(front.limits().httpHeaderTimeout()));
      while (in.awaitData()) {
        RequestHead request = readHead();
        if (request == null) {
          return;
        }
        method = request.method();
        if (!carry(request)) {
          return;
        }
        user.setSoTimeout(millis(front.limits().httpIdleTimeout()));
      }
    } catch (HttpException e) {
      refuse(method == null ? "GET" : method, e);
    } catch (SocketTimeoutException e) {
      if (method == null) {
        slowHead();
      } else {
        log.debug("http connection from {} idle; closed", describe());
      }
    } catch (IOException e) {
      if (headTimedOut) {
        slowHead();
      } else {
        log.debug("http connection from {} ended: {}", describe(), e.toString());
      }
    } finally {
      // Between requests the data connection is idle and whole: the next user may have it.
      endUpstream(true);
    }
  }

  private void slowHead() {
    front.events().limitHit(ServerLimit.HTTP_HEADER_TIMEOUT);
    front
        .slowHeads()
        .warn(
            "http connection from {} closed: no complete request head within {} ms"
                + " (http_header_timeout)",
            describe(),
            front.limits().httpHeaderTimeout().toMillis());
  }

  /** The next request head, read within {@code http_header_timeout}; null at a clean end. */
  private RequestHead readHead() throws IOException {
    ScheduledFuture<?> deadline =
        front
            .timer()
            .schedule(
                () -> {
                  headTimedOut = true;
                  Sockets.closeQuietly(user);
                },
                front.limits().httpHeaderTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    try {
      return RequestHead.read(in, front.heads());
    } finally {
      deadline.cancel(false);
    }
  }

  /** Carries one request and its response; false when the connection must end. */
  private boolean carry(RequestHead request) throws IOException {
    if (request.method().equals("CONNECT")) {
      throw new HttpException(405, "this port carries requests to tunnels; it is not a proxy");
    }
    String hostHeader = hostHeader(request);
    String host = routable(hostHeader);
    NamedTunnel tunnel = host == null ? null : front.routes().find(TunnelType.HTTP, host);
    if (tunnel == null) {
      endUpstream(true);
      HttpPages.send(
          out,
          request.method(),
          404,
          "No tunnel is connected for "
              + (host == null ? "this name" : HttpPages.code(host))
              + " right now. If it is yours, start its <code>pipe client</code>; the page works"
              + " again as soon as the tunnel is up.");
      return false;
    }
    InetSocketAddress source = front.userAddress(peer, request.headers());
    if (tunnel.auth().isPresent() && !authorized(request, tunnel, host, source)) {
      return false;
    }
    BodyLength body = BodyLength.of(request);
    boolean none = body instanceof BodyLength.None;
    if (upstream != null
        && (current != tunnel || (tunnel.onePerUser() && !upstream.user().equals(source)))) {
      endUpstream(true);
    }
    // A body cannot be sent twice: it needs a data connection that has not idled long enough to
    // have been closed by the local service.
    if (upstream != null && !none && upstream.idleNanos() > REUSE_WITH_BODY.toNanos()) {
      endUpstream(false);
    }
    if (upstream == null && !connect(request, tunnel, source, none)) {
      return false;
    }
    Exchange exchange =
        new Exchange(forwarded(request, tunnel, hostHeader), body, request.keepAlive());
    Outcome outcome = exchange(exchange, upstream.carried());
    if (outcome == Outcome.STALE) {
      // The local service had closed the kept-alive connection before this request arrived.
      outcome = connect(request, tunnel, source, false) ? exchange(exchange, false) : Outcome.CLOSE;
    }
    return outcome == Outcome.KEEP_ALIVE;
  }

  private boolean authorized(
      RequestHead request, NamedTunnel tunnel, String host, InetSocketAddress source)
      throws IOException {
    FailedLogins failures = front.authFailures();
    String challenge = "Basic realm=\"" + host + "\", charset=\"UTF-8\"";
    if (failures.isBanned(source.getAddress())) {
      front.events().limitHit(ServerLimit.HTTP_AUTH_BAN);
      HttpPages.send(
          out,
          request.method(),
          429,
          "Too many wrong passwords came from your address. Try again in a few minutes.",
          "Retry-After",
          String.valueOf(front.limits().banDuration().toSeconds()));
      return false;
    }
    String given = request.headers().single("Authorization");
    if (tunnel.auth().get().admits(given)) {
      return true;
    }
    if (given != null) {
      String address = source.getAddress().getHostAddress();
      log.warn("http auth failure: source={} host={}", address, host);
      if (failures.recordFailure(source.getAddress())) {
        log.warn(
            "http auth ban: source={} banned for {} s after {} wrong passwords within {} s",
            address,
            front.limits().banDuration().toSeconds(),
            front.limits().httpAuthFailuresBeforeBan(),
            front.limits().loginFailureWindow().toSeconds());
      }
    }
    HttpPages.send(
        out,
        request.method(),
        401,
        HttpPages.code(host) + " asks for a user name and password.",
        "WWW-Authenticate",
        challenge);
    return false;
  }

  /**
   * Gets a data connection to {@code tunnel} for requests from {@code source}: one the tunnel keeps
   * idle if {@code mayReuse}, else one from its client (pooled, or opened for it). A tunnel whose
   * client reports its local service down gets no new requests.
   */
  private boolean connect(
      RequestHead request, NamedTunnel tunnel, InetSocketAddress source, boolean mayReuse)
      throws IOException {
    switch (tunnel.users().admit(source)) {
      case SOURCE_DENIED -> {
        HttpPages.send(out, request.method(), 403, "Your address may not use this tunnel.");
        return false;
      }
      case TUNNEL_FULL -> {
        HttpPages.send(
            out,
            request.method(),
            503,
            "This tunnel carries as many connections as it may. Try again in a moment.",
            "Retry-After",
            "1");
        return false;
      }
      case ADMITTED -> {
        // Go on: find a data connection.
      }
    }
    if (!tunnel.healthy()) {
      tunnel.users().connectionEnded();
      HttpPages.send(
          out,
          request.method(),
          503,
          "The service behind this tunnel is down: its client's health check fails. Try again in"
              + " a moment.",
          "Retry-After",
          "5");
      return false;
    }
    HttpUpstream idle = mayReuse && !tunnel.onePerUser() ? tunnel.idle().take() : null;
    if (idle != null) {
      if (!tunnel.users().track(user)) {
        idle.close();
        tunnel.users().connectionEnded();
        HttpPages.send(out, request.method(), 502, "The tunnel was just closed.");
        return false;
      }
      return carrying(tunnel, idle);
    }
    CompletableFuture<HttpUpstream> arrived = new CompletableFuture<>();
    HttpWaiter waiting =
        new HttpWaiter(source, (InetSocketAddress) user.getLocalSocketAddress(), arrived);
    HttpUpstream data = null;
    int status = 0;
    String why = "";
    if (!tunnel.owner().requestDataConnection(tunnel, waiting)) {
      status = 503;
      why = "The server is at its limit of connections waiting for their tunnel. Try again soon.";
    } else {
      try {
        data =
            arrived.get(
                front.limits().pendingTimeout().plus(HANDOVER_SLACK).toMillis(),
                TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        log.info(
            "tunnel={} could not serve a request: {}", tunnel.tunnel(), e.getCause().getMessage());
        status = 502;
        why = "The tunnel is connected, but its client could not reach the service behind it.";
      } catch (TimeoutException e) {
        arrived.cancel(false);
        status = 504;
        why = "The tunnel's client did not answer in time.";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a data connection");
      }
    }
    if (data != null && !tunnel.users().track(user)) {
      data.close();
      data = null;
      status = 502;
      why = "The tunnel was just closed.";
    }
    if (data == null) {
      tunnel.users().connectionEnded();
      HttpPages.send(out, request.method(), status, why);
      return false;
    }
    data.socket().setSoTimeout(millis(front.limits().httpIdleTimeout()));
    return carrying(tunnel, data);
  }

  /** From now on {@code upstream} carries this connection's requests for {@code tunnel}. */
  private boolean carrying(NamedTunnel tunnel, HttpUpstream data) {
    current = tunnel;
    upstream = data;
    tunnel.info().traffic().connectionOpened();
    front.events().connectionOpened(tunnel.info());
    return true;
  }

  /**
   * Sends the request and carries back its response.
   *
   * @param reused the data connection carried an earlier request, and the local service may have
   *     closed it since
   */
  private Outcome exchange(Exchange exchange, boolean reused) throws IOException {
    HttpUpstream up = upstream;
    String tunnel = current.tunnel();
    Traffic traffic = current.info().traffic();
    front.active().add(user, up.socket());
    boolean ended = false;
    Outcome outcome;
    try {
      outcome = exchange(up, tunnel, traffic, exchange, reused);
      ended = true;
    } finally {
      front.active().remove(user, up.socket());
      up.exchanged();
      if (!ended) {
        // Cut off in the middle: what is on the data connection now belongs to no request.
        endUpstream(false);
      }
    }
    if (outcome == Outcome.CLOSE) {
      // Back among the idle ones (if whole) before the user sees the response end: a user that
      // closes after every request and comes straight back must find it there.
      endUpstream(true);
    }
    out.flush();
    return outcome;
  }

  private Outcome exchange(
      HttpUpstream up, String tunnel, Traffic traffic, Exchange exchange, boolean reused)
      throws IOException {
    RequestHead request = exchange.request();
    BodyLength body = exchange.body();
    byte[] head = request.bytes(body);
    AtomicReference<IOException> uploadFailed = new AtomicReference<>();
    Thread upload = null;
    boolean answered = false;
    try {
      up.out().write(head);
      traffic.in().add(head.length);
      if (body instanceof BodyLength.None) {
        up.out().flush();
      } else {
        upload =
            Thread.ofVirtual()
                .name("http-upload-" + tunnel)
                .start(
                    () -> {
                      try {
                        new BodyCopy(
                                in,
                                up.out(),
                                traffic.in(),
                                new byte[COPY_BUFFER_BYTES],
                                front.heads(),
                                400)
                            .copy(body);
                      } catch (IOException e) {
                        uploadFailed.set(e);
                        Sockets.closeQuietly(up.socket());
                      }
                    });
      }
      while (true) {
        ResponseHead response = ResponseHead.read(up.in(), front.heads());
        if (response.interim()) {
          write(response.bytes(BodyLength.NONE), traffic);
          out.flush();
          answered = true;
          continue;
        }
        if (response.status() == 101) {
          if (!request.upgrade()) {
            throw new HttpException(502, "the local service switched protocols unasked");
          }
          write(response.bytes(BodyLength.NONE), traffic);
          out.flush();
          finished(upload, uploadFailed);
          switched(up, tunnel, traffic);
          endUpstream(false);
          return Outcome.CLOSE;
        }
        BodyLength responseBody = BodyLength.of(response, request.method());
        boolean untilClose = responseBody instanceof BodyLength.UntilClose;
        boolean userStays = exchange.userKeepsAlive() && !untilClose;
        write(toUser(response, request.version(), userStays).bytes(responseBody), traffic);
        answered = true;
        new BodyCopy(up.in(), out, traffic.out(), up.buffer(), front.heads(), 502)
            .copyHeld(responseBody);
        boolean whole = finished(upload, uploadFailed) && uploadFailed.get() == null;
        if (!(whole && response.keepAlive() && !untilClose)) {
          endUpstream(false);
        }
        return whole && userStays ? Outcome.KEEP_ALIVE : Outcome.CLOSE;
      }
    } catch (IOException e) {
      endUpstream(false);
      if (reused
          && !answered
          && body instanceof BodyLength.None
          && (e instanceof EOFException || e instanceof SocketException)) {
        return Outcome.STALE;
      }
      IOException userFailed = uploadFailed.get();
      if (userFailed instanceof HttpException malformed && !answered) {
        throw malformed;
      }
      if (userFailed != null || answered) {
        throw userFailed != null ? userFailed : e;
      }
      log.info("tunnel={} local service gave no valid answer: {}", tunnel, e.toString());
      boolean silent = e instanceof SocketTimeoutException;
      HttpPages.send(
          out,
          request.method(),
          silent ? 504 : 502,
          silent
              ? "The service behind the tunnel did not answer within "
                  + front.limits().httpIdleTimeout().toSeconds()
                  + " seconds."
              : "The tunnel is connected, but the service behind it did not answer this request.");
      return Outcome.CLOSE;
    }
  }

  /**
   * Waits a moment for the request body to be sent whole; false if it was not (the service answered
   * before reading it all), and then the connection is cut.
   */
  private boolean finished(Thread upload, AtomicReference<IOException> failed) throws IOException {
    if (upload == null) {
      return true;
    }
    try {
      if (!upload.join(UPLOAD_GRACE)) {
        endUpstream(false);
        Sockets.closeQuietly(user);
        upload.join(UPLOAD_GRACE);
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while sending a request body");
    }
    return failed.get() == null;
  }

  /** After 101 Switching Protocols: bytes pass untouched both ways until either side closes. */
  private void switched(HttpUpstream up, String tunnel, Traffic traffic) throws IOException {
    user.setSoTimeout(0);
    up.socket().setSoTimeout(0);
    Splice.run(
        Splice.Side.of(user, in).counting(traffic.in()),
        Splice.Side.of(up.socket(), up.in()).counting(traffic.out()),
        "upgraded-" + tunnel);
  }

  private void write(byte[] bytes, Traffic traffic) throws IOException {
    out.write(bytes);
    traffic.out().add(bytes.length);
  }

  /**
   * Gives back the data connection of the current tunnel, if there is one: to the tunnel's idle
   * ones if it is {@code reusable} (its last response was complete and it may stay open), else
   * closed.
   */
  private void endUpstream(boolean reusable) {
    HttpUpstream ending = upstream;
    NamedTunnel tunnel = current;
    if (ending == null) {
      return;
    }
    upstream = null;
    current = null;
    tunnel.users().untrack(user);
    tunnel.users().connectionEnded();
    tunnel.info().traffic().connectionClosed();
    front.events().connectionClosed(tunnel.info());
    boolean kept =
        reusable && ending.carried() && !tunnel.onePerUser() && tunnel.idle().offer(ending);
    if (!kept) {
      ending.close();
    }
  }

  /**
   * The response as the user gets it: its connection headers are this server's, saying whether the
   * user's connection stays open (the local service's say only whether its own does).
   */
  private static ResponseHead toUser(ResponseHead response, String version, boolean stays) {
    Headers headers = response.headers().withoutHopByHop();
    if (!stays) {
      headers = headers.with("Connection", "close");
    } else if (version.equals("HTTP/1.0")) {
      headers = headers.with("Connection", "keep-alive");
    }
    return response.withHeaders(headers);
  }

  /**
   * The request as the local service gets it: forwarded headers that say who asked and how (only a
   * trusted proxy's own are kept and extended), the tunnel's basic auth taken out, the Host header
   * rewritten if the tunnel asked for it, and the user's connection headers taken out (the data
   * connection stays open for the next request, whatever the user's does), unless it asks for a
   * protocol switch, which the local service must see.
   */
  private RequestHead forwarded(RequestHead request, NamedTunnel tunnel, String hostHeader) {
    Headers sent = request.upgrade() ? request.headers() : request.headers().withoutHopByHop();
    boolean trusted = front.settings().trusts(peer.getAddress());
    String chain = trusted ? String.join(", ", sent.all("X-Forwarded-For")) : "";
    String proto =
        trusted && "https".equalsIgnoreCase(sent.single("X-Forwarded-Proto")) ? "https" : "http";
    String forwardedHost = trusted ? sent.single("X-Forwarded-Host") : null;
    String peerAddress = peer.getAddress().getHostAddress();
    Headers headers =
        sent.without(FORWARDING)
            .with("X-Forwarded-For", chain.isEmpty() ? peerAddress : chain + ", " + peerAddress)
            .with("X-Forwarded-Proto", proto)
            .with("X-Forwarded-Host", forwardedHost != null ? forwardedHost : hostHeader);
    if (tunnel.auth().isPresent()) {
      headers = headers.without(AUTHORIZATION);
    }
    if (tunnel.hostHeader().isPresent()) {
      headers = headers.without(HOST).with("Host", tunnel.hostHeader().get());
    }
    return request.withHeaders(headers);
  }

  /**
   * The host a request is for, as sent: from the Host header, or from an absolute-form target
   * (which must then agree with the Host header).
   */
  private static String hostHeader(RequestHead request) throws HttpException {
    String host = request.headers().single("Host");
    if (host == null && request.headers().has("Host")) {
      throw new HttpException(400, "a request may have one Host header only");
    }
    String target = request.target();
    String lower = target.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      String authority = target.substring(target.indexOf("//") + 2);
      int end = 0;
      while (end < authority.length() && "/?#".indexOf(authority.charAt(end)) < 0) {
        end++;
      }
      authority = authority.substring(0, end);
      if (host != null && !host.equalsIgnoreCase(authority)) {
        throw new HttpException(400, "the request names two different hosts");
      }
      host = authority;
    }
    if (host == null || host.isEmpty()) {
      throw new HttpException(
          400, "this port routes requests by their Host header, and this request has none");
    }
    return host;
  }

  /**
   * The name a tunnel could hold for a Host value: lowercase, without a port or a final dot; null
   * if it is no valid name (an address literal, for one), which no tunnel can hold.
   */
  static String routable(String hostHeader) throws HttpException {
    String host = hostHeader;
    if (host.startsWith("[")) {
      return null;
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      String port = host.substring(colon + 1);
      if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
        throw new HttpException(400, "the Host header has an invalid port");
      }
      host = host.substring(0, colon);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    try {
      return HostName.name(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void refuse(String method, HttpException e) {
    if (e.status() == 431) {
      front.events().limitHit(ServerLimit.MAX_HTTP_HEADER_BYTES);
    }
    log.debug("http request from {} refused with {}: {}", describe(), e.status(), e.getMessage());
    try {
      HttpPages.send(out, method, e.status(), HttpPages.escape(e.getMessage()) + ".");
    } catch (IOException closed) {
      log.debug("could not tell {} why: {}", describe(), closed.toString());
    }
  }

  private String describe() {
    return peer.getAddress().getHostAddress() + ":" + peer.getPort();
  }

  private static int millis(Duration duration) {
    return Math.toIntExact(duration.toMillis());
  }
}
