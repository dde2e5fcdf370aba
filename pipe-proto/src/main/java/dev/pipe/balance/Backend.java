package dev.pipe.balance;

/** What a {@link Picker} needs to know of one backend. */
public interface Backend {
  /** Weights go from 1 to this; the smooth weighted walk and the hash ring stay small. */
  int MAX_WEIGHT = 100;

  /**
   * Names the backend for as long as it exists, the same on every pick; {@link Strategy#IP_HASH}
   * places it on its ring by this key, so that a backend that leaves and comes back gets back its
   * own share of addresses.
   */
  String key();

  /** From 1 to {@link #MAX_WEIGHT}; 1 unless configured. */
  int weight();

  /** Connections open now (waiting or flowing), for {@link Strategy#LEAST_CONNECTIONS}. */
  int activeConnections();
}
