package org.sparkmec.jobs;

import java.util.List;
import org.sparkmec.spark.PermanentFailureException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line behind {@code ./mec}: one subcommand per job. */
@Command(name = "mec", mixinStandardHelpOptions = true, versionProvider = MecMain.Version.class,
        description = "spark-mec: MEC convolutions and distributed CNN training on Apache Spark.",
        subcommands = {TrainCommand.class, BenchCommand.class, ConfigCommand.class})
public final class MecMain implements Runnable {
    /** The exit code of a usage error: a bad option, value, file or setting. */
    static final int USAGE_ERROR = 2;
    /** The exit code of a run interrupted by SIGINT (128 + 2, what shells report for Ctrl-C). */
    static final int INTERRUPTED = 130;
    /** The system property naming the log file (conf/log4j2.properties), set by {@code ./mec}. */
    static final String LOG_FILE_PROPERTY = "mec.logFile";

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns the exit code: 0 ok; {@value #USAGE_ERROR} for an error the user can act
     * on, reported in one line (a bad option, value, file or setting, an environment that cannot run the request
     * such as a missing GPU, an I/O error naming its path, a diverged or permanently failed run); 130 when
     * interrupted; 1 for anything unexpected (a bug: the exception propagates with its trace).
     */
    public static int run(String... args) {
        try {
            return execute(new CommandLine(new MecMain()), args);
        } catch (OutOfMemoryError e) {
            System.err.println(outOfMemory(e));
            return 1;
        }
    }

    /** The line that ends a run out of heap: what ran out and what to raise. */
    static String outOfMemory(OutOfMemoryError e) {
        return "mec: out of memory (" + e.getMessage() + "): raise the heap, e.g. MEC_JAVA_OPTS=-Xmx8g ./mec ... "
                + "(default -Xmx4g), or spark.driver.memory (--driver-memory) under spark-submit";
    }

    /**
     * Executes {@code cli} with the project's error handling: a usage error (a bad option or value, an unknown
     * name, a missing file, an invalid setting: {@code IllegalArgumentException}) is one line on standard error,
     * {@code mec CMD: problem; try 'mec CMD --help'}; a failure of the run the user can act on
     * ({@code IllegalStateException}, {@code IOException}) is one line naming the cause (and the log file for
     * Spark's traces); both exit with {@value #USAGE_ERROR}. Anything else propagates (exit code 1).
     */
    static int execute(CommandLine cli, String... args) {
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine cmd = e.getCommandLine();
            String message = e.getMessage();
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
                List<String> suggestions = unmatched.getSuggestions();
                if (!suggestions.isEmpty()) {
                    message += "; did you mean " + String.join(" or ", suggestions) + "?";
                }
            }
            cmd.getErr().println(qualifiedName(cmd) + ": " + oneLine(message) + "; " + usageHint(cmd));
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (RunFolders.interrupted()) {
                // The shutdown hook said where the run stopped and what was kept; Spark's "Job N cancelled
                // because SparkContext was shut down" says nothing more.
                return INTERRUPTED;
            }
            if (e instanceof IllegalArgumentException || e instanceof java.nio.file.NoSuchFileException) {
                cmd.getErr().println(qualifiedName(cmd) + ": " + oneLine(e.getMessage()) + "; " + usageHint(cmd));
                return USAGE_ERROR;
            }
            if (e instanceof IllegalStateException || e instanceof java.io.IOException) {
                cmd.getErr().println(qualifiedName(cmd) + ": " + oneLine(e.getMessage()) + logHint(e));
                return USAGE_ERROR;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** A message on one line (some carry line breaks, e.g. a model file's parse errors). */
    private static String oneLine(String message) {
        return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** Where the trace of a failure on Spark is: the log file {@code ./mec} names ({@code mec.logFile}). */
    private static String logHint(Exception e) {
        String logFile = System.getProperty(LOG_FILE_PROPERTY);
        return e instanceof PermanentFailureException && logFile != null ? " (details in " + logFile + ")" : "";
    }

    private static String qualifiedName(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName();
    }

    private static String usageHint(CommandLine cmd) {
        return "try '" + qualifiedName(cmd) + " --help'";
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code mec --version}: the version the build wrote into {@code version.properties} (Maven's project version). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = MecMain.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new java.io.IOException("version.properties is missing from the jobs jar; rebuild it");
                }
                p.load(in);
            }
            return new String[] {"spark-mec " + p.getProperty("version")};
        }
    }
}
