package org.sparkmec.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.UnmatchedArgumentException;

/** The command line behind {@code ./mec}: one subcommand per job. */
@Command(name = "mec", mixinStandardHelpOptions = true, version = "spark-mec 0.1.0-SNAPSHOT",
        description = "spark-mec: MEC convolutions and distributed CNN training on Apache Spark.",
        subcommands = {TrainCommand.class, BenchCommand.class, ConfigCommand.class})
public final class MecMain implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit code (0 ok, 2 usage error, 1 failure). A usage error (an
     * unknown option or bad option value, or an invalid setting, model file, data folder or checkpoint) prints
     * one line naming the problem and a line pointing at {@code --help}.
     */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new MecMain());
        cli.setParameterExceptionHandler((e, arguments) -> {
            String message = e.getMessage();
            if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                message += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
            return usageError(e.getCommandLine(), message);
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                return usageError(cmd, e.getMessage());
            }
            if (e instanceof IllegalStateException) {
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    private static int usageError(CommandLine cmd, String message) {
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " "));
        cmd.getErr().println("Try '" + name + " --help' for the options.");
        return 2;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
