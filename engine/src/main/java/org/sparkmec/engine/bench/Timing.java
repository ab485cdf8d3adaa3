package org.sparkmec.engine.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Wall-clock timing of competing bodies, interleaved: after the warm-up, run r times each body once in
 * turn, so that a slow spell of the machine hits every contender alike; report each body's median.
 */
public final class Timing {
    private Timing() {
    }

    /** Median milliseconds of each body, in order. */
    public static double[] interleavedMedians(int warmup, int runs, List<Runnable> bodies) {
        for (int i = 0; i < warmup; i++) {
            bodies.forEach(Runnable::run);
        }
        double[][] ms = new double[bodies.size()][runs];
        for (int r = 0; r < runs; r++) {
            for (int b = 0; b < bodies.size(); b++) {
                long t0 = System.nanoTime();
                bodies.get(b).run();
                ms[b][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] medians = new double[bodies.size()];
        for (int b = 0; b < bodies.size(); b++) {
            medians[b] = median(ms[b]);
        }
        return medians;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
