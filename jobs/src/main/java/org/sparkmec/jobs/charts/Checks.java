package org.sparkmec.jobs.charts;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;

/** Argument checks of this package; messages name the value, what it is and the rule broken. */
final class Checks {
    private Checks() {
    }

    /** {@code value} not null. */
    static <T> T notNull(String what, T value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    /** {@code value} not null and not blank. */
    static String text(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must be a non-blank text, got "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    /** {@code values} not null and not empty. */
    static <C extends Collection<?>> C notEmpty(String what, C values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(what + " must hold at least one element, got "
                    + (values == null ? "null" : "an empty list"));
        }
        return values;
    }

    /** {@code value} neither NaN nor infinite. */
    static double finite(String what, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number, got " + value);
        }
        return value;
    }

    /** {@code values} without repeats. */
    static <T> List<T> distinct(String what, List<T> values) {
        if (new HashSet<>(values).size() != values.size()) {
            throw new IllegalArgumentException(what + " must be distinct, got " + values);
        }
        return values;
    }
}
