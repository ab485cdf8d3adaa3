package org.sparkmec.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line options turned into {@code spark.mec.*} settings: only the options the user gave. */
final class CliSettings {
    private CliSettings() {
    }

    /** Puts {@code value} under {@code key} unless the option was not given (null). */
    static void putIfSet(Map<String, String> settings, String key, Object value) {
        if (value != null) {
            settings.put(key, value.toString());
        }
    }

    /**
     * The {@code KEY=VALUE} arguments of a repeatable option, in order (a later key wins), keys and values
     * trimmed.
     *
     * @param option the option's name, for the message
     * @param pairs  the option's values; null when it was not given
     * @throws IllegalArgumentException naming the argument that is not {@code KEY=VALUE}
     */
    static Map<String, String> keyValues(String option, List<String> pairs) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (pairs != null) {
            for (String kv : pairs) {
                int eq = kv.indexOf('=');
                if (eq <= 0 || kv.substring(0, eq).isBlank()) {
                    throw new IllegalArgumentException(option + " " + kv + ": expected KEY=VALUE");
                }
                settings.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return settings;
    }
}
