package org.sparkmec.engine.conv;

import org.sparkmec.engine.config.ConfigEnums;

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
        return ConfigEnums.parse(ConvAlgorithm.class, value, "convolution algorithm");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
