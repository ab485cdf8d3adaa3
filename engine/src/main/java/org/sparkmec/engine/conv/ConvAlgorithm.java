package org.sparkmec.engine.conv;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The convolution algorithms, as named in configuration and on the command line. */
public enum ConvAlgorithm {
    /** Memory-efficient convolution (Cho &amp; Brand, ICML 2017): compact lowering, o_h windowed GEMMs. */
    MEC,
    /** im2col + one GEMM (Caffe style): the baseline the MEC paper compares against. */
    IM2COL,
    /** Plain loops in double precision: the test oracle, not for speed. */
    DIRECT;

    /** Parses {@code mec|im2col|direct}, case-insensitive. */
    public static ConvAlgorithm parse(String value) {
        for (ConvAlgorithm a : values()) {
            if (a.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown convolution algorithm '" + value + "'; expected one of "
                + Arrays.stream(values()).map(ConvAlgorithm::configName).collect(Collectors.joining("|")));
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
