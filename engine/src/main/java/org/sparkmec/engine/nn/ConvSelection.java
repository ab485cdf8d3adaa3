package org.sparkmec.engine.nn;

import org.sparkmec.engine.config.ConfigEnums;

/** The convolution algorithm of a Conv2d layer: fixed, or chosen per layer at the first forward pass. */
public enum ConvSelection {
    MEC,
    IM2COL,
    /** MEC unless im2col measured faster on the layer's first batch and its workspace fits the budget. */
    AUTO;

    public static ConvSelection parse(String value) {
        return ConfigEnums.parse(ConvSelection.class, value, "convolution algorithm");
    }
}
