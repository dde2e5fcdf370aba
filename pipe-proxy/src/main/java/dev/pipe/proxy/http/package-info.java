/**
 * Just enough HTTP/1.1 to carry requests to the right tunnel: heads read within limits and written
 * out again in canonical form, and bodies copied by their framing. No message is ever held whole in
 * memory: bodies stream through a fixed buffer.
 */
package dev.pipe.proxy.http;
