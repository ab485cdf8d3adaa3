package org.sparkmec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;

/** The configuration table of docs/configuration.md is the one the typed entries generate; the generator and {@code ./mec config}. */
class ConfigTableTest {
    private static final Path TABLE_FILE = Path.of("..", "docs", "configuration.md");
    private static final String REGENERATE = "./mec config --write docs/configuration.md";

    @Test
    void readmeTableMatchesTheDefinitions() throws IOException {
        String actual = ConfigTable.block(Files.readString(TABLE_FILE));
        String expected = ConfigTable.markdown();
        if (actual.equals(expected)) {
            return;
        }
        List<String> a = actual.lines().toList();
        List<String> e = expected.lines().toList();
        int line = 0;
        while (line < a.size() && line < e.size() && a.get(line).equals(e.get(line))) {
            line++;
        }
        fail("docs/configuration.md's configuration table (between " + ConfigTable.BEGIN + " and " + ConfigTable.END
                + ") differs from the spark.mec.* definitions at table line " + (line + 1) + ":\n  file:      "
                + (line < a.size() ? a.get(line) : "(table ends)") + "\n  generated: "
                + (line < e.size() ? e.get(line) : "(table ends)") + "\nRegenerate it with: " + REGENERATE);
    }

    @Test
    void listsEveryEntrySortedByKeyWithDefaultAndDoc() {
        List<ConfigEntry<?>> entries = ConfigTable.entries();
        assertEquals(EngineConf.ENTRIES.size() + TrainConf.ENTRIES.size(), entries.size());
        List<String> lines = ConfigTable.markdown().lines().toList();
        assertEquals("| key | default | allowed | description |", lines.get(0));
        assertEquals(entries.size() + 2, lines.size(), "header, separator and one line per key");
        for (int i = 0; i < entries.size(); i++) {
            ConfigEntry<?> entry = entries.get(i);
            if (i > 0) {
                assertTrue(entries.get(i - 1).key().compareTo(entry.key()) < 0, "sorted by key at " + entry.key());
            }
            assertTrue(lines.get(i + 2).startsWith("| `" + entry.key() + "` | `" + entry.defaultValue() + "` | "),
                    lines.get(i + 2));
        }
        assertTrue(ConfigTable.markdown().contains("| `spark.mec.backend` | `auto` | auto\\|cpu\\|cuda | Compute backend: "),
                "enum values with escaped pipes:\n" + ConfigTable.markdown());
    }

    /** A key defined in some class but missing from {@link ConfigTable#entries()} would be missing from docs/configuration.md. */
    @Test
    void everyDefinedKeyIsInTheTable() throws IOException {
        Set<String> listed = ConfigTable.entries().stream().map(ConfigEntry::key).collect(Collectors.toSet());
        Pattern definition = Pattern.compile("ConfigEntry\\.\\w+\\(\\s*\"(spark\\.mec\\.[^\"]+)\"");
        List<String> missing = new ArrayList<>();
        int found = 0;
        try (Stream<Path> files = Files.walk(Path.of(".."))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/"))
                    .toList()) {
                Matcher m = definition.matcher(Files.readString(file));
                while (m.find()) {
                    found++;
                    if (!listed.contains(m.group(1))) {
                        missing.add(m.group(1) + " (" + file.normalize() + ")");
                    }
                }
            }
        }
        assertEquals(listed.size(), found, "ConfigEntry definitions with a literal spark.mec key found in the sources "
                + "against keys in the table; a key that is not a literal escapes this check: write it out");
        assertTrue(missing.isEmpty(), "keys defined but not in ConfigTable.entries() (add their class's ENTRIES "
                + "there, then run " + REGENERATE + "): " + missing);
    }

    @Test
    void escapesPipesInEveryCell() {
        ConfigEntry<Integer> entry = ConfigEntry.of("spark.mec.test.pipes", "when |O| <= |L|\n  and more", "1", "a|b",
                Integer::parseInt);
        assertEquals("| `spark.mec.test.pipes` | `1` | a\\|b | when \\|O\\| <= \\|L\\| and more |",
                ConfigTable.markdown(List.of(entry)).lines().toList().get(2));
    }

    @Test
    void rejectsAKeyDefinedTwice() {
        List<ConfigEntry<?>> twice = List.of(EngineConf.BACKEND, TrainConf.EPOCHS, EngineConf.BACKEND);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConfigTable.sorted(twice));
        assertEquals("configuration key spark.mec.backend is defined twice", e.getMessage());
    }

    @Test
    void replacesOnlyTheMarkedBlock() {
        String doc = "# t\n\nintro\n" + ConfigTable.BEGIN + "\nold\ntable\n" + ConfigTable.END + "\nafter\n";
        assertEquals("old\ntable\n", ConfigTable.block(doc));
        assertEquals("# t\n\nintro\n" + ConfigTable.BEGIN + "\nnew\n" + ConfigTable.END + "\nafter\n",
                ConfigTable.replaceBlock(doc, "new\n"));
        for (String bad : List.of("no markers", ConfigTable.END + "\n" + ConfigTable.BEGIN + "\n",
                ConfigTable.BEGIN + "\na\n" + ConfigTable.END + "\n" + ConfigTable.BEGIN + "\nb\n" + ConfigTable.END)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigTable.block(bad));
            assertEquals("expected one line " + ConfigTable.BEGIN + " followed by one line " + ConfigTable.END,
                    e.getMessage());
        }
    }

    @Test
    void configCommandPrintsTheTableAndWritesItIntoAFile(@TempDir Path dir) throws IOException {
        CliRun printed = CliRun.of("config");
        assertEquals(0, printed.exit(), printed.err());
        assertEquals(ConfigTable.markdown(), printed.out());

        Path doc = dir.resolve("doc.md");
        Files.writeString(doc, "text\n" + ConfigTable.BEGIN + "\nstale\n" + ConfigTable.END + "\n");
        CliRun written = CliRun.of("config", "--write", doc.toString());
        assertEquals(0, written.exit(), written.err());
        assertEquals("text\n" + ConfigTable.BEGIN + "\n" + ConfigTable.markdown() + ConfigTable.END + "\n",
                Files.readString(doc));
        assertTrue(written.out().contains("configuration table updated"), written.out());

        Path unmarked = dir.resolve("plain.md");
        Files.writeString(unmarked, "no table here\n");
        CliRun failed = CliRun.of("config", "--write", unmarked.toString());
        assertEquals(2, failed.exit());
        assertTrue(failed.err().contains(unmarked + ": expected one line " + ConfigTable.BEGIN), failed.err());
        assertEquals("no table here\n", Files.readString(unmarked), "left unchanged");
    }
}
