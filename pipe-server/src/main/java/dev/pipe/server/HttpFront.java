package dev.pipe.server;

import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.http.HeadLimits;
import dev.pipe.proxy.http.Headers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection on the HTTP port shares: the routes, the limits, the trust in proxies in
 * front, the failed basic-auth logins, and where exchanges are tracked and events reported. The
 * limits are the server's current ones, so that a reload changes the timeouts and the bounds of a
 * request head at once.
 */
record HttpFront(
    HostRoutes routes,
    HttpSettings settings,
    Supplier<ServerLimits> currentLimits,
    ScheduledExecutorService timer,
    ServerEvents events,
    ActiveSplices active,
    FailedLogins authFailures,
    RateLimitedLog slowHeads) {
  private static final Logger log = LoggerFactory.getLogger(HttpFront.class);

  /**
   * @param limits the limits in force; those of the basic-auth bans are read once, here
   */
  HttpFront(
      HostRoutes routes,
      HttpSettings settings,
      Supplier<ServerLimits> limits,
      ScheduledExecutorService timer,
      ServerEvents events,
      ActiveSplices active) {
    this(
        routes,
        settings,
        limits,
        timer,
        events,
        active,
        new FailedLogins(
            limits.get().httpAuthFailuresBeforeBan(),
            limits.get().loginFailureWindow(),
            limits.get().banDuration(),
            System::nanoTime),
        new RateLimitedLog(log));
  }

  /** The limits in force now. */
  ServerLimits limits() {
    return currentLimits.get();
  }

  /** How large a request or response head may be, now. */
  HeadLimits heads() {
    ServerLimits now = currentLimits.get();
    return new HeadLimits(now.maxHttpHeaderBytes(), now.maxHttpHeaderLines());
  }

  /** Serves one connection on the calling thread until it ends. */
  void serve(Socket user) {
    new HttpConnection(this, user).serve();
  }

  /**
   * The address of the user behind {@code peer}: the peer itself, or, when the peer is a trusted
   * proxy, the rightmost address of {@code X-Forwarded-For} that is not a trusted proxy too (the
   * ones left of it were written by whoever connected to the proxy, and may be lies). Its port is
   * unknown then, and 0.
   */
  InetSocketAddress userAddress(InetSocketAddress peer, Headers headers) {
    if (!settings.trusts(peer.getAddress())) {
      return peer;
    }
    List<String> hops =
        headers.all("X-Forwarded-For").stream()
            .flatMap(value -> List.of(value.split(",")).stream())
            .map(String::strip)
            .toList();
    for (String hop : hops.reversed()) {
      InetAddress address;
      try {
        address = InetAddress.ofLiteral(hop);
      } catch (IllegalArgumentException e) {
        return peer;
      }
      if (!settings.trusts(address)) {
        return new InetSocketAddress(address, 0);
      }
    }
    return peer;
  }
}
