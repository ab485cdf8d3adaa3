package org.sparkmec.engine.nn;

import java.util.SplittableRandom;
import org.sparkmec.engine.config.ConfigEnums;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Random initialization of a layer's weights, as written in model files: {@code he|xavier}. Biases start at 0.
 * {@code fan_in} is {@code k_h * k_w * i_c} for a convolution and the input features for dense;
 * {@code fan_out} is {@code k_h * k_w * k_c}, resp. the units.
 */
public enum WeightInit {
    /** He et al., ICCV 2015: variance {@code 2 / fan_in}; suited to ReLU networks. */
    HE,
    /** Glorot &amp; Bengio, AISTATS 2010: variance {@code 2 / (fan_in + fan_out)}. */
    XAVIER;

    /** Parses {@code he|xavier}, case-insensitive. */
    public static WeightInit parse(String value) {
        return ConfigEnums.parse(WeightInit.class, value, "weight init");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }

    /** Fills {@code weights} from {@code seed}. */
    public void fill(Tensor weights, int fanIn, int fanOut, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] w = new float[Math.toIntExact(weights.numElements())];
        double std = Math.sqrt(2.0 / fanIn);
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (this == HE ? rnd.nextGaussian() * std : (rnd.nextDouble() * 2 - 1) * limit);
        }
        weights.copyFrom(w);
    }

    /** A per-layer seed: the run's seed mixed with the layer's name, so that adding a layer leaves the others alone. */
    public static long layerSeed(long seed, String layerName) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (int i = 0; i < layerName.length(); i++) {
            h = (h ^ layerName.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }
}

