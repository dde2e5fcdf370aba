package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * An HTTP connection waiting for a data connection to the tunnel its requests go to, pooled or new.
 * The data connection, announced, is handed to the connection's own thread, which waits on {@code
 * arrived}; if that thread gave up meanwhile, the data connection is closed.
 */
record HttpWaiter(
    InetSocketAddress source,
    InetSocketAddress destination,
    CompletableFuture<HttpUpstream> arrived)
    implements WaitingUser {

  @Override
  public void claimed(ConnectionId id, ControlChannel data) {
    HttpUpstream upstream;
    try {
      data.send(new Message.DataAccepted(id));
      upstream = new HttpUpstream(data.socket(), data.socket().getInputStream(), source);
    } catch (IOException e) {
      data.close();
      arrived.completeExceptionally(e);
      return;
    }
    if (!arrived.complete(upstream)) {
      data.close();
    }
  }

  /**
   * The pooled connection's watcher is blocked reading it: the HTTP connection reads the answer
   * through {@link PooledInput}, which starts with what the watcher read.
   */
  @Override
  public void assigned(Message.Assign assign, PooledConnection data) {
    PooledInput input = new PooledInput(data.channel().socket());
    data.readWith(input);
    HttpUpstream upstream;
    try {
      data.channel().send(assign);
      upstream = new HttpUpstream(data.channel().socket(), input, source);
    } catch (IOException e) {
      data.close();
      arrived.completeExceptionally(e);
      return;
    }
    if (!arrived.complete(upstream)) {
      data.close();
    }
  }

  @Override
  public void abandoned(String reason) {
    arrived.completeExceptionally(new IOException(reason));
  }
}
