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
        .isEqualTo(new Admission.Refused(ServerLimit.MAX_UNAUTHENTICATED_PER_SOURCE, 2));
    var c = limits.enter(two, false);
    assertThat(limits.enter(two, false))
        .isEqualTo(new Admission.Refused(ServerLimit.MAX_UNAUTHENTICATED_CONNECTIONS, 3));
    ((Admission.Slot) a).close();
    ((Admission.Slot) a).close();
    assertThat(limits.enter(two, false)).isInstanceOf(Admission.Slot.class);
    assertThat(b).isInstanceOf(Admission.Slot.class);
    assertThat(c).isInstanceOf(Admission.Slot.class);
  }

  @Test
  void anAddressWithALoggedInClientHasAPoolOfItsOwn() {
    UnauthenticatedConnections limits = new UnauthenticatedConnections(1, 1, 10);
    assertThat(limits.enter(two, false))
        .as("a stranger fills the total")
        .isInstanceOf(Admission.Slot.class);
    for (int i = 0; i < 10; i++) {
      assertThat(limits.enter(one, true)).isInstanceOf(Admission.Slot.class);
    }
    assertThat(limits.enter(one, true))
        .isEqualTo(new Admission.Refused(ServerLimit.MAX_PENDING_CONNECTIONS, 10));
  }
}
