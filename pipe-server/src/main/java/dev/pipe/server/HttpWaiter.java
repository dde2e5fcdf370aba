package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/**
 * An HTTP connection waiting for a data connection to the tunnel its requests go to. The data
 * connection is handed to the connection's own thread, which waits on {@code arrived}; if that
 * thread gave up meanwhile, the data connection is closed.
 */
record HttpWaiter(
    InetSocketAddress source, InetSocketAddress destination, CompletableFuture<Socket> arrived)
    implements WaitingUser {

  @Override
  public void claimed(ConnectionId id, ControlChannel data) {
    try {
      data.send(new Message.DataAccepted(id));
    } catch (IOException e) {
      data.close();
      arrived.completeExceptionally(e);
      return;
    }
    if (!arrived.complete(data.socket())) {
      data.close();
    }
  }

  @Override
  public void abandoned(String reason) {
    arrived.completeExceptionally(new IOException(reason));
  }
}
