package org.sparkmec.engine.conv;

import static org.junit.jupiter.api.Assertions.fail;

import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.StorageAllocator;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Seeded tensors and an allclose assertion for the engine tests (public so that the tensor and backend
 * tests reuse them).
 */
public final class ConvTestSupport {
    private ConvTestSupport() {
    }

    /** A tensor of values uniform in [-1, 1) drawn from {@code seed}. */
    public static Tensor random(StorageAllocator allocator, Layout layout, long seed, int... dims) {
        return RandomFill.uniformTensor(allocator, layout, seed, dims);
    }

    /** Fails unless {@code |actual - expected| <= atol + rtol * |expected|} element-wise. */
    public static void assertAllClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int bad = 0;
        int first = -1;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            double allowed = atol + rtol * Math.abs(expected[i]);
            if (!(diff <= allowed)) {
                bad++;
                if (first < 0) {
                    first = i;
                }
                worst = Math.max(worst, diff);
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements differ beyond atol=" + atol + " rtol=" + rtol
                    + "; first at " + first + ": expected " + expected[first] + ", got " + actual[first]
                    + "; worst difference " + worst);
        }
    }
}
