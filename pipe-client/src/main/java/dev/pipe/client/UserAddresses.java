package dev.pipe.client;

import dev.pipe.proto.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Who a user connection comes from and which server address it reached, as the server announced
 * them in an {@link Message.Exchange} or an {@link Message.Assign}: for a PROXY protocol header to
 * the local service, and for a strategy that balances by the user's address ({@code ip_hash}). Both
 * are null when the server did not give them.
 */
record UserAddresses(InetSocketAddress source, InetSocketAddress destination) {

  static UserAddresses of(Message.Exchange exchange) {
    return new UserAddresses(exchange.userAddress(), exchange.serverAddress());
  }

  static UserAddresses of(Message.Assign assign) {
    return new UserAddresses(assign.userAddress(), assign.serverAddress());
  }

  /** The address a strategy balances by: the user's, or loopback when the server did not say. */
  InetAddress user() {
    return source == null ? InetAddress.getLoopbackAddress() : source.getAddress();
  }
}
