package dev.pipe.cli;

import dev.pipe.client.ClientFailure;
import dev.pipe.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns failures into {@code error: ...} lines and exit statuses: 1 for what the user must fix
 * (usage, configuration, credentials), 2 for what went wrong at run time. Stack traces only with
 * {@code --verbose}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
  static final int USAGE_OR_CONFIG = 1;
  static final int RUNTIME = 2;

  private final boolean verbose;

  Errors(boolean verbose) {
    this.verbose = verbose;
  }

  @Override
  public int handleExecutionException(
      Exception exception, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    err.println("error: " + exception.getMessage());
    if (verbose) {
      exception.printStackTrace(err);
    }
    err.flush();
    return switch (exception) {
      case ConfigException e -> USAGE_OR_CONFIG;
      case ClientFailure e -> USAGE_OR_CONFIG;
      default -> RUNTIME;
    };
  }

  static int usage(CommandLine.ParameterException exception, String[] args) {
    CommandLine commandLine = exception.getCommandLine();
    PrintWriter err = commandLine.getErr();
    err.println("error: " + exception.getMessage());
    err.println("see '" + commandLine.getCommandSpec().qualifiedName() + " --help'");
    err.flush();
    return USAGE_OR_CONFIG;
  }
}
