package dev.pipe.cli;

import dev.pipe.example.EchoServer;
import dev.pipe.example.HelloHttpServer;
import dev.pipe.example.UdpEchoServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipe example}: sample local services to put behind a tunnel while trying pipe out. */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    description = "Run a sample local service to expose: a web page, a TCP echo or a UDP echo.",
    subcommands = {
      ExampleCommand.Http.class,
      ExampleCommand.Echo.class,
      ExampleCommand.UdpEcho.class
    })
final class ExampleCommand {

  @Command(name = "http", mixinStandardHelpOptions = true, description = "A hello-world web app.")
  static final class Http extends Service {
    @Option(
        names = "--port",
        paramLabel = "PORT",
        defaultValue = "3000",
        description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    AutoCloseable start() throws Exception {
      HelloHttpServer server = HelloHttpServer.start(bind, port);
      System.out.println("example web app on http://" + bind + ":" + server.port() + "/");
      return server;
    }
  }

  @Command(name = "echo", mixinStandardHelpOptions = true, description = "A TCP echo service.")
  static final class Echo extends Service {
    @Option(
        names = "--port",
        paramLabel = "PORT",
        defaultValue = "7000",
        description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    AutoCloseable start() throws Exception {
      EchoServer server = EchoServer.start(bind, port);
      System.out.println("example TCP echo on " + bind + ":" + server.port());
      return server;
    }
  }

  @Command(
      name = "udp-echo",
      mixinStandardHelpOptions = true,
      description = "A UDP echo service: every datagram goes back to its sender.")
  static final class UdpEcho extends Service {
    @Option(
        names = "--port",
        paramLabel = "PORT",
        defaultValue = "7000",
        description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Override
    AutoCloseable start() throws Exception {
      UdpEchoServer server = UdpEchoServer.start(bind, port);
      System.out.println("example UDP echo on " + bind + ":" + server.port());
      return server;
    }
  }

  /** A sample service: started, then kept running until Ctrl-C or SIGTERM. */
  abstract static class Service implements Callable<Integer> {
    @Option(
        names = "--bind",
        paramLabel = "ADDR",
        defaultValue = "127.0.0.1",
        description = "Default: ${DEFAULT-VALUE}.")
    String bind;

    abstract AutoCloseable start() throws Exception;

    @Override
    public Integer call() throws Exception {
      AutoCloseable service = start();
      System.out.flush();
      Shutdown.onSignal(
          () -> {
            try {
              service.close();
            } catch (Exception e) {
              System.err.println("error: stopping the example service failed: " + e.getMessage());
            }
          });
      new CountDownLatch(1).await();
      return 0;
    }
  }
}
