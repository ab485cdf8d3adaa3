package org.sparkmec.engine.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.bench.Timing;
import org.sparkmec.engine.nn.Parameter;
import org.sparkmec.engine.train.DivergenceCheck;

/**
 * The driver's commit pass over flat vectors (as {@code TrainingCoordinator} runs it on one shard), two ways: copy
 * the weights into the next array, update that in place, then check it for non-finite values in a second pass
 * (way 0, the coordinator before 2026-12-06); or update from the current array into the next one and check each
 * chunk while it is in cache (way 1, after). SGD with momentum 0.9, {@code bench.flatFloats} parameters (default
 * 25.2M, the dense benchmark model), {@code bench.rounds} rounds after one warm-up (default 7), median, one thread.
 * Run one way per JVM ({@code -Dbench.way=0} or {@code 1}), alternating: in one JVM the two ways share the update
 * loop's JIT profile, which distorts the comparison either way. Prints ms and ns per parameter.
 * {@code mvn -o -pl engine test -Dtest=FlatStepBenchmark -Dsurefire.excludedGroups=none -Dbench.way=1}.
 */
@Tag("benchmark")
class FlatStepBenchmark extends WithParameters {
    private static final int CHUNK = 16 * 1024;

    @Test
    void commitPass() {
        int n = Integer.getInteger("bench.flatFloats", 25_255_946);
        int rounds = Integer.getInteger("bench.rounds", 7);
        int way = Integer.getInteger("bench.way", 1);
        int[] sizes = {n / 3, n / 3, n - 2 * (n / 3)};
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            params.add(parameter("p" + i, uniform(i, sizes[i])));
        }
        Optimizer optimizer = new Sgd(0.9, false, 0);
        float[] current = uniform(7, n);
        float[] next = new float[n];
        float[] sum = uniform(8, n);
        float[] last = uniform(9, n);
        float[] g = new float[CHUNK];
        double[] ms = new double[rounds + 1];
        for (int r = 0; r <= rounds; r++) {
            Optimizer.FlatStep step = optimizer.flatStep(params, 0.01);
            long t0 = System.nanoTime();
            boolean finite = true;
            for (int at = 0; at < n; at += CHUNK) {
                int len = Math.min(CHUNK, n - at);
                for (int i = 0; i < len; i++) {
                    g[i] = (sum[at + i] + last[at + i]) * 0.5f;
                }
                if (way == 0) {
                    System.arraycopy(current, at, next, at, len);
                    step.update(next, at, g, 0, at, len);
                } else {
                    step.update(current, at, next, at, g, 0, at, len);
                    finite &= DivergenceCheck.allFinite(next, at, len);
                }
            }
            if (way == 0) {
                finite = DivergenceCheck.firstNonFinite(next) < 0;
            }
            ms[r] = (System.nanoTime() - t0) / 1e6;
            if (!finite) {
                throw new AssertionError("non-finite weights");
            }
        }
        double median = Timing.median(Arrays.copyOfRange(ms, 1, rounds + 1));
        System.out.printf(Locale.ROOT, "commit pass way %d (%s), %d parameters, SGD momentum, one thread, median of %d "
                        + "rounds: %.1f ms (%.2f ns/parameter)%n", way,
                way == 0 ? "copy, update in place, separate check" : "update out of place, check per chunk", n, rounds,
                median, median * 1e6 / n);
    }
}
