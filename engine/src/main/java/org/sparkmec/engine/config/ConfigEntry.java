package org.sparkmec.engine.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One typed configuration key: name, documentation, default and parser/validator, defined once (like
 * Spark's {@code ConfigBuilder}). The parser throws {@link IllegalArgumentException} with what is
 * allowed; {@link #parse} adds the key and the offending value.
 *
 * @param <T> the value type
 */
public final class ConfigEntry<T> {
    private final String key;
    private final String doc;
    private final String defaultValue;
    private final String allowed;
    private final Function<String, T> parser;

    private ConfigEntry(String key, String doc, String defaultValue, String allowed, Function<String, T> parser) {
        this.key = key;
        this.doc = doc;
        this.defaultValue = defaultValue;
        this.allowed = allowed;
        this.parser = parser;
        parse(defaultValue);
    }

    /** A key whose default (given as text) is parsed like any value. */
    public static <T> ConfigEntry<T> of(String key, String doc, String defaultValue, String allowed,
                                       Function<String, T> parser) {
        return new ConfigEntry<>(Objects.requireNonNull(key), doc, defaultValue, allowed, parser);
    }

    /** An integer key with an inclusive lower bound. */
    public static ConfigEntry<Integer> intAtLeast(String key, String doc, int defaultValue, int min) {
        return of(key, doc, Integer.toString(defaultValue), "an integer >= " + min, text -> {
            int v;
            try {
                v = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            if (v < min) {
                throw new IllegalArgumentException("below the minimum " + min);
            }
            return v;
        });
    }

    /**
     * Parses {@code value} (the default when null).
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public T parse(String value) {
        String text = value == null ? defaultValue : value;
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value '" + text + "' for " + key + ": " + e.getMessage()
                    + "; allowed: " + allowed, e);
        }
    }

    public String key() {
        return key;
    }

    public String doc() {
        return doc;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String allowed() {
        return allowed;
    }
}
