package org.sparkmec.engine.conv;

import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.shape.Conv2dParams;

/** Creates the {@link Convolution} for an algorithm name. */
public final class Convolutions {
    private Convolutions() {
    }

    /**
     * @param mecOptions used by {@link ConvAlgorithm#MEC} only
     */
    public static Convolution create(ConvAlgorithm algorithm, Backend backend, Conv2dParams params,
                                     MecOptions mecOptions) {
        return switch (algorithm) {
            case MEC -> new MecConvolution(backend, params, mecOptions);
            case IM2COL -> new Im2colConvolution(backend, params);
            case DIRECT -> new DirectConvolution(params);
        };
    }
}
