package dev.pipe.cli;

/**
 * SIGINT and SIGTERM run a graceful stop and then end the process with status 0: stopping on
 * request is success, and the JVM would otherwise report 130 or 143. When the command itself
 * decided to exit (with its own status), the hook stays out of the way.
 */
final class Shutdown {
  private static volatile boolean commandFinished;

  private Shutdown() {}

  static void onSignal(Runnable gracefulStop) {
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform()
                .name("pipe-shutdown")
                .unstarted(
                    () -> {
                      if (commandFinished) {
                        return;
                      }
                      gracefulStop.run();
                      System.out.flush();
                      System.err.flush();
                      Runtime.getRuntime().halt(0);
                    }));
  }

  /** The command returned its exit status; the JVM is exiting because we asked it to. */
  static void commandFinished() {
    commandFinished = true;
  }
}
