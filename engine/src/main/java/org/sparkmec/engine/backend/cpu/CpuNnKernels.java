package org.sparkmec.engine.backend.cpu;

import org.sparkmec.engine.backend.NnKernels;
import org.sparkmec.engine.shape.PoolGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The CPU's layer kernels: element-wise loops on heap chunks (so C2 vectorizes them), channel copies as one
 * native copy per pixel (one in all when both arrays are exactly the channels wide) and pooling loops, all split
 * over the backend's workers by output row (no two threads write the same element).
 */
final class CpuNnKernels implements NnKernels {
    private static final int CHUNK = 1 << 13;
    private static final int F = Float.BYTES;

    private final CpuWorkers workers;
    private final CpuBatchNorm batchNorm;

    CpuNnKernels(CpuWorkers workers) {
        this.workers = workers;
        this.batchNorm = new CpuBatchNorm(workers);
    }

    /** An element-wise operation on heap chunks: the result goes into {@code x}; {@code y} may be null. */
    @FunctionalInterface
    private interface ChunkOp {
        void apply(float[] x, float[] y, int length);
    }

    /** {@code out = op(x, y)} over {@code length} floats, in chunks split over the workers. */
    private void elementwise(FloatStorage x, FloatStorage y, FloatStorage out, long length, ChunkOp op) {
        HostFloatStorage xs = HostFloatStorage.of(x);
        HostFloatStorage ys = y == null ? null : HostFloatStorage.of(y);
        HostFloatStorage os = HostFloatStorage.of(out);
        workers.forEachRange(length, (s, e) -> {
            float[] a = new float[CHUNK];
            float[] b = ys == null ? null : new float[CHUNK];
            for (long p = s; p < e; p += CHUNK) {
                int n = (int) Math.min(CHUNK, e - p);
                NativeMemory.copyToArray(xs.addressOf(p), a, 0, n);
                if (ys != null) {
                    NativeMemory.copyToArray(ys.addressOf(p), b, 0, n);
                }
                op.apply(a, b, n);
                NativeMemory.copyFromArray(a, 0, os.addressOf(p), n);
            }
        });
    }

    @Override
    public void reluForward(FloatStorage in, FloatStorage out, long length) {
        elementwise(in, null, out, length, (x, y, n) -> {
            for (int k = 0; k < n; k++) {
                x[k] = Math.max(0f, x[k]);
            }
        });
    }

    @Override
    public void reluBackward(FloatStorage in, FloatStorage gradOut, FloatStorage gradIn, long length) {
        elementwise(gradOut, in, gradIn, length, (g, x, n) -> {
            for (int k = 0; k < n; k++) {
                g[k] = x[k] > 0f ? g[k] : 0f;
            }
        });
    }

    @Override
    public void multiply(FloatStorage in, FloatStorage mask, FloatStorage out, long length) {
        elementwise(in, mask, out, length, (x, m, n) -> {
            for (int k = 0; k < n; k++) {
                x[k] *= m[k];
            }
        });
    }

    @Override
    public void add(FloatStorage a, FloatStorage b, FloatStorage out, long length) {
        elementwise(a, b, out, length, (x, y, n) -> {
            for (int k = 0; k < n; k++) {
                x[k] += y[k];
            }
        });
    }

    @Override
    public void copyChannels(FloatStorage src, int srcStride, int srcOffset, FloatStorage dst, int dstStride,
                             int dstOffset, long pixels, int channels) {
        HostFloatStorage s = HostFloatStorage.of(src);
        HostFloatStorage d = HostFloatStorage.of(dst);
        if (srcStride == channels && dstStride == channels) {
            workers.forEachRange(pixels * channels, (i0, i1) -> NativeMemory.copy(s.addressOf(srcOffset + i0),
                    d.addressOf(dstOffset + i0), (i1 - i0) * F));
            return;
        }
        long rowBytes = (long) channels * F;
        workers.forEachRange(pixels, (p0, p1) -> {
            for (long p = p0; p < p1; p++) {
                NativeMemory.copy(s.addressOf(p * srcStride + srcOffset), d.addressOf(p * dstStride + dstOffset),
                        rowBytes);
            }
        });
    }

    @Override
    public void channelMeanVariance(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance) {
        batchNorm.meanVariance(in, rows, channels, mean, variance);
    }

    @Override
    public void batchNormForward(FloatStorage in, long rows, int channels, FloatStorage mean, FloatStorage variance,
                                 float epsilon, FloatStorage gamma, FloatStorage beta, FloatStorage out) {
        batchNorm.forward(in, rows, channels, mean, variance, epsilon, gamma, beta, out);
    }

    @Override
    public void batchNormBackward(FloatStorage in, FloatStorage gradOut, long rows, int channels, FloatStorage mean,
                                  FloatStorage variance, float epsilon, FloatStorage gamma, FloatStorage gradIn,
                                  FloatStorage gradGamma, FloatStorage gradBeta) {
        batchNorm.backward(in, gradOut, rows, channels, mean, variance, epsilon, gamma, gradIn, gradGamma, gradBeta);
    }

    @Override
    public void runningStatisticsDelta(FloatStorage mean, FloatStorage variance, FloatStorage runningMean,
                                       FloatStorage runningMeanSquare, float momentum, int channels,
                                       FloatStorage deltaMean, FloatStorage deltaMeanSquare) {
        CpuBatchNorm.runningStatisticsDelta(mean, variance, runningMean, runningMeanSquare, momentum, channels,
                deltaMean, deltaMeanSquare);
    }

    @Override
    public void runningVariance(FloatStorage runningMean, FloatStorage runningMeanSquare, int channels,
                                FloatStorage variance) {
        CpuBatchNorm.runningVariance(runningMean, runningMeanSquare, channels, variance);
    }

    /** Visits each output position (n, oy, ox) of the rows assigned to this thread. */
    @FunctionalInterface
    private interface WindowBody {
        void visit(int n, int oy, int ox);
    }

    private void forEachOutput(PoolGeometry g, WindowBody body) {
        int oh = g.outH();
        workers.forEachRange((long) g.batch() * oh, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                int n = (int) (r / oh);
                int oy = (int) (r % oh);
                for (int ox = 0; ox < g.outW(); ox++) {
                    body.visit(n, oy, ox);
                }
            }
        });
    }

    private static long inputPixel(PoolGeometry g, int n, int y, int x) {
        return (((long) n * g.inH() + y) * g.inW() + x) * g.channels();
    }

    private static long outputPixel(PoolGeometry g, int n, int oy, int ox) {
        return (((long) n * g.outH() + oy) * g.outW() + ox) * g.channels();
    }

    /** Receives the offset (floats) of one input pixel inside a window; returns false to stop the window. */
    @FunctionalInterface
    private interface PixelVisitor {
        boolean visit(long inputPixel);
    }

    /** Visits the input pixels of window (n, oy, ox) that lie inside the input, in row-major window order. */
    private static void forEachWindowPixel(PoolGeometry g, int n, int oy, int ox, PixelVisitor visitor) {
        for (int ky = 0; ky < g.kH(); ky++) {
            int y = oy * g.strideH() + ky - g.padH();
            if (y < 0 || y >= g.inH()) {
                continue;
            }
            for (int kx = 0; kx < g.kW(); kx++) {
                int x = ox * g.strideW() + kx - g.padW();
                if (x >= 0 && x < g.inW() && !visitor.visit(inputPixel(g, n, y, x))) {
                    return;
                }
            }
        }
    }

    /** Visits every window of the images assigned to this thread (split by image: overlapping windows share inputs). */
    private void forEachWindowByImage(PoolGeometry g, WindowBody body) {
        workers.forEachRange(g.batch(), (n0, n1) -> {
            for (int n = (int) n0; n < n1; n++) {
                for (int oy = 0; oy < g.outH(); oy++) {
                    for (int ox = 0; ox < g.outW(); ox++) {
                        body.visit(n, oy, ox);
                    }
                }
            }
        });
    }

    @Override
    public void maxPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out) {
        HostFloatStorage i = HostFloatStorage.of(in);
        HostFloatStorage o = HostFloatStorage.of(out);
        int c = g.channels();
        forEachOutput(g, (n, oy, ox) -> {
            long dst = o.addressOf(outputPixel(g, n, oy, ox));
            for (int ch = 0; ch < c; ch++) {
                NativeMemory.putFloat(dst + (long) ch * F, Float.NEGATIVE_INFINITY);
            }
            forEachWindowPixel(g, n, oy, ox, pixel -> {
                long src = i.addressOf(pixel);
                for (int ch = 0; ch < c; ch++) {
                    float v = NativeMemory.getFloat(src + (long) ch * F);
                    long d = dst + (long) ch * F;
                    if (v > NativeMemory.getFloat(d)) {
                        NativeMemory.putFloat(d, v);
                    }
                }
                return true;
            });
        });
    }

    @Override
    public void maxPoolBackward(FloatStorage in, FloatStorage out, FloatStorage gradOut, PoolGeometry g,
                                FloatStorage gradIn) {
        HostFloatStorage i = HostFloatStorage.of(in);
        HostFloatStorage o = HostFloatStorage.of(out);
        HostFloatStorage go = HostFloatStorage.of(gradOut);
        HostFloatStorage gi = HostFloatStorage.of(gradIn);
        gi.fillZero(0, gi.length());
        int c = g.channels();
        forEachWindowByImage(g, (n, oy, ox) -> {
            long op = outputPixel(g, n, oy, ox);
            for (int ch = 0; ch < c; ch++) {
                int channel = ch;
                float max = NativeMemory.getFloat(o.addressOf(op + ch));
                float grad = NativeMemory.getFloat(go.addressOf(op + ch));
                forEachWindowPixel(g, n, oy, ox, pixel -> {
                    if (NativeMemory.getFloat(i.addressOf(pixel + channel)) != max) {
                        return true;
                    }
                    long d = gi.addressOf(pixel + channel);
                    NativeMemory.putFloat(d, NativeMemory.getFloat(d) + grad);
                    return false;
                });
            }
        });
    }

    @Override
    public void avgPoolForward(FloatStorage in, PoolGeometry g, FloatStorage out) {
        HostFloatStorage i = HostFloatStorage.of(in);
        HostFloatStorage o = HostFloatStorage.of(out);
        int c = g.channels();
        float scale = 1f / (g.kH() * g.kW());
        forEachOutput(g, (n, oy, ox) -> {
            float[] sum = new float[c];
            forEachWindowPixel(g, n, oy, ox, pixel -> {
                long src = i.addressOf(pixel);
                for (int ch = 0; ch < c; ch++) {
                    sum[ch] += NativeMemory.getFloat(src + (long) ch * F);
                }
                return true;
            });
            long dst = o.addressOf(outputPixel(g, n, oy, ox));
            for (int ch = 0; ch < c; ch++) {
                NativeMemory.putFloat(dst + (long) ch * F, sum[ch] * scale);
            }
        });
    }

    @Override
    public void avgPoolBackward(FloatStorage gradOut, PoolGeometry g, FloatStorage gradIn) {
        HostFloatStorage go = HostFloatStorage.of(gradOut);
        HostFloatStorage gi = HostFloatStorage.of(gradIn);
        gi.fillZero(0, gi.length());
        int c = g.channels();
        float scale = 1f / (g.kH() * g.kW());
        forEachWindowByImage(g, (n, oy, ox) -> {
            long src = go.addressOf(outputPixel(g, n, oy, ox));
            forEachWindowPixel(g, n, oy, ox, pixel -> {
                long dst = gi.addressOf(pixel);
                for (int ch = 0; ch < c; ch++) {
                    long d = dst + (long) ch * F;
                    NativeMemory.putFloat(d, NativeMemory.getFloat(d) + NativeMemory.getFloat(src + (long) ch * F) * scale);
                }
                return true;
            });
        });
    }

    @Override
    public void softmaxCrossEntropy(FloatStorage logits, FloatStorage labels, int rows, int classes, FloatStorage gradLogits,
                                    FloatStorage stats) {
        float[] z = new float[Math.multiplyExact(rows, classes)];
        logits.copyTo(0, z, 0, z.length);
        float[] y = new float[rows];
        labels.copyTo(0, y, 0, rows);
        float[] grad = gradLogits == null ? null : new float[z.length];
        float[] out = new float[3 * rows];
        for (int r = 0; r < rows; r++) {
            int label = (int) y[r];
            int base = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int c = 0; c < classes; c++) {
                if (z[base + c] > max) {
                    max = z[base + c];
                    argmax = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[base + c] - max);
            }
            double loss = Math.log(sum) - (z[base + label] - max);
            out[3 * r] = (float) loss;
            out[3 * r + 1] = (float) (loss - out[3 * r]);
            out[3 * r + 2] = argmax == label ? 1f : 0f;
            if (grad != null) {
                for (int c = 0; c < classes; c++) {
                    double p = Math.exp(z[base + c] - max) / sum;
                    grad[base + c] = (float) ((p - (c == label ? 1 : 0)) / rows);
                }
            }
        }
        stats.copyFrom(out, 0, 0, out.length);
        if (grad != null) {
            gradLogits.copyFrom(grad, 0, 0, grad.length);
        }
    }
}
