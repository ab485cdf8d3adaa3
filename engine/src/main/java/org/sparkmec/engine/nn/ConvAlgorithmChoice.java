package org.sparkmec.engine.nn;

import java.util.Optional;
import org.sparkmec.engine.config.ConfigEnums;
import org.sparkmec.engine.conv.ConvAlgorithm;

/** Which convolution algorithm a conv2d layer asks for, as written in model files: {@code mec|im2col|auto}. */
public enum ConvAlgorithmChoice {
    /** MEC (Cho &amp; Brand, ICML 2017). */
    MEC,
    /** im2col + one GEMM. */
    IM2COL,
    /** MEC unless im2col is measured faster on the layer's first batch and its workspace fits the budget. */
    AUTO;

    /** Parses {@code mec|im2col|auto}, case-insensitive. */
    public static ConvAlgorithmChoice parse(String value) {
        return ConfigEnums.parse(ConvAlgorithmChoice.class, value, "convolution algorithm");
    }

    /** The engine algorithm for MEC and IM2COL; empty for AUTO, which the layer builder resolves. */
    public Optional<ConvAlgorithm> fixed() {
        return switch (this) {
            case MEC -> Optional.of(ConvAlgorithm.MEC);
            case IM2COL -> Optional.of(ConvAlgorithm.IM2COL);
            case AUTO -> Optional.empty();
        };
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
