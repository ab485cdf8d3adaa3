package org.sparkmec.engine.backend.cpu;

import org.sparkmec.engine.backend.ConvKernels;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;

/**
 * The CPU's data-movement kernels: contiguous spans of {@code k_w * i_c} floats copied with
 * {@code Unsafe.copyMemory}, split over the backend's worker threads so that no two threads write the
 * same memory (lowering by lowered row, scatter-adds by input row, permutations by block).
 */
final class CpuConvKernels implements ConvKernels {
    /** Spans at least this long are accumulated with BLAS saxpy, shorter ones with a plain loop. */
    private static final int SAXPY_MIN_LENGTH = 64;
    private static final int F = Float.BYTES;
    /** Floats per heap chunk of the bias loops: the plain array loop vectorizes, Unsafe accesses do not. */
    static final int CHUNK = 1 << 14;

    private final CpuWorkers workers;

    CpuConvKernels(CpuWorkers workers) {
        this.workers = workers;
    }

    @Override
    public void lowerMec(FloatStorage input, ConvGeometry g, FloatStorage lowered, int first, int count) {
        HostFloatStorage in = HostFloatStorage.of(input);
        HostFloatStorage out = HostFloatStorage.of(lowered);
        int ow = g.outW();
        long span = (long) g.kW() * g.inC();
        long rowLength = g.loweredRowLength();
        long firstRow = (long) first * ow;
        workers.forEachRange((long) count * ow, (r0, r1) -> {
            for (long r = firstRow + r0; r < firstRow + r1; r++) {
                int n = (int) (r / ow);
                int w = (int) (r % ow);
                int x0 = w * g.strideW() - g.padW();
                long dst = out.addressOf(r * rowLength);
                for (int hp = 0; hp < g.paddedH(); hp++) {
                    copyPaddedSpan(in, g, n, hp - g.padH(), x0, dst + hp * span * F);
                }
            }
        });
    }

    @Override
    public void im2col(FloatStorage input, ConvGeometry g, FloatStorage columns) {
        HostFloatStorage in = HostFloatStorage.of(input);
        HostFloatStorage out = HostFloatStorage.of(columns);
        int oh = g.outH();
        int ow = g.outW();
        long span = (long) g.kW() * g.inC();
        long rowLength = g.kernelRows();
        workers.forEachRange((long) g.batch() * oh * ow, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                int n = (int) (r / ((long) oh * ow));
                int y = (int) (r / ow % oh);
                int x = (int) (r % ow);
                int x0 = x * g.strideW() - g.padW();
                long dst = out.addressOf(r * rowLength);
                for (int kh = 0; kh < g.kH(); kh++) {
                    copyPaddedSpan(in, g, n, y * g.strideH() + kh - g.padH(), x0, dst + kh * span * F);
                }
            }
        });
    }

    /**
     * Writes the {@code k_w * i_c} floats of input row {@code (n, y)} starting at column {@code x0} to
     * {@code dst}, zeros where the row or columns fall in the padding.
     */
    private static void copyPaddedSpan(HostFloatStorage in, ConvGeometry g, int n, int y, int x0, long dst) {
        int c = g.inC();
        long spanBytes = (long) g.kW() * c * F;
        if (y < 0 || y >= g.inH()) {
            NativeMemory.zero(dst, spanBytes);
            return;
        }
        int xs = Math.max(0, x0);
        int xe = Math.min(g.inW(), x0 + g.kW());
        if (xe <= xs) {
            NativeMemory.zero(dst, spanBytes);
            return;
        }
        long left = (long) (xs - x0) * c * F;
        long middle = (long) (xe - xs) * c * F;
        if (left > 0) {
            NativeMemory.zero(dst, left);
        }
        long src = in.addressOf((((long) n * g.inH() + y) * g.inW() + xs) * c);
        NativeMemory.copy(src, dst + left, middle);
        long right = spanBytes - left - middle;
        if (right > 0) {
            NativeMemory.zero(dst + left + middle, right);
        }
    }

    @Override
    public void scatterAddMec(FloatStorage loweredGradient, ConvGeometry g, FloatStorage inputGradient) {
        HostFloatStorage dl = HostFloatStorage.of(loweredGradient);
        HostFloatStorage di = HostFloatStorage.of(inputGradient);
        int ih = g.inH();
        long span = (long) g.kW() * g.inC();
        long rowLength = g.loweredRowLength();
        // dI row (n, y) receives only from lowered column block hp = y + p_h, for every w: rows are disjoint.
        workers.forEachRange((long) g.batch() * ih, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                int n = (int) (r / ih);
                int y = (int) (r % ih);
                for (int w = 0; w < g.outW(); w++) {
                    long src = ((long) n * g.outW() + w) * rowLength + (y + g.padH()) * span;
                    addSpan(dl, src, di, g, n, y, w * g.strideW() - g.padW());
                }
            }
        });
    }

    @Override
    public void col2im(FloatStorage columnGradient, ConvGeometry g, FloatStorage inputGradient) {
        HostFloatStorage dc = HostFloatStorage.of(columnGradient);
        HostFloatStorage di = HostFloatStorage.of(inputGradient);
        int ih = g.inH();
        int oh = g.outH();
        int ow = g.outW();
        int sh = g.strideH();
        long span = (long) g.kW() * g.inC();
        long rowLength = g.kernelRows();
        // dI row (n, y) receives from output rows oh with kh = y + p_h - oh*s_h in [0, k_h): rows are disjoint.
        workers.forEachRange((long) g.batch() * ih, (r0, r1) -> {
            for (long r = r0; r < r1; r++) {
                int n = (int) (r / ih);
                int y = (int) (r % ih);
                int yp = y + g.padH();
                int first = Math.max(0, Math.floorDiv(yp - g.kH(), sh) + 1);
                int last = Math.min(oh - 1, yp / sh);
                for (int o = first; o <= last; o++) {
                    int kh = yp - o * sh;
                    for (int x = 0; x < ow; x++) {
                        long src = (((long) n * oh + o) * ow + x) * rowLength + kh * span;
                        addSpan(dc, src, di, g, n, y, x * g.strideW() - g.padW());
                    }
                }
            }
        });
    }

    /** {@code dI[n, y, x0 + kw, :] += src[kw, :]} for the kw that fall inside the input. */
    private static void addSpan(HostFloatStorage srcStorage, long srcOffset, HostFloatStorage di, ConvGeometry g,
                                int n, int y, int x0) {
        int c = g.inC();
        int xs = Math.max(0, x0);
        int xe = Math.min(g.inW(), x0 + g.kW());
        if (xe <= xs) {
            return;
        }
        int length = (xe - xs) * c;
        long src = srcOffset + (long) (xs - x0) * c;
        long dst = (((long) n * g.inH() + y) * g.inW() + xs) * c;
        if (length >= SAXPY_MIN_LENGTH) {
            OpenBlas.saxpy(length, srcStorage, src, di, dst);
        } else {
            NativeMemory.addInto(di.addressOf(dst), srcStorage.addressOf(src), length);
        }
    }

    @Override
    public void swapOuterDimensions(FloatStorage src, FloatStorage dst, int outer, int middle, long block,
                                    FloatStorage bias) {
        HostFloatStorage s = HostFloatStorage.of(src);
        HostFloatStorage d = HostFloatStorage.of(dst);
        float[] b = bias == null ? null : toArray(bias);
        workers.forEachRange((long) outer * middle, (i0, i1) -> {
            float[] scratch = b == null ? null : new float[Math.max(b.length, CHUNK)];
            for (long i = i0; i < i1; i++) {
                long a = i / middle;
                long m = i % middle;
                long from = s.addressOf(i * block);
                long to = d.addressOf((m * outer + a) * block);
                if (b == null) {
                    NativeMemory.copy(from, to, block * F);
                } else {
                    copyAddingBias(from, to, block, b, scratch);
                }
            }
        });
    }

    /**
     * {@code to[i] = from[i] + bias[i % bias.length]} for {@code length} floats, {@code from} starting at a
     * channel boundary; {@code from == to} is allowed.
     */
    static void copyAddingBias(long from, long to, long length, float[] bias, float[] scratch) {
        int channels = bias.length;
        int chunk = Math.max(channels, CHUNK / channels * channels);
        for (long done = 0; done < length; done += chunk) {
            int len = (int) Math.min(chunk, length - done);
            NativeMemory.copyToArray(from + done * F, scratch, 0, len);
            for (int start = 0; start < len; start += channels) {
                for (int c = 0; c < channels; c++) {
                    scratch[start + c] += bias[c];
                }
            }
            NativeMemory.copyFromArray(scratch, 0, to + done * F, len);
        }
    }

    static float[] toArray(FloatStorage storage) {
        float[] out = new float[Math.toIntExact(storage.length())];
        storage.copyTo(0, out, 0, out.length);
        return out;
    }

    @Override
    public void zero(FloatStorage storage, long offset, long length) {
        HostFloatStorage h = HostFloatStorage.of(storage);
        if (offset < 0 || length < 0 || offset + length > h.length()) {
            throw new IndexOutOfBoundsException("zero [" + offset + ", " + (offset + length) + ") outside a buffer of "
                    + h.length() + " floats");
        }
        workers.forEachRange(length, (i0, i1) -> NativeMemory.zero(h.addressOf(offset + i0), (i1 - i0) * F));
    }

    @Override
    public void copy(FloatStorage src, long srcOffset, FloatStorage dst, long dstOffset, long length) {
        HostFloatStorage s = HostFloatStorage.of(src);
        HostFloatStorage d = HostFloatStorage.of(dst);
        workers.forEachRange(length, (i0, i1) ->
                NativeMemory.copy(s.addressOf(srcOffset + i0), d.addressOf(dstOffset + i0), (i1 - i0) * F));
    }

    @Override
    public void addBias(FloatStorage out, long rows, int channels, FloatStorage bias) {
        HostFloatStorage o = HostFloatStorage.of(out);
        float[] b = toArray(bias);
        workers.forEachRange(rows, (r0, r1) -> copyAddingBias(o.addressOf(r0 * channels), o.addressOf(r0 * channels),
                (r1 - r0) * channels, b, new float[Math.max(channels, CHUNK)]));
    }

    @Override
    public void sumRows(FloatStorage grad, long rows, int channels, FloatStorage dBias) {
        HostFloatStorage gr = HostFloatStorage.of(grad);
        // Partial sums keyed by their block's first row and added in row order: the same result every run.
        java.util.concurrent.ConcurrentSkipListMap<Long, double[]> partials = new java.util.concurrent.ConcurrentSkipListMap<>();
        workers.forEachRange(rows, (r0, r1) -> {
            double[] partial = new double[channels];
            int chunkRows = Math.max(1, CHUNK / channels);
            float[] scratch = new float[chunkRows * channels];
            for (long r = r0; r < r1; r += chunkRows) {
                int n = (int) Math.min(chunkRows, r1 - r);
                NativeMemory.copyToArray(gr.addressOf(r * channels), scratch, 0, n * channels);
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < channels; c++) {
                        partial[c] += scratch[i * channels + c];
                    }
                }
            }
            partials.put(r0, partial);
        });
        double[] total = new double[channels];
        for (double[] partial : partials.values()) {
            for (int c = 0; c < channels; c++) {
                total[c] += partial[c];
            }
        }
        float[] result = new float[channels];
        for (int c = 0; c < channels; c++) {
            result[c] = (float) total[c];
        }
        dBias.copyFrom(result, 0, 0, channels);
    }
}
