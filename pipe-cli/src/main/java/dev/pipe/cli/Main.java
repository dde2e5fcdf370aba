package dev.pipe.cli;

/** Entry point of the pipe jar. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int status = PipeCommand.execute(args);
    Shutdown.commandFinished();
    System.exit(status);
  }
}
