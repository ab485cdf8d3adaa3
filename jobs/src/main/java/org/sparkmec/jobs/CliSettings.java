package org.sparkmec.jobs;

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
}
