package org.sparkmec.engine.bench;

import java.util.Arrays;

/** Wall-clock timing of repeated runs: warm-up, then the median of the timed runs. */
final class Timing {
    private Timing() {
    }

    /** Runs {@code body} {@code warmup} times untimed, then {@code runs} times; returns the median in ms. */
    static double medianMillis(int warmup, int runs, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    }
}
