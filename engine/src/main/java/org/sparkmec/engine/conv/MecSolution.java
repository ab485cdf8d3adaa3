package org.sparkmec.engine.conv;

import org.sparkmec.engine.config.ConfigEnums;

/** Which MEC forward variant runs (paper, Section 3.2). */
public enum MecSolution {
    /** Choose per layer: A when {@code o_w <= T} and {@code |O| <= |L|}, else B. */
    AUTO,
    /** All images stacked: o_h GEMMs of {@code i_n*o_w} rows, then an h-n-w-c to n-h-w-c permutation. */
    A,
    /** Per image: {@code i_n*o_h} GEMMs of {@code o_w} rows writing n-h-w-c directly. */
    B;

    public static MecSolution parse(String value) {
        return ConfigEnums.parse(MecSolution.class, value, "MEC solution");
    }
}
