package org.sparkmec.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sparkmec.engine.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mec config}: every {@code spark.mec.*} setting with its default, as the Markdown table of docs/configuration.md. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Prints every spark.mec.* setting (key, default, allowed values, description) as a Markdown table,",
                "generated from the typed definitions; --write FILE puts it between FILE's lines",
                ConfigTable.BEGIN + " and " + ConfigTable.END + " instead."})
public final class ConfigCommand implements Callable<Integer> {

    @Option(names = "--write", paramLabel = "FILE",
            description = "Replace the table between the markers in FILE (e.g. docs/configuration.md) instead of printing it.")
    Path write;

    @Override
    public Integer call() throws IOException {
        String table = ConfigTable.markdown();
        if (write == null) {
            System.out.print(table);
            return 0;
        }
        String document = Files.readString(write);
        String updated;
        try {
            updated = ConfigTable.replaceBlock(document, table);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(write + ": " + e.getMessage(), e);
        }
        if (updated.equals(document)) {
            System.out.println(write + ": the configuration table is up to date");
        } else {
            AtomicFiles.writeString(write, updated);
            System.out.println(write + ": configuration table updated (" + ConfigTable.entries().size() + " keys)");
        }
        return 0;
    }
}
