package org.sparkmec.engine.backend.cpu;

import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The CPU's batch-normalisation kernels over a {@code rows x channels} row-major array (NHWC activations,
 * {@code rows = n*h*w}). Rows are cut into fixed blocks of {@value #ROWS_PER_BLOCK}; the per-channel sums of
 * a block are taken in double precision and the blocks' sums are added in block order, so the result does
 * not depend on the number of threads. Element-wise passes are split over the workers by rows.
 */
final class CpuBatchNorm {
    private static final int ROWS_PER_BLOCK = 512;

    private final CpuWorkers workers;

    CpuBatchNorm(CpuWorkers workers) {
        this.workers = workers;
    }

    /** Adds one block's contribution to two per-channel sums; {@code y} is null when the sum needs one array. */
    @FunctionalInterface
    private interface BlockSums {
        void add(float[] x, float[] y, int rows, int channels, double[] first, double[] second);
    }

    /** Transforms one block of rows of {@code x} (and {@code y}, null if unused) into {@code out}. */
    @FunctionalInterface
    private interface BlockMap {
        void apply(float[] x, float[] y, int rows, int channels, float[] out);
    }

    /** The two per-channel sums of {@code body} over all rows, blocks added in order: {@code [2][channels]}. */
    private double[][] columnSums(FloatStorage x, FloatStorage y, long rows, int channels, BlockSums body) {
        HostFloatStorage xs = HostFloatStorage.of(x);
        HostFloatStorage ys = y == null ? null : HostFloatStorage.of(y);
        int blocks = (int) ((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
        double[][][] partial = new double[blocks][2][channels];
        workers.forEachRange(blocks, (b0, b1) -> {
            float[] xb = new float[ROWS_PER_BLOCK * channels];
            float[] yb = ys == null ? null : new float[xb.length];
            for (int b = (int) b0; b < b1; b++) {
                long r0 = (long) b * ROWS_PER_BLOCK;
                int n = (int) Math.min(ROWS_PER_BLOCK, rows - r0);
                NativeMemory.copyToArray(xs.addressOf(r0 * channels), xb, 0, n * channels);
                if (ys != null) {
                    NativeMemory.copyToArray(ys.addressOf(r0 * channels), yb, 0, n * channels);
                }
                body.add(xb, yb, n, channels, partial[b][0], partial[b][1]);
            }
        });
        double[][] total = new double[2][channels];
        for (double[][] p : partial) {
            for (int c = 0; c < channels; c++) {
                total[0][c] += p[0][c];
                total[1][c] += p[1][c];
            }
        }
        return total;
    }

    /** {@code out = body(x, y)} block by block over all rows. */
    private void map(FloatStorage x, FloatStorage y, long rows, int channels, FloatStorage out, BlockMap body) {
        HostFloatStorage xs = HostFloatStorage.of(x);
        HostFloatStorage ys = y == null ? null : HostFloatStorage.of(y);
        HostFloatStorage os = HostFloatStorage.of(out);
        long blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        workers.forEachRange(blocks, (b0, b1) -> {
            float[] xb = new float[ROWS_PER_BLOCK * channels];
            float[] yb = ys == null ? null : new float[xb.length];
            float[] ob = new float[xb.length];
            for (long b = b0; b < b1; b++) {
                long r0 = b * ROWS_PER_BLOCK;
                int n = (int) Math.min(ROWS_PER_BLOCK, rows - r0);
                NativeMemory.copyToArray(xs.addressOf(r0 * channels), xb, 0, n * channels);
                if (ys != null) {
                    NativeMemory.copyToArray(ys.addressOf(r0 * channels), yb, 0, n * channels);
                }
                body.apply(xb, yb, n, channels, ob);
                NativeMemory.copyFromArray(ob, 0, os.addressOf(r0 * channels), n * channels);
            }
        });
    }

    private static float[] read(FloatStorage s, int channels) {
        float[] v = new float[channels];
        s.copyTo(0, v, 0, channels);
        return v;
    }

    private static void write(FloatStorage s, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        s.copyFrom(f, 0, 0, f.length);
    }

    /** 1 / sqrt(variance + epsilon) per channel, in double. */
    private static double[] inverseStd(float[] variance, float epsilon) {
        double[] inv = new double[variance.length];
        for (int c = 0; c < inv.length; c++) {
            inv[c] = 1.0 / Math.sqrt((double) variance[c] + epsilon);
        }
        return inv;
    }

    void meanVariance(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance) {
        double[] sum = columnSums(in, null, rows, channels, (x, y, n, ch, s, unused) -> {
            for (int r = 0, i = 0; r < n; r++) {
                for (int c = 0; c < channels; c++, i++) {
                    s[c] += x[i];
                }
            }
        })[0];
        double[] mu = new double[channels];
        for (int c = 0; c < channels; c++) {
            mu[c] = sum[c] / rows;
        }
        double[] squares = columnSums(in, null, rows, channels, (x, y, n, ch, s, unused) -> {
            for (int r = 0, i = 0; r < n; r++) {
                for (int c = 0; c < channels; c++, i++) {
                    double d = x[i] - mu[c];
                    s[c] += d * d;
                }
            }
        })[0];
        for (int c = 0; c < channels; c++) {
            squares[c] /= rows;
        }
        write(mean, mu);
        write(variance, squares);
    }

    void forward(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance, float epsilon,
                 FloatStorage gamma, FloatStorage beta, FloatStorage out) {
        float[] mu = read(mean, channels);
        double[] inv = inverseStd(read(variance, channels), epsilon);
        float[] g = read(gamma, channels);
        float[] b = read(beta, channels);
        float[] scale = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = (float) (g[c] * inv[c]);
        }
        map(in, null, rows, channels, out, (x, unused, n, ch, o) -> {
            for (int r = 0, i = 0; r < n; r++) {
                for (int c = 0; c < ch; c++, i++) {
                    o[i] = (x[i] - mu[c]) * scale[c] + b[c];
                }
            }
        });
    }

    void backward(FloatStorage in, FloatStorage gradOut, long rows, int channels, FloatStorage mean,
                  FloatStorage variance, float epsilon, FloatStorage gamma, FloatStorage gradIn, FloatStorage gradGamma,
                  FloatStorage gradBeta) {
        float[] mu = read(mean, channels);
        double[] inv = inverseStd(read(variance, channels), epsilon);
        double[][] sums = columnSums(gradOut, in, rows, channels, (dy, x, n, ch, sumDy, sumDyXhat) -> {
            for (int r = 0, i = 0; r < n; r++) {
                for (int c = 0; c < channels; c++, i++) {
                    sumDy[c] += dy[i];
                    sumDyXhat[c] += dy[i] * ((x[i] - mu[c]) * inv[c]);
                }
            }
        });
        write(gradBeta, sums[0]);
        write(gradGamma, sums[1]);
        if (gradIn == null) {
            return;
        }
        float[] g = read(gamma, channels);
        double[] scale = new double[channels];
        double[] meanDy = new double[channels];
        double[] meanDyXhat = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = g[c] * inv[c];
            meanDy[c] = sums[0][c] / rows;
            meanDyXhat[c] = sums[1][c] / rows;
        }
        map(gradOut, in, rows, channels, gradIn, (dy, x, n, ch, dx) -> {
            for (int r = 0, i = 0; r < n; r++) {
                for (int c = 0; c < ch; c++, i++) {
                    double xhat = (x[i] - mu[c]) * inv[c];
                    dx[i] = (float) (scale[c] * (dy[i] - meanDy[c] - xhat * meanDyXhat[c]));
                }
            }
        });
    }

    static void runningStatisticsDelta(FloatStorage mean, FloatStorage variance, FloatStorage runningMean,
                                       FloatStorage runningMeanSquare, float momentum, int channels,
                                       FloatStorage deltaMean, FloatStorage deltaMeanSquare) {
        float[] mu = read(mean, channels);
        float[] var = read(variance, channels);
        float[] rm = read(runningMean, channels);
        float[] rsq = read(runningMeanSquare, channels);
        double[] dm = new double[channels];
        double[] dsq = new double[channels];
        for (int c = 0; c < channels; c++) {
            dm[c] = momentum * ((double) mu[c] - rm[c]);
            dsq[c] = momentum * ((double) var[c] + (double) mu[c] * mu[c] - rsq[c]);
        }
        write(deltaMean, dm);
        write(deltaMeanSquare, dsq);
    }

    static void runningVariance(FloatStorage runningMean, FloatStorage runningMeanSquare, int channels,
                                FloatStorage variance) {
        float[] rm = read(runningMean, channels);
        float[] rsq = read(runningMeanSquare, channels);
        double[] v = new double[channels];
        for (int c = 0; c < channels; c++) {
            v[c] = Math.max(0.0, (double) rsq[c] - (double) rm[c] * rm[c]);
        }
        write(variance, v);
    }
}
