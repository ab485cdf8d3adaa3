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

    /** An enum key: values are the constants' names, case-insensitive; the default is given as a constant. */
    public static <E extends Enum<E>> ConfigEntry<E> ofEnum(String key, String doc, E defaultValue, Class<E> type) {
        return of(key, doc, ConfigEnums.configName(defaultValue), ConfigEnums.allowed(type),
                text -> {
                    try {
                        return ConfigEnums.parse(type, text, "value");
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("not one of the allowed names");
                    }
                });
    }

    /** A floating-point key in {@code [min, max]} (inclusive; use infinities for open ends). */
    public static ConfigEntry<Double> doubleBetween(String key, String doc, double defaultValue, double min, double max) {
        String allowed = "a number from " + min + " to " + max;
        return of(key, doc, Double.toString(defaultValue), allowed, text -> {
            double v;
            try {
                v = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number");
            }
            if (!(v >= min && v <= max)) {
                throw new IllegalArgumentException("outside [" + min + ", " + max + "]");
            }
            return v;
        });
    }

    /** A boolean key: {@code true} or {@code false}. */
    public static ConfigEntry<Boolean> bool(String key, String doc, boolean defaultValue) {
        return of(key, doc, Boolean.toString(defaultValue), "true|false", text -> {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            if (!t.equals("true") && !t.equals("false")) {
                throw new IllegalArgumentException("not a boolean");
            }
            return Boolean.parseBoolean(t);
        });
    }

    /** An integer key with an inclusive lower bound. */
    public static ConfigEntry<Integer> intAtLeast(String key, String doc, int defaultValue, int min) {
        return intBetween(key, doc, defaultValue, min, Integer.MAX_VALUE);
    }

    /** An integer key with inclusive bounds. */
    public static ConfigEntry<Integer> intBetween(String key, String doc, int defaultValue, int min, int max) {
        String allowed = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        return of(key, doc, Integer.toString(defaultValue), allowed, text -> {
            int v;
            try {
                v = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            if (v < min) {
                throw new IllegalArgumentException("below the minimum " + min);
            }
            if (v > max) {
                throw new IllegalArgumentException("above the maximum " + max);
            }
            return v;
        });
    }

    /**
     * A size in bytes: a plain number or one with a suffix k, m, g (powers of 1024), or {@code auto}
     * (parsed as -1, for the owner to resolve).
     */
    public static ConfigEntry<Long> bytes(String key, String doc, String defaultValue) {
        return of(key, doc, defaultValue, "auto, or a size in bytes such as 536870912, 512m, 4g", text -> {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals("auto")) {
                return -1L;
            }
            long unit = 1;
            char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
            if (last == 'k' || last == 'm' || last == 'g') {
                unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
                t = t.substring(0, t.length() - 1);
            }
            long v;
            try {
                v = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a size");
            }
            if (v < 0) {
                throw new IllegalArgumentException("negative size");
            }
            try {
                return Math.multiplyExact(v, unit);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("size too large");
            }
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
