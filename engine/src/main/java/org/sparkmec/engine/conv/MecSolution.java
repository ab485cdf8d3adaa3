package org.sparkmec.engine.conv;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which MEC forward variant runs (paper, Section 3.2). */
public enum MecSolution {
    /** Choose per layer: A when {@code o_w <= T} and {@code |O| <= |L|}, else B. */
    AUTO,
    /** All images stacked: o_h GEMMs of {@code i_n*o_w} rows, then an h-n-w-c to n-h-w-c permutation. */
    A,
    /** Per image: {@code i_n*o_h} GEMMs of {@code o_w} rows writing n-h-w-c directly. */
    B;

    public static MecSolution parse(String value) {
        for (MecSolution s : values()) {
            if (s.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown MEC solution '" + value + "'; expected one of "
                + Arrays.stream(values()).map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|")));
    }
}
