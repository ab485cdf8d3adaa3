package org.sparkmec.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparkmec.engine.config.ConfigEntry;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.train.TrainConf;

/**
 * The configuration table of docs/configuration.md, rendered from the typed {@code spark.mec.*} entries of every module
 * (jobs sees them all), and the marked block of a Markdown document that holds it.
 */
public final class ConfigTable {
    /** The line before the table in a document. */
    public static final String BEGIN = "<!-- config-table:begin -->";
    /** The line after the table in a document. */
    public static final String END = "<!-- config-table:end -->";

    private ConfigTable() {
    }

    /**
     * Every {@code spark.mec.*} entry, sorted by key (so the order does not depend on where a key is defined).
     *
     * @throws IllegalStateException if two entries share a key
     */
    public static List<ConfigEntry<?>> entries() {
        List<ConfigEntry<?>> all = new ArrayList<>(EngineConf.ENTRIES);
        all.addAll(TrainConf.ENTRIES);
        return sorted(all);
    }

    static List<ConfigEntry<?>> sorted(List<ConfigEntry<?>> entries) {
        Set<String> seen = new HashSet<>();
        for (ConfigEntry<?> e : entries) {
            if (!seen.add(e.key())) {
                throw new IllegalStateException("configuration key " + e.key() + " is defined twice");
            }
        }
        List<ConfigEntry<?>> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(ConfigEntry::key));
        return sorted;
    }

    /** The Markdown table of {@link #entries()}: key, default, allowed values, description; one line per key. */
    public static String markdown() {
        return markdown(entries());
    }

    static String markdown(List<ConfigEntry<?>> entries) {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | default | allowed | description |\n");
        sb.append("| --- | --- | --- | --- |\n");
        for (ConfigEntry<?> e : entries) {
            sb.append("| `").append(cell(e.key())).append("` | `").append(cell(e.defaultValue())).append("` | ")
                    .append(cell(e.allowed())).append(" | ").append(cell(e.doc())).append(" |\n");
        }
        return sb.toString();
    }

    /** A table cell's text: pipes escaped (also inside code spans, as GitHub requires), whitespace runs as one space. */
    private static String cell(String text) {
        return text.replaceAll("\\s+", " ").trim().replace("|", "\\|");
    }

    /**
     * The text between the {@link #BEGIN} and {@link #END} lines of {@code document} (without them).
     *
     * @throws IllegalArgumentException if the markers are missing, repeated or out of order
     */
    public static String block(String document) {
        int[] span = span(document);
        return document.substring(span[0], span[1]);
    }

    /** {@code document} with the text between its markers replaced by {@code table}. */
    public static String replaceBlock(String document, String table) {
        int[] span = span(document);
        return document.substring(0, span[0]) + table + document.substring(span[1]);
    }

    /** Start (after the begin line) and end (the start of the end line) of the marked block. */
    private static int[] span(String document) {
        int begin = document.indexOf(BEGIN + "\n");
        int end = document.indexOf("\n" + END);
        if (begin < 0 || end < 0 || document.indexOf(BEGIN, begin + 1) >= 0 || document.indexOf(END, end + 2) >= 0
                || end < begin + BEGIN.length()) {
            throw new IllegalArgumentException("expected one line " + BEGIN + " followed by one line " + END);
        }
        return new int[] {begin + BEGIN.length() + 1, end + 1};
    }
}
