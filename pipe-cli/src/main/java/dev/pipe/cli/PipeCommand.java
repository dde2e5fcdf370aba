package dev.pipe.cli;

import dev.pipe.proto.PipeVersion;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root {@code pipe} command; the work happens in its subcommands. */
@Command(
    name = "pipe",
    mixinStandardHelpOptions = true,
    versionProvider = PipeCommand.Version.class,
    description =
        "A self-hosted reverse tunnel: make a port behind NAT reachable on a public server.",
    subcommands = {
      ServerCommand.class,
      ClientCommand.class,
      VisitCommand.class,
      StatusCommand.class,
      CheckCommand.class,
      DemoCommand.class,
      ExampleCommand.class,
      CommandLine.HelpCommand.class
    })
final class PipeCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Log debug details and print stack traces on errors.")
  boolean verbose;

  /** {@code pipe} alone prints the usage: there is nothing sensible to do by default. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Runs the command line and returns the process exit status: 0 ok, 1 usage or config, 2 runtime.
   */
  static int execute(String... args) {
    boolean verbose = List.of(args).contains("--verbose");
    Logging.configure(verbose);
    CommandLine commandLine = new CommandLine(new PipeCommand());
    commandLine.setExecutionExceptionHandler(new Errors(verbose));
    commandLine.setParameterExceptionHandler(Errors::usage);
    return commandLine.execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "pipe " + PipeVersion.software() + " (protocol " + PipeVersion.PROTOCOL + ")"
      };
    }
  }
}
