package org.sparkmec.engine.nn;

import java.util.SplittableRandom;
import org.sparkmec.engine.tensor.Tensor;

/** Weight initialisations, reproducible from a seed. */
public enum Init {
    /** He et al. 2015: normal with standard deviation {@code sqrt(2 / fanIn)} (for ReLU networks). */
    HE,
    /** Glorot &amp; Bengio 2010: uniform in {@code +-sqrt(6 / (fanIn + fanOut))}. */
    XAVIER;

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
