package org.sparkmec.spark.train;

import java.io.Serializable;
import java.util.Locale;

/**
 * Where the time of synchronous training steps went, as means over {@link #steps()} steps (milliseconds).
 *
 * @param stepMs    wall time between consecutive step completions on the driver (a stage attempt's first step
 *                  counted from its last worker's join, an epoch's first from the end of the evaluation before it)
 * @param computeMs forward + backward on the slowest worker of each step
 * @param commMs    a worker's time in the step's RPCs: sending its gradients, waiting for the other
 *                  workers' parts, receiving the new weights (mean over workers)
 * @param driverMs  the driver's time on the step's messages: aggregation and the optimizer update
 * @param images    images trained in these steps
 * @param driverCpuMs CPU time of the driver's threads in the coordinator per step (every request, the
 *                    aggregation, the update and the encoding of the weights), excluding Spark's own RPC
 *                    (de)serialization
 * @param bytesIn   gradient payload bytes the driver received per step (all workers)
 * @param bytesOut  weight payload bytes the driver sent per step (all replies that carry weights)
 */
public record StepTimes(long steps, double stepMs, double computeMs, double commMs, double driverMs, long images,
                        double driverCpuMs, double bytesIn, double bytesOut)
        implements Serializable {

    /** The per-step overhead of distribution: step time not spent computing (ms). */
    public double overheadMs() {
        return stepMs - computeMs;
    }

    public double imagesPerSecond() {
        return steps == 0 ? 0 : images / (steps * stepMs / 1e3);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.2f ms/step: compute %.2f, comm %.2f (of which driver %.2f), overhead %.2f;"
                + " driver CPU %.2f ms, in %.3f MB, out %.3f MB per step; %.0f images/s over %d steps", stepMs, computeMs,
                commMs, driverMs, overheadMs(), driverCpuMs, bytesIn / 1e6, bytesOut / 1e6, imagesPerSecond(), steps);
    }

    /** Sums step measurements; not thread-safe. */
    static final class Accumulator {
        private long steps;
        private long stepNanos;
        private long computeNanos;
        private long commNanos;
        private long driverNanos;
        private long images;
        private long driverCpuNanos;
        private long bytesIn;
        private long bytesOut;

        void add(long step, long compute, long comm, long driver, long imageCount, long driverCpu, long in, long out) {
            steps++;
            driverCpuNanos += driverCpu;
            bytesIn += in;
            bytesOut += out;
            stepNanos += step;
            computeNanos += compute;
            commNanos += comm;
            driverNanos += driver;
            images += imageCount;
        }

        StepTimes snapshot() {
            double n = Math.max(1, steps);
            return new StepTimes(steps, stepNanos / n / 1e6, computeNanos / n / 1e6, commNanos / n / 1e6,
                    driverNanos / n / 1e6, images, driverCpuNanos / n / 1e6, bytesIn / n, bytesOut / n);
        }

        void reset() {
            steps = 0;
            stepNanos = 0;
            computeNanos = 0;
            commNanos = 0;
            driverNanos = 0;
            images = 0;
            driverCpuNanos = 0;
            bytesIn = 0;
            bytesOut = 0;
        }
    }
}
