package dev.pipe.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The small pages the server answers with itself on the HTTP port: no tunnel for that name, wrong
 * credentials, a request it will not carry, a local service that did not answer. Each closes the
 * connection. Every text put into a page is HTML-escaped.
 */
final class HttpPages {
  private static final String STYLE =
      "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
          + "color:#222}h1{font-size:1.4rem}code{background:#eee;padding:0 .3em;border-radius:3px}"
          + "small{color:#777}";

  private HttpPages() {}

  /**
   * Writes the page for {@code status}; {@code headers} are extra name and value pairs such as
   * {@code WWW-Authenticate}. A HEAD request gets the head only.
   */
  static void send(OutputStream out, String method, int status, String text, String... headers)
      throws IOException {
    String title = title(status);
    String html =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>"
            + status
            + " "
            + escape(title)
            + "</title><style>"
            + STYLE
            + "</style></head><body><h1>"
            + escape(title)
            + "</h1><p>"
            + text
            + "</p><small>pipe</small></body></html>\n";
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder()
            .append("HTTP/1.1 ")
            .append(status)
            .append(' ')
            .append(reason(status))
            .append("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ")
            .append(body.length)
            .append("\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
            .append("Connection: close\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!method.equals("HEAD")) {
      out.write(body);
    }
    out.flush();
  }

  /** {@code text} with the characters that mean something in HTML written as entities. */
  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '&' -> escaped.append("&amp;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  /** {@code name} as code, escaped. */
  static String code(String name) {
    return "<code>" + escape(name) + "</code>";
  }

  private static String title(int status) {
    return switch (status) {
      case 401 -> "Credentials needed";
      case 403 -> "Not for your address";
      case 404 -> "No tunnel here";
      case 429 -> "Too many wrong passwords";
      case 431 -> "Request head too large";
      case 502 -> "The tunnel's service did not answer";
      case 503 -> "The tunnel is busy";
      case 504 -> "The tunnel's client did not answer";
      default -> "This request cannot be carried";
    };
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 505 -> "HTTP Version Not Supported";
      default -> "Error";
    };
  }
}
