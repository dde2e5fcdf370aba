package dev.pipe.proxy.http;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The header fields of a head, in order, as parsed: names are case-insensitive, values are stored
 * without surrounding whitespace. Immutable; the edits return a new instance.
 */
public final class Headers {
  /** One header field. */
  public record Field(String name, String value) {}

  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "proxy-connection");

  private final List<Field> fields;

  Headers(List<Field> fields) {
    this.fields = List.copyOf(fields);
  }

  public List<Field> fields() {
    return fields;
  }

  /** Every value of the fields named {@code name}, in order. */
  public List<String> all(String name) {
    List<String> values = new ArrayList<>();
    for (Field field : fields) {
      if (field.name().equalsIgnoreCase(name)) {
        values.add(field.value());
      }
    }
    return values;
  }

  /** The value of the field named {@code name}; null if there is none or more than one. */
  public String single(String name) {
    List<String> values = all(name);
    return values.size() == 1 ? values.getFirst() : null;
  }

  public boolean has(String name) {
    return fields.stream().anyMatch(field -> field.name().equalsIgnoreCase(name));
  }

  /**
   * True if a comma-separated list field such as {@code Connection} holds {@code token},
   * case-insensitively.
   */
  public boolean hasToken(String name, String token) {
    for (String value : all(name)) {
      for (String item : value.split(",")) {
        if (item.strip().equalsIgnoreCase(token)) {
          return true;
        }
      }
    }
    return false;
  }

  /** These headers without any field whose name is in {@code names} (lowercase). */
  public Headers without(Set<String> names) {
    List<Field> kept = new ArrayList<>(fields.size());
    for (Field field : fields) {
      if (!names.contains(field.name().toLowerCase(Locale.ROOT))) {
        kept.add(field);
      }
    }
    return new Headers(kept);
  }

  /**
   * These headers without the ones that concern only one connection (RFC 9110, 7.6.1): {@code
   * Connection}, the fields it names, {@code Keep-Alive} and {@code Proxy-Connection}. A proxy
   * manages each of its two connections on its own, and must not pass them on.
   */
  public Headers withoutHopByHop() {
    Set<String> hopByHop = new HashSet<>(HOP_BY_HOP);
    for (String value : all("Connection")) {
      for (String item : value.split(",")) {
        hopByHop.add(item.strip().toLowerCase(Locale.ROOT));
      }
    }
    return without(hopByHop);
  }

  /** These headers with one more field at the end. */
  public Headers with(String name, String value) {
    List<Field> more = new ArrayList<>(fields);
    more.add(new Field(name, value));
    return new Headers(more);
  }

  /** Appends each field as {@code Name: value} CRLF. */
  void appendTo(StringBuilder head) {
    for (Field field : fields) {
      head.append(field.name()).append(": ").append(field.value()).append("\r\n");
    }
  }
}
