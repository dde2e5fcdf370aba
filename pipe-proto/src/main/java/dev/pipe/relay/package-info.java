/**
 * The end-to-end encryption of relay circuits, shared by the two ends (visitor and provider) and
 * never run by the server: keys from the tunnel's secret ({@link dev.pipe.relay.RelayKeys}), the
 * authenticated key exchange ({@link dev.pipe.relay.CircuitHandshake}) and the sealed record
 * streams it yields. Only JDK classes: X25519, HKDF ({@code javax.crypto.KDF}), PBKDF2, AES-GCM.
 * The construction and its threat model are in docs/relay.md.
 */
package dev.pipe.relay;
