package dev.pipe.bench;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding the control messages a busy tunnel sends most: the server's Exchange or
 * Assign for every user connection, and the heartbeat that keeps idle connections alive.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  @Param({"heartbeat", "exchange", "assign"})
  public String message;

  private Message value;
  private byte[] frame;

  @Setup
  public void setUp() {
    value =
        switch (message) {
          case "heartbeat" -> new Message.Heartbeat();
          case "exchange" -> new Message.Exchange(ConnectionId.random(), "web", "203.0.113.7");
          case "assign" -> new Message.Assign(ConnectionId.random(), "web", "203.0.113.7");
          default -> throw new IllegalArgumentException("unknown message " + message);
        };
    frame = MessageCodec.encode(value);
  }

  @Benchmark
  public byte[] encode() {
    return MessageCodec.encode(value);
  }

  @Benchmark
  public Message decode() throws IOException {
    return MessageCodec.read(new ByteArrayInputStream(frame));
  }
}
