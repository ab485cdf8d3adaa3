package org.sparkmec.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line behind {@code ./mec}: one subcommand per job. */
@Command(name = "mec", mixinStandardHelpOptions = true, version = "spark-mec 0.1.0-SNAPSHOT",
        description = "spark-mec: MEC convolutions and distributed CNN training on Apache Spark.",
        subcommands = {TrainCommand.class, BenchCommand.class, ConfigCommand.class})
public final class MecMain implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 2 usage error, 1 failure). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new MecMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof java.nio.file.NoSuchFileException || e instanceof java.io.IOException) {
                cmd.getErr().println("mec " + cmd.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
