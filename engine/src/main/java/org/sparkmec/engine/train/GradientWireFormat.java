package org.sparkmec.engine.train;

import org.sparkmec.engine.config.ConfigEnums;

/**
 * The number format of the gradient parts a data-parallel run's workers send ({@link TrainConf#GRADIENT_WIRE_FORMAT});
 * weights, the driver's sums and its optimizer stay float32 either way.
 */
public enum GradientWireFormat {
    /** IEEE float32, 4 bytes per parameter: the result equals one process's up to summation order. */
    FP32,
    /**
     * bfloat16 (float32's sign, exponent and top 7 mantissa bits), 2 bytes per parameter: each worker rounds its
     * gradient part to nearest even before sending (in local mode too, so a run gives the same result on any
     * master); relative error per element at most 2^-8.
     */
    BF16;

    /** Parses {@code fp32|bf16}, case-insensitive. */
    public static GradientWireFormat parse(String value) {
        return ConfigEnums.parse(GradientWireFormat.class, value, "gradient wire format");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
