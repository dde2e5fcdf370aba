package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class UnauthenticatedConnectionsTest {
  private final InetAddress one = InetAddress.ofLiteral("192.0.2.1");
  private final InetAddress two = InetAddress.ofLiteral("192.0.2.2");

  @Test
  void perSourceAndTotalBoundsAndSlotsComeBack() {
    UnauthenticatedConnections limits = new UnauthenticatedConnections(3, 2, 5);
    var a = limits.enter(one, false);
    var b = limits.enter(one, false);
    assertThat(limits.enter(one, false))
        .isEqualTo(
            new UnauthenticatedConnections.Refused(ServerLimit.MAX_UNAUTHENTICATED_PER_SOURCE, 2));
    var c = limits.enter(two, false);
    assertThat(limits.enter(two, false))
        .isEqualTo(
            new UnauthenticatedConnections.Refused(ServerLimit.MAX_UNAUTHENTICATED_CONNECTIONS, 3));
    ((UnauthenticatedConnections.Slot) a).close();
    ((UnauthenticatedConnections.Slot) a).close();
    assertThat(limits.enter(two, false)).isInstanceOf(UnauthenticatedConnections.Slot.class);
    assertThat(b).isInstanceOf(UnauthenticatedConnections.Slot.class);
    assertThat(c).isInstanceOf(UnauthenticatedConnections.Slot.class);
  }

  @Test
  void anAddressWithALoggedInClientHasAPoolOfItsOwn() {
    UnauthenticatedConnections limits = new UnauthenticatedConnections(1, 1, 10);
    assertThat(limits.enter(two, false))
        .as("a stranger fills the total")
        .isInstanceOf(UnauthenticatedConnections.Slot.class);
    for (int i = 0; i < 10; i++) {
      assertThat(limits.enter(one, true)).isInstanceOf(UnauthenticatedConnections.Slot.class);
    }
    assertThat(limits.enter(one, true))
        .isEqualTo(new UnauthenticatedConnections.Refused(ServerLimit.MAX_PENDING_CONNECTIONS, 10));
  }
}
