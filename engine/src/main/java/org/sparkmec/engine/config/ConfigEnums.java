package org.sparkmec.engine.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing of the enums that appear in configuration and on the command line: lower-case names. */
public final class ConfigEnums {
    private ConfigEnums() {
    }

    /**
     * The constant of {@code type} named {@code value}, ignoring case and surrounding blanks.
     *
     * @param what how the value is called in the error message, e.g. "backend"
     * @throws IllegalArgumentException naming the value and the allowed names
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String what) {
        String text = value == null ? "" : value.trim();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + value + "'; expected one of " + allowed(type));
    }

    /** The allowed names, lower case, separated by {@code |}. */
    public static <E extends Enum<E>> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigEnums::configName).collect(Collectors.joining("|"));
    }

    /** The name of a constant in configuration: lower case. */
    public static String configName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
