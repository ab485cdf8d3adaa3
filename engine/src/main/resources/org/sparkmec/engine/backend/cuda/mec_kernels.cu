// The CUDA backend's kernels, compiled at run time by NVRTC (no #include: builtins only).
//
// Tensors are row-major, activations NHWC, offsets and lengths in floats. The semantics are those of the
// CPU backend (CpuConvKernels, CpuNnKernels), including the order in which floats are added where that
// order is fixed there. Every kernel is a gather: one thread per output element (a grid-stride loop over
// a 64-bit index), which alone writes that element, so there are no atomics and every run gives the same
// bits. The row sums (sum_rows_*) use blocks of exactly 256 threads instead.
//
// Kernels named with a trailing 4 are the same kernel with each thread handling 4 consecutive floats
// (16-byte loads and stores): only for channel counts (or blocks) that are multiples of 4 and buffers
// whose float* arguments are 16-byte aligned (whole storages: cuMemAlloc blocks). The 4 floats are 4
// channels of one pixel, so every index and bound is the same for them and each lane adds in the same
// order as the scalar kernel.

#define GRID_LOOP(i, n)                                                                   \
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n);         \
         i += (long long) blockDim.x * gridDim.x)

// a / b for a >= 0, b > 0: a 32-bit division when both fit in 32 bits (the usual case), else 64-bit.
__device__ __forceinline__ long long div_ll(long long a, long long b) {
    return (((unsigned long long) a | (unsigned long long) b) >> 32) == 0
            ? (long long) ((unsigned int) a / (unsigned int) b)
            : a / b;
}

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int imax(int a, int b) { return a > b ? a : b; }

// First window index o with o*s <= p < o*s + k (p a padded coordinate): ceil((p - k + 1) / s), at least 0.
__device__ __forceinline__ int first_window(int p, int k, int s) { return p < k ? 0 : (p - k + s) / s; }

// In one dimension, the windows o in [first, last] of a layer with `out` windows of size k and stride s that
// cover padded coordinate p (empty when first > last).
struct Covering {
    int first, last;
};

__device__ __forceinline__ Covering covering(int p, int k, int s, int out) {
    return Covering{first_window(p, k, s), imin(out - 1, p / s)};
}

// In one dimension, window o's positions: it starts at origin = o*s - pad (negative in the padding) and reads
// [begin, end), its k positions clipped to [0, size).
struct Extent {
    int origin, begin, end;
};

__device__ __forceinline__ Extent extent(int o, int k, int s, int pad, int size) {
    int origin = o * s - pad;
    return Extent{origin, imax(origin, 0), imin(origin + k, size)};
}

// Coordinates of element i (>= 0) of an NHWC tensor [*, height, width, channels]: image (counted from the
// tensor's start), row, column and channel.
struct Nhwc {
    long long n;
    int y, x, c;
};

__device__ __forceinline__ Nhwc nhwc_of(long long i, int height, int width, int channels) {
    long long p = div_ll(i, channels);
    long long q = div_ll(p, width);
    long long n = div_ll(q, height);
    return Nhwc{n, (int) (q - n * height), (int) (p - q * width), (int) (i - p * channels)};
}

// V consecutive floats, loaded and stored as one aligned access.
template <int V>
struct alignas(4 * V) Pack {
    float a[V];
};

template <int V>
__device__ __forceinline__ Pack<V> load(const float* p) { return *reinterpret_cast<const Pack<V>*>(p); }

template <int V>
__device__ __forceinline__ void store(float* p, const Pack<V>& v) { *reinterpret_cast<Pack<V>*>(p) = v; }

template <int V>
__device__ __forceinline__ void add_into(Pack<V>& acc, const Pack<V>& v) {
#pragma unroll
    for (int k = 0; k < V; k++) {
        acc.a[k] += v.a[k];
    }
}

template <int V>
__device__ __forceinline__ Pack<V> zeros() {
    Pack<V> v;
#pragma unroll
    for (int k = 0; k < V; k++) {
        v.a[k] = 0.0f;
    }
    return v;
}

// ---------------------------------------------------------------------------------------------------
// Convolution data movement (ConvKernels)
// ---------------------------------------------------------------------------------------------------

// MEC lowering: L[n, w, hp, kw, c] = I[n, hp - p_h, s_w*w + kw - p_w, c] (0 outside the input), for
// images [first, first + count); lowered row n*o_w + w sits at its global position. One thread per
// element (V elements) of L; e = kw*i_c + c runs over k_w*i_c floats that are contiguous in I too.
template <int V>
__device__ __forceinline__ void lower_mec_body(const float* in, float* lowered, int first, int count, int inH,
                                               int inW, int inC, int kW, int strideW, int padH, int padW,
                                               int outW) {
    int span = kW * inC;
    int paddedH = inH + 2 * padH;
    long long base = (long long) first * outW * paddedH * span;
    long long total = (long long) count * outW * paddedH * span / V;
    GRID_LOOP(t, total) {
        long long i = t * V;
        long long s = div_ll(i, span);
        int e = (int) (i - s * span);
        long long r = div_ll(s, paddedH);
        int hp = (int) (s - r * paddedH);
        long long nl = div_ll(r, outW);
        int w = (int) (r - nl * outW);
        int y = hp - padH;
        int x0 = w * strideW - padW;
        Pack<V> v = zeros<V>();
        if (y >= 0 && y < inH && e >= -(long long) x0 * inC && e < (long long) (inW - x0) * inC) {
            v = load<V>(in + ((first + nl) * inH + y) * (long long) inW * inC + (long long) x0 * inC + e);
        }
        store<V>(lowered + base + i, v);
    }
}

extern "C" __global__ void lower_mec(const float* in, float* lowered, int first, int count, int inH, int inW,
                                     int inC, int kW, int strideW, int padH, int padW, int outW) {
    lower_mec_body<1>(in, lowered, first, count, inH, inW, inC, kW, strideW, padH, padW, outW);
}

extern "C" __global__ void lower_mec4(const float* in, float* lowered, int first, int count, int inH, int inW,
                                      int inC, int kW, int strideW, int padH, int padW, int outW) {
    lower_mec_body<4>(in, lowered, first, count, inH, inW, inC, kW, strideW, padH, padW, outW);
}

// MEC backward scatter-add as a gather: dI[n, y, x, c] += dL[n, w, y + p_h, x + p_w - s_w*w, c] summed
// over w ascending (the CPU's order) for every w in [0, o_w) with 0 <= x + p_w - s_w*w < k_w.
template <int V>
__device__ __forceinline__ void scatter_add_mec_body(const float* dL, float* dI, int batch, int inH, int inW,
                                                     int inC, int kW, int strideW, int padH, int padW, int outW) {
    long long span = (long long) kW * inC;
    long long rowLength = (long long) (inH + 2 * padH) * span;
    long long total = (long long) batch * inH * inW * inC / V;
    GRID_LOOP(t, total) {
        long long i = t * V;
        Nhwc at = nhwc_of(i, inH, inW, inC);
        int c = at.c, x = at.x, y = at.y;
        long long n = at.n;
        int xp = x + padW;
        Covering ws = covering(xp, kW, strideW, outW);
        const float* src = dL + n * outW * rowLength + (y + padH) * span + c;
        Pack<V> acc = load<V>(dI + i);
        for (int w = ws.first; w <= ws.last; w++) {
            add_into<V>(acc, load<V>(src + w * rowLength + (long long) (xp - w * strideW) * inC));
        }
        store<V>(dI + i, acc);
    }
}

extern "C" __global__ void scatter_add_mec(const float* dL, float* dI, int batch, int inH, int inW, int inC, int kW,
                                           int strideW, int padH, int padW, int outW) {
    scatter_add_mec_body<1>(dL, dI, batch, inH, inW, inC, kW, strideW, padH, padW, outW);
}

extern "C" __global__ void scatter_add_mec4(const float* dL, float* dI, int batch, int inH, int inW, int inC, int kW,
                                            int strideW, int padH, int padW, int outW) {
    scatter_add_mec_body<4>(dL, dI, batch, inH, inW, inC, kW, strideW, padH, padW, outW);
}

// im2col: col[(n, oh, ow), (kh, kw, c)] = I[n, s_h*oh + kh - p_h, s_w*ow + kw - p_w, c] (0 outside the
// input). One thread per element (V elements) of col; e = kw*i_c + c as in lower_mec.
template <int V>
__device__ __forceinline__ void im2col_body(const float* in, float* col, int batch, int inH, int inW, int inC,
                                            int kH, int kW, int strideH, int strideW, int padH, int padW, int outH,
                                            int outW) {
    int span = kW * inC;
    long long total = (long long) batch * outH * outW * kH * span / V;
    GRID_LOOP(t, total) {
        long long i = t * V;
        long long s = div_ll(i, span);
        int e = (int) (i - s * span);
        long long r = div_ll(s, kH);
        int kh = (int) (s - r * kH);
        long long q = div_ll(r, outW);
        int ox = (int) (r - q * outW);
        long long n = div_ll(q, outH);
        int oy = (int) (q - n * outH);
        int y = oy * strideH + kh - padH;
        int x0 = ox * strideW - padW;
        Pack<V> v = zeros<V>();
        if (y >= 0 && y < inH && e >= -(long long) x0 * inC && e < (long long) (inW - x0) * inC) {
            v = load<V>(in + (n * inH + y) * (long long) inW * inC + (long long) x0 * inC + e);
        }
        store<V>(col + i, v);
    }
}

extern "C" __global__ void im2col(const float* in, float* col, int batch, int inH, int inW, int inC, int kH, int kW,
                                  int strideH, int strideW, int padH, int padW, int outH, int outW) {
    im2col_body<1>(in, col, batch, inH, inW, inC, kH, kW, strideH, strideW, padH, padW, outH, outW);
}

extern "C" __global__ void im2col4(const float* in, float* col, int batch, int inH, int inW, int inC, int kH, int kW,
                                   int strideH, int strideW, int padH, int padW, int outH, int outW) {
    im2col_body<4>(in, col, batch, inH, inW, inC, kH, kW, strideH, strideW, padH, padW, outH, outW);
}

// col2im as a gather: dI[n, y, x, c] += col[(n, oh, ow), (y + p_h - s_h*oh, x + p_w - s_w*ow, c)] summed
// over oh ascending, then ow ascending (the CPU's order), for every window that covers (y, x).
template <int V>
__device__ __forceinline__ void col2im_body(const float* dC, float* dI, int batch, int inH, int inW, int inC,
                                            int kH, int kW, int strideH, int strideW, int padH, int padW, int outH,
                                            int outW) {
    long long span = (long long) kW * inC;
    long long rowLength = kH * span;
    long long total = (long long) batch * inH * inW * inC / V;
    GRID_LOOP(t, total) {
        long long i = t * V;
        Nhwc at = nhwc_of(i, inH, inW, inC);
        int c = at.c, x = at.x, y = at.y;
        long long n = at.n;
        int yp = y + padH;
        int xp = x + padW;
        Covering oys = covering(yp, kH, strideH, outH), oxs = covering(xp, kW, strideW, outW);
        Pack<V> acc = load<V>(dI + i);
        for (int oy = oys.first; oy <= oys.last; oy++) {
            const float* row = dC + (n * outH + oy) * outW * rowLength + (yp - oy * strideH) * span + c;
            for (int ox = oxs.first; ox <= oxs.last; ox++) {
                add_into<V>(acc, load<V>(row + ox * rowLength + (long long) (xp - ox * strideW) * inC));
            }
        }
        store<V>(dI + i, acc);
    }
}

extern "C" __global__ void col2im(const float* dC, float* dI, int batch, int inH, int inW, int inC, int kH, int kW,
                                  int strideH, int strideW, int padH, int padW, int outH, int outW) {
    col2im_body<1>(dC, dI, batch, inH, inW, inC, kH, kW, strideH, strideW, padH, padW, outH, outW);
}

extern "C" __global__ void col2im4(const float* dC, float* dI, int batch, int inH, int inW, int inC, int kH, int kW,
                                   int strideH, int strideW, int padH, int padW, int outH, int outW) {
    col2im_body<4>(dC, dI, batch, inH, inW, inC, kH, kW, strideH, strideW, padH, padW, outH, outW);
}

// dst[b][a][k] = src[a][b][k] (+ bias[k % biasLength] when bias is not null) for src of outer x middle x
// block floats, dst of middle x outer x block. One thread per element (V elements) of dst; the 4-wide
// kernel needs block and biasLength to be multiples of 4.
template <int V>
__device__ __forceinline__ void swap_outer_body(const float* src, float* dst, int outer, int middle, long long block,
                                                const float* bias, int biasLength) {
    long long total = (long long) outer * middle * block / V;
    GRID_LOOP(t, total) {
        long long i = t * V;
        long long q = div_ll(i, block);
        long long k = i - q * block;
        long long b = div_ll(q, outer);
        long long a = q - b * outer;
        Pack<V> v = load<V>(src + (a * middle + b) * block + k);
        if (bias != nullptr) {
            add_into<V>(v, load<V>(bias + (k - div_ll(k, biasLength) * biasLength)));
        }
        store<V>(dst + i, v);
    }
}

extern "C" __global__ void swap_outer(const float* src, float* dst, int outer, int middle, long long block,
                                      const float* bias, int biasLength) {
    swap_outer_body<1>(src, dst, outer, middle, block, bias, biasLength);
}

extern "C" __global__ void swap_outer4(const float* src, float* dst, int outer, int middle, long long block,
                                       const float* bias, int biasLength) {
    swap_outer_body<4>(src, dst, outer, middle, block, bias, biasLength);
}

// out[r][c] += bias[c] for a rows x channels array (the 4-wide kernel: channels a multiple of 4).
template <int V>
__device__ __forceinline__ void add_bias_body(float* out, long long rows, int channels, const float* bias) {
    GRID_LOOP(t, rows * channels / V) {
        long long i = t * V;
        Pack<V> v = load<V>(out + i);
        add_into<V>(v, load<V>(bias + (i - div_ll(i, channels) * channels)));
        store<V>(out + i, v);
    }
}

extern "C" __global__ void add_bias(float* out, long long rows, int channels, const float* bias) {
    add_bias_body<1>(out, rows, channels, bias);
}

extern "C" __global__ void add_bias4(float* out, long long rows, int channels, const float* bias) {
    add_bias_body<4>(out, rows, channels, bias);
}

// dst[i] = src[i].
extern "C" __global__ void copy_floats(const float* src, float* dst, long long n) {
    GRID_LOOP(i, n) {
        dst[i] = src[i];
    }
}

// Row sums, deterministic in two levels: sum_rows_partial's block (tile, chunk) = blockIdx.x % tiles,
// blockIdx.x / tiles sums rows [chunk*per, (chunk+1)*per) of channels [32*tile, 32*tile + 32) in double
// (32 channel lanes x 8 row lanes, then a fixed tree over the row lanes), writing dBias directly when
// there is one chunk, else row `chunk` of sum_rows_partials (chunks x channels doubles); sum_rows_final
// (one block per tile) then sums those rows the same way. Blocks of exactly 256 threads. The scratch is
// this module's: launches run in issue order on one stream, and one thread at a time uses a backend.
#define SUM_ROWS_SCRATCH (1 << 18)
#define SUM_ROWS_LANES 32
#define SUM_ROWS_ROW_LANES 8

__device__ double sum_rows_partials[SUM_ROWS_SCRATCH];

// The sum over the block's 8 row lanes of v (per channel lane), in a fixed tree; every thread returns it.
__device__ __forceinline__ double row_lane_sum(double v, double (*part)[SUM_ROWS_LANES]) {
    int lane = threadIdx.x % SUM_ROWS_LANES;
    int rowLane = threadIdx.x / SUM_ROWS_LANES;
    part[rowLane][lane] = v;
    __syncthreads();
    for (int h = SUM_ROWS_ROW_LANES / 2; h > 0; h /= 2) {
        if (rowLane < h) {
            part[rowLane][lane] += part[rowLane + h][lane];
        }
        __syncthreads();
    }
    double s = part[0][lane];
    __syncthreads();
    return s;
}

// The part of a two-level per-channel sum that block blockIdx.x = (tile, chunk) takes: rows [r0, r1) of chunk
// `chunk` (chunks of ceil(rows / chunks) rows) and, for this thread, channel c of tile `tile` (32 channels).
struct RowChunk {
    int chunk;
    long long r0;
    long long r1;
    int c;
};

__device__ __forceinline__ RowChunk row_chunk(long long rows, int channels, int chunks) {
    int tiles = (channels + SUM_ROWS_LANES - 1) / SUM_ROWS_LANES;
    int tile = blockIdx.x % tiles;
    RowChunk rc;
    rc.chunk = blockIdx.x / tiles;
    long long per = (rows + chunks - 1) / chunks;
    rc.r0 = rc.chunk * per;
    rc.r1 = rc.r0 + per < rows ? rc.r0 + per : rows;
    rc.c = tile * SUM_ROWS_LANES + threadIdx.x % SUM_ROWS_LANES;
    return rc;
}

// Sum over rows [r0, r1) of column c of a (rows x channels) array, as seen by thread 0..31 of the block.
template <typename T>
__device__ __forceinline__ double column_sum(const T* a, long long r0, long long r1, int channels, int c,
                                             double (*part)[SUM_ROWS_LANES]) {
    int rowLane = threadIdx.x / SUM_ROWS_LANES;
    double s = 0.0;
    if (c < channels) {
        const T* p = a + (r0 + rowLane) * channels + c;
        long long step = (long long) SUM_ROWS_ROW_LANES * channels;
        for (long long r = r0 + rowLane; r < r1; r += SUM_ROWS_ROW_LANES, p += step) {
            s += (double) *p;
        }
    }
    return row_lane_sum(s, part);
}

// sum_rows_partial: partial[chunk][c] = sum over the chunk's rows r of grad[r][c] (dBias[c] when chunks == 1).
extern "C" __global__ void sum_rows_partial(const float* grad, long long rows, int channels, int chunks,
                                            float* dBias) {
    __shared__ double part[SUM_ROWS_ROW_LANES][SUM_ROWS_LANES];
    RowChunk rc = row_chunk(rows, channels, chunks);
    int chunk = rc.chunk;
    long long r0 = rc.r0;
    long long r1 = rc.r1;
    int c = rc.c;
    double s = column_sum(grad, r0, r1, channels, c, part);
    if (threadIdx.x < SUM_ROWS_LANES && c < channels) {
        if (chunks == 1) {
            dBias[c] = (float) s;
        } else {
            sum_rows_partials[(long long) chunk * channels + c] = s;
        }
    }
}

// sum_rows_final: dBias[c] = (float) sum over chunks p of partial[p][c]; one block per tile of 32 channels.
extern "C" __global__ void sum_rows_final(int chunks, int channels, float* dBias) {
    __shared__ double part[SUM_ROWS_ROW_LANES][SUM_ROWS_LANES];
    int c = blockIdx.x * SUM_ROWS_LANES + threadIdx.x % SUM_ROWS_LANES;
    double s = column_sum(sum_rows_partials, 0, chunks, channels, c, part);
    if (threadIdx.x < SUM_ROWS_LANES && c < channels) {
        dBias[c] = (float) s;
    }
}

// For the GEMM code's split accumulations: c[i*ldc + j] += sum over p ascending of partials[p*m*n + i*n + j]
// (the sum in float, from 0), i in [0, m), j in [0, n). One thread per (i, j).
extern "C" __global__ void sum_partials(const float* partials, int count, long long m, int n, float* c, int ldc) {
    long long mn = m * n;
    GRID_LOOP(idx, mn) {
        long long i = div_ll(idx, n);
        long long j = idx - i * n;
        float s = 0.0f;
        for (int p = 0; p < count; p++) {
            s += partials[p * mn + idx];
        }
        c[i * ldc + j] += s;
    }
}

// ---------------------------------------------------------------------------------------------------
// Layer kernels (NnKernels)
// ---------------------------------------------------------------------------------------------------

// out[i] = max(0, in[i]) as Java's Math.max(0f, x): NaN stays NaN, -0 becomes +0.
extern "C" __global__ void relu_forward(const float* in, float* out, long long n) {
    GRID_LOOP(i, n) {
        float v = in[i];
        out[i] = (v > 0.0f || v != v) ? v : 0.0f;
    }
}

// gradIn[i] = in[i] > 0 ? gradOut[i] : 0.
extern "C" __global__ void relu_backward(const float* in, const float* gradOut, float* gradIn, long long n) {
    GRID_LOOP(i, n) {
        gradIn[i] = in[i] > 0.0f ? gradOut[i] : 0.0f;
    }
}

// out[i] = in[i] * mask[i].
extern "C" __global__ void multiply(const float* in, const float* mask, float* out, long long n) {
    GRID_LOOP(i, n) {
        out[i] = in[i] * mask[i];
    }
}

// Pooling windows: output (oy, ox) covers input rows [oy*s_h - p_h, + k_h) and columns [ox*s_w - p_w, + k_w);
// positions outside the input are skipped (padding). Windows are visited in row-major order.

// out[n, oy, ox, c] = max over the window's input positions of in[n, y, x, c], starting from -inf and
// replaced only by a strictly greater value (NaN never wins). One thread per output element.
extern "C" __global__ void max_pool_forward(const float* in, float* out, int batch, int inH, int inW, int channels,
                                            int kH, int kW, int strideH, int strideW, int padH, int padW,
                                            int outH, int outW) {
    long long total = (long long) batch * outH * outW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, outH, outW, channels);
        int c = at.c, ox = at.x, oy = at.y;
        long long n = at.n;
        Extent ys = extent(oy, kH, strideH, padH, inH), xs = extent(ox, kW, strideW, padW, inW);
        float m = __int_as_float((int) 0xff800000u);
        for (int y = ys.begin; y < ys.end; y++) {
            const float* row = in + (n * inH + y) * (long long) inW * channels + c;
            for (int x = xs.begin; x < xs.end; x++) {
                float v = row[(long long) x * channels];
                if (v > m) {
                    m = v;
                }
            }
        }
        out[i] = m;
    }
}

// Max-pool backward: gradIn[n, y, x, c] = sum over the windows (oy, ox) containing (y, x), oy then ox
// ascending, of gradOut[n, oy, ox, c] where (y, x) is the window's first position (row-major) with
// in == out[n, oy, ox, c]. In two passes over images [first, first + images): max_pool_argmax finds each
// window's first such position once (its offset (y - y0)*k_w + (x - x0) in the window, MAX_POOL_NO_ARGMAX when
// none, e.g. a NaN maximum) into max_pool_argmaxes, then max_pool_backward_gather reads those codes for the
// windows covering each input element. The scratch is this module's, like sum_rows_partials above; windows that
// do not overlap (CudaNnKernels.maxPoolBackward), windows of more than MAX_POOL_NO_ARGMAX positions, or images with
// more outputs than the scratch holds take max_pool_backward (one pass: each element scans the earlier positions of
// the windows whose maximum it equals).
#define MAX_POOL_ARGMAX_SCRATCH (1 << 22)
#define MAX_POOL_NO_ARGMAX 0xffff

__device__ unsigned short max_pool_argmaxes[MAX_POOL_ARGMAX_SCRATCH];

extern "C" __global__ void max_pool_argmax(const float* in, const float* out, int first, int images, int inH,
                                           int inW, int channels, int kH, int kW, int strideH, int strideW,
                                           int padH, int padW, int outH, int outW) {
    long long total = (long long) images * outH * outW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, outH, outW, channels);
        int c = at.c, ox = at.x, oy = at.y;
        long long local = at.n;
        long long n = first + local;
        Extent ys = extent(oy, kH, strideH, padH, inH), xs = extent(ox, kW, strideW, padW, inW);
        float m = out[(long long) first * outH * outW * channels + i];
        unsigned short code = MAX_POOL_NO_ARGMAX;
        for (int y = ys.begin; y < ys.end && code == MAX_POOL_NO_ARGMAX; y++) {
            const float* row = in + (n * inH + y) * (long long) inW * channels + c;
            for (int x = xs.begin; x < xs.end; x++) {
                if (row[(long long) x * channels] == m) {
                    code = (unsigned short) ((y - ys.origin) * kW + (x - xs.origin));
                    break;
                }
            }
        }
        max_pool_argmaxes[i] = code;
    }
}

extern "C" __global__ void max_pool_backward_gather(const float* gradOut, float* gradIn, int first, int images,
                                                    int inH, int inW, int channels, int kH, int kW, int strideH,
                                                    int strideW, int padH, int padW, int outH, int outW) {
    long long total = (long long) images * inH * inW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, inH, inW, channels);
        int c = at.c, x = at.x, y = at.y;
        long long local = at.n;
        long long n = first + local;
        int yp = y + padH;
        int xp = x + padW;
        Covering oys = covering(yp, kH, strideH, outH), oxs = covering(xp, kW, strideW, outW);
        float acc = 0.0f;
        for (int oy = oys.first; oy <= oys.last; oy++) {
            int dy = (yp - oy * strideH) * kW;
            for (int ox = oxs.first; ox <= oxs.last; ox++) {
                long long w = (local * outH + oy) * outW + ox;
                if (max_pool_argmaxes[w * channels + c] == dy + (xp - ox * strideW)) {
                    acc += gradOut[((n * outH + oy) * outW + ox) * channels + c];
                }
            }
        }
        gradIn[(long long) first * inH * inW * channels + i] = acc;
    }
}

// The one-pass form (see above). Overwrites gradIn. One thread per input element.
extern "C" __global__ void max_pool_backward(const float* in, const float* out, const float* gradOut, float* gradIn,
                                             int batch, int inH, int inW, int channels, int kH, int kW, int strideH,
                                             int strideW, int padH, int padW, int outH, int outW) {
    long long total = (long long) batch * inH * inW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, inH, inW, channels);
        int c = at.c, x = at.x, y = at.y;
        long long n = at.n;
        int yp = y + padH;
        int xp = x + padW;
        Covering oys = covering(yp, kH, strideH, outH), oxs = covering(xp, kW, strideW, outW);
        float v = in[i];
        float acc = 0.0f;
        for (int oy = oys.first; oy <= oys.last; oy++) {
            int yBegin = extent(oy, kH, strideH, padH, inH).begin;
            for (int ox = oxs.first; ox <= oxs.last; ox++) {
                long long o = ((n * outH + oy) * outW + ox) * channels + c;
                float m = out[o];
                if (v != m) {
                    continue;
                }
                Extent xs = extent(ox, kW, strideW, padW, inW);
                bool first = true;
                for (int yy = yBegin; yy <= y && first; yy++) {
                    const float* row = in + (n * inH + yy) * (long long) inW * channels + c;
                    int xe = yy == y ? x : xs.end;
                    for (int xx = xs.begin; xx < xe; xx++) {
                        if (row[(long long) xx * channels] == m) {
                            first = false;
                            break;
                        }
                    }
                }
                if (first) {
                    acc += gradOut[o];
                }
            }
        }
        gradIn[i] = acc;
    }
}

// out[n, oy, ox, c] = (sum over the window's input positions, row-major, of in[n, y, x, c]) * scale, with
// scale = 1 / (k_h*k_w): padding counts as zero. One thread per output element.
extern "C" __global__ void avg_pool_forward(const float* in, float* out, int batch, int inH, int inW, int channels,
                                            int kH, int kW, int strideH, int strideW, int padH, int padW,
                                            int outH, int outW, float scale) {
    long long total = (long long) batch * outH * outW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, outH, outW, channels);
        int c = at.c, ox = at.x, oy = at.y;
        long long n = at.n;
        Extent ys = extent(oy, kH, strideH, padH, inH), xs = extent(ox, kW, strideW, padW, inW);
        float sum = 0.0f;
        for (int y = ys.begin; y < ys.end; y++) {
            const float* row = in + (n * inH + y) * (long long) inW * channels + c;
            for (int x = xs.begin; x < xs.end; x++) {
                sum += row[(long long) x * channels];
            }
        }
        out[i] = __fmul_rn(sum, scale);
    }
}

// gradIn[n, y, x, c] = sum over the windows (oy, ox) containing (y, x), oy then ox ascending, of
// gradOut[n, oy, ox, c] * scale (product rounded before the add, as on the CPU). Overwrites gradIn.
extern "C" __global__ void avg_pool_backward(const float* gradOut, float* gradIn, int batch, int inH, int inW,
                                             int channels, int kH, int kW, int strideH, int strideW, int padH,
                                             int padW, int outH, int outW, float scale) {
    long long total = (long long) batch * inH * inW * channels;
    GRID_LOOP(i, total) {
        Nhwc at = nhwc_of(i, inH, inW, channels);
        int c = at.c, x = at.x, y = at.y;
        long long n = at.n;
        int yp = y + padH;
        int xp = x + padW;
        Covering oys = covering(yp, kH, strideH, outH), oxs = covering(xp, kW, strideW, outW);
        float acc = 0.0f;
        for (int oy = oys.first; oy <= oys.last; oy++) {
            const float* row = gradOut + (n * outH + oy) * (long long) outW * channels + c;
            for (int ox = oxs.first; ox <= oxs.last; ox++) {
                acc = __fadd_rn(acc, __fmul_rn(row[(long long) ox * channels], scale));
            }
        }
        gradIn[i] = acc;
    }
}

// Softmax cross-entropy, one thread per row r, in double with the row's max m subtracted:
// l = log(sum_c exp(z_c - m)) - (z_y - m); stats[3r] = (float) l, stats[3r+1] = (float) (l - stats[3r]),
// stats[3r+2] = (first arg-max == y); grad[r][c] = (float) ((exp(z_c - m) / sum - [c == y]) / rows) when
// grad is not null.
extern "C" __global__ void softmax_cross_entropy(const float* logits, const float* labels, int rows, int classes,
                                                 float* grad, float* stats) {
    GRID_LOOP(r, (long long) rows) {
        const float* z = logits + r * classes;
        int label = (int) labels[r];
        double m = __longlong_as_double((long long) 0xfff0000000000000ull);
        int argmax = 0;
        for (int c = 0; c < classes; c++) {
            double v = z[c];
            if (v > m) {
                m = v;
                argmax = c;
            }
        }
        double sum = 0.0;
        for (int c = 0; c < classes; c++) {
            sum += exp((double) z[c] - m);
        }
        double loss = log(sum) - ((double) z[label] - m);
        float head = (float) loss;
        stats[3 * r] = head;
        stats[3 * r + 1] = (float) (loss - (double) head);
        stats[3 * r + 2] = argmax == label ? 1.0f : 0.0f;
        if (grad != nullptr) {
            float* g = grad + r * classes;
            for (int c = 0; c < classes; c++) {
                double prob = exp((double) z[c] - m) / sum;
                g[c] = (float) ((prob - (c == label ? 1.0 : 0.0)) / rows);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Optimizer updates (CudaOptimizerKernels): the host optimizers' arithmetic per element in double, each
// operation rounded on its own (__dmul_rn/__dadd_rn/__ddiv_rn/__dsqrt_rn never contract into an FMA), in
// the order Java evaluates Sgd.update and Adam.update, then rounded to float: the same bits as the host.

// SGD: g' = g + wd*w; mu == 0: w -= lr*g'; else v = mu*v + g', w -= lr*(nesterov ? g' + mu*v : v).
extern "C" __global__ void sgd_update(float* w, const float* g, float* v, long long n, double lr, double mu,
                                      int nesterov, double wd) {
    GRID_LOOP(i, n) {
        double wi = (double) w[i];
        double gi = __dadd_rn((double) g[i], __dmul_rn(wd, wi));
        double d = gi;
        if (v != nullptr) {
            double vi = __dadd_rn(__dmul_rn(mu, (double) v[i]), gi);
            v[i] = __double2float_rn(vi);
            d = nesterov ? __dadd_rn(gi, __dmul_rn(mu, vi)) : vi;
        }
        w[i] = __double2float_rn(__dadd_rn(wi, -__dmul_rn(lr, d)));
    }
}

// Adam: g' = g + wd*w; m = b1*m + (1-b1)*g'; v = b2*v + (1-b2)*g'*g'; w -= lr*(m/c1)/(sqrt(v/c2) + eps).
extern "C" __global__ void adam_update(float* w, const float* g, float* m, float* v, long long n, double lr,
                                       double b1, double oneMinusB1, double b2, double oneMinusB2, double eps,
                                       double wd, double c1, double c2) {
    GRID_LOOP(i, n) {
        double wi = (double) w[i];
        double gi = __dadd_rn((double) g[i], __dmul_rn(wd, wi));
        double mi = __dadd_rn(__dmul_rn(b1, (double) m[i]), __dmul_rn(oneMinusB1, gi));
        double vi = __dadd_rn(__dmul_rn(b2, (double) v[i]), __dmul_rn(__dmul_rn(oneMinusB2, gi), gi));
        m[i] = __double2float_rn(mi);
        v[i] = __double2float_rn(vi);
        double step = __ddiv_rn(__dmul_rn(lr, __ddiv_rn(mi, c1)), __dadd_rn(__dsqrt_rn(__ddiv_rn(vi, c2)), eps));
        w[i] = __double2float_rn(__dadd_rn(wi, -step));
    }
}

// out[i] = a[i] + b[i] (residual addition and gradient accumulation; out may alias a or b).
extern "C" __global__ void add_floats(const float* a, const float* b, float* out, long long n) {
    GRID_LOOP(i, n) {
        out[i] = a[i] + b[i];
    }
}

// Channel copy (channel concatenation, forward into and backward out of a channel range):
// dst[p*dstStride + dstOffset + c] = src[p*srcStride + srcOffset + c] for p < pixels, c < channels; the rest of
// dst is untouched. One thread per copied element (V elements: channels, strides and offsets multiples of V).
template <int V>
__device__ __forceinline__ void copy_channels_body(const float* src, int srcStride, int srcOffset, float* dst,
                                                   int dstStride, int dstOffset, long long pixels, int channels) {
    int packs = channels / V;
    GRID_LOOP(t, pixels * packs) {
        long long p = div_ll(t, packs);
        int c = (int) (t - p * packs) * V;
        store<V>(dst + p * dstStride + dstOffset + c, load<V>(src + p * srcStride + srcOffset + c));
    }
}

extern "C" __global__ void copy_channels(const float* src, int srcStride, int srcOffset, float* dst, int dstStride,
                                         int dstOffset, long long pixels, int channels) {
    copy_channels_body<1>(src, srcStride, srcOffset, dst, dstStride, dstOffset, pixels, channels);
}

extern "C" __global__ void copy_channels4(const float* src, int srcStride, int srcOffset, float* dst, int dstStride,
                                          int dstOffset, long long pixels, int channels) {
    copy_channels_body<4>(src, srcStride, srcOffset, dst, dstStride, dstOffset, pixels, channels);
}

// ---------------------------------------------------------------------------------------------------
// Batch normalisation over a rows x channels array (NHWC, rows = n*h*w), as CpuBatchNorm.
// Per-channel sums in two levels like the row sums above (blocks of exactly 256 threads: 32 channel
// lanes x 8 row lanes, double, a fixed tree): bn_sums_partial's block (tile, chunk) sums its chunk of rows,
// writing the outputs directly when there is one chunk, else its rows of bn_partials; bn_sums_final adds
// the chunks in order. What is summed depends on `mode`:
//   0: s1 = x                                          (the mean, scale 1/rows)
//   1: s1 = (x - mean)^2                               (the biased variance, scale 1/rows)
//   2: s1 = dy, s2 = dy * (x - mean) / sqrt(var + eps)  (gradBeta and gradGamma, scale 1)
// ---------------------------------------------------------------------------------------------------

__device__ double bn_partials[2 * SUM_ROWS_SCRATCH];

__device__ __forceinline__ void bn_store(int chunks, int chunk, int channels, int c, double s1, double s2,
                                         float scale, float* out1, float* out2) {
    if (chunks == 1) {
        out1[c] = (float) (s1 * scale);
        if (out2 != 0) {
            out2[c] = (float) (s2 * scale);
        }
    } else {
        bn_partials[(long long) chunk * channels + c] = s1;
        bn_partials[SUM_ROWS_SCRATCH + (long long) chunk * channels + c] = s2;
    }
}

extern "C" __global__ void bn_sums_partial(const float* x, const float* dy, const float* mean, const float* variance,
                                           float epsilon, long long rows, int channels, int chunks, int mode,
                                           float scale, float* out1, float* out2) {
    __shared__ double part[SUM_ROWS_ROW_LANES][SUM_ROWS_LANES];
    RowChunk rc = row_chunk(rows, channels, chunks);
    int chunk = rc.chunk;
    long long r0 = rc.r0;
    long long r1 = rc.r1;
    int c = rc.c;
    int rowLane = threadIdx.x / SUM_ROWS_LANES;
    double s1 = 0.0;
    double s2 = 0.0;
    if (c < channels) {
        float m = mode == 0 ? 0.0f : mean[c];
        double inv = mode == 2 ? 1.0 / sqrt((double) variance[c] + (double) epsilon) : 0.0;
        for (long long r = r0 + rowLane; r < r1; r += SUM_ROWS_ROW_LANES) {
            long long i = r * channels + c;
            if (mode == 0) {
                s1 += (double) x[i];
            } else if (mode == 1) {
                double d = (double) x[i] - (double) m;
                s1 += d * d;
            } else {
                double g = (double) dy[i];
                s1 += g;
                s2 += g * ((double) (x[i] - m) * inv);
            }
        }
    }
    s1 = row_lane_sum(s1, part);
    s2 = row_lane_sum(s2, part);
    if (threadIdx.x < SUM_ROWS_LANES && c < channels) {
        bn_store(chunks, chunk, channels, c, s1, s2, scale, out1, out2);
    }
}

extern "C" __global__ void bn_sums_final(int chunks, int channels, float scale, float* out1, float* out2) {
    __shared__ double part[SUM_ROWS_ROW_LANES][SUM_ROWS_LANES];
    int c = blockIdx.x * SUM_ROWS_LANES + threadIdx.x % SUM_ROWS_LANES;
    int rowLane = threadIdx.x / SUM_ROWS_LANES;
    double s1 = 0.0;
    double s2 = 0.0;
    if (c < channels) {
        for (int p = rowLane; p < chunks; p += SUM_ROWS_ROW_LANES) {
            s1 += bn_partials[(long long) p * channels + c];
            s2 += bn_partials[SUM_ROWS_SCRATCH + (long long) p * channels + c];
        }
    }
    s1 = row_lane_sum(s1, part);
    s2 = row_lane_sum(s2, part);
    if (threadIdx.x < SUM_ROWS_LANES && c < channels) {
        bn_store(1, 0, channels, c, s1, s2, scale, out1, out2);
    }
}

// The element-wise passes of batch normalisation: a block of threads covers `rowsPerPass` rows at a time,
// `lanes` threads per row, each thread V consecutive channels (V = 4: channels % 4 == 0, one 16-byte access),
// and walks down the rows with a grid stride. A thread computes its channels' coefficients once (in double, as
// the CPU does) and applies them to every row it visits, so no element pays for a division, a square root or a
// 64-bit remainder. Blocks of exactly BN_ELEMENTWISE_THREADS threads.
#define BN_ELEMENTWISE_THREADS 256

struct BnLanes {
    int lanes, lane, rowsPerPass, rowLane;
};

__device__ __forceinline__ BnLanes bn_lanes(int packs) {
    BnLanes b;
    b.lanes = packs < BN_ELEMENTWISE_THREADS ? packs : BN_ELEMENTWISE_THREADS;
    b.rowsPerPass = BN_ELEMENTWISE_THREADS / b.lanes;
    b.lane = threadIdx.x % b.lanes;
    b.rowLane = threadIdx.x / b.lanes;
    return b;
}

// out = gamma * (in - mean) / sqrt(variance + epsilon) + beta, per channel.
template <int V>
__device__ __forceinline__ void batch_norm_forward_body(const float* in, long long rows, int channels,
                                                        const float* mean, const float* variance, float epsilon,
                                                        const float* gamma, const float* beta, float* out) {
    BnLanes b = bn_lanes(channels / V);
    if (b.rowLane >= b.rowsPerPass) {
        return;
    }
    for (int p = b.lane; p < channels / V; p += b.lanes) {
        int c0 = p * V;
        float scale[V], m[V], shift[V];
#pragma unroll
        for (int j = 0; j < V; j++) {
            scale[j] = (float) ((double) gamma[c0 + j] / sqrt((double) variance[c0 + j] + (double) epsilon));
            m[j] = mean[c0 + j];
            shift[j] = beta[c0 + j];
        }
        for (long long r = (long long) blockIdx.x * b.rowsPerPass + b.rowLane; r < rows;
             r += (long long) gridDim.x * b.rowsPerPass) {
            Pack<V> x = load<V>(in + r * channels + c0);
#pragma unroll
            for (int j = 0; j < V; j++) {
                x.a[j] = (x.a[j] - m[j]) * scale[j] + shift[j];
            }
            store<V>(out + r * channels + c0, x);
        }
    }
}

extern "C" __global__ void batch_norm_forward(const float* in, long long rows, int channels, const float* mean,
                                              const float* variance, float epsilon, const float* gamma,
                                              const float* beta, float* out) {
    batch_norm_forward_body<1>(in, rows, channels, mean, variance, epsilon, gamma, beta, out);
}

extern "C" __global__ void batch_norm_forward4(const float* in, long long rows, int channels, const float* mean,
                                               const float* variance, float epsilon, const float* gamma,
                                               const float* beta, float* out) {
    batch_norm_forward_body<4>(in, rows, channels, mean, variance, epsilon, gamma, beta, out);
}

// gradIn = gamma * inv * (dy - gradBeta / rows - xhat * gradGamma / rows), xhat = (in - mean) * inv.
template <int V>
__device__ __forceinline__ void batch_norm_backward_input_body(const float* in, const float* gradOut, long long rows,
                                                               int channels, const float* mean,
                                                               const float* variance, float epsilon,
                                                               const float* gamma, const float* gradGamma,
                                                               const float* gradBeta, float* gradIn) {
    BnLanes b = bn_lanes(channels / V);
    if (b.rowLane >= b.rowsPerPass) {
        return;
    }
    for (int p = b.lane; p < channels / V; p += b.lanes) {
        int c0 = p * V;
        double inv[V], scale[V], gb[V], gg[V];
        float m[V];
#pragma unroll
        for (int j = 0; j < V; j++) {
            inv[j] = 1.0 / sqrt((double) variance[c0 + j] + (double) epsilon);
            scale[j] = (double) gamma[c0 + j] * inv[j];
            gb[j] = (double) gradBeta[c0 + j] / rows;
            gg[j] = (double) gradGamma[c0 + j] / rows;
            m[j] = mean[c0 + j];
        }
        for (long long r = (long long) blockIdx.x * b.rowsPerPass + b.rowLane; r < rows;
             r += (long long) gridDim.x * b.rowsPerPass) {
            Pack<V> x = load<V>(in + r * channels + c0);
            Pack<V> dy = load<V>(gradOut + r * channels + c0);
#pragma unroll
            for (int j = 0; j < V; j++) {
                double xhat = (double) (x.a[j] - m[j]) * inv[j];
                x.a[j] = (float) (scale[j] * ((double) dy.a[j] - gb[j] - xhat * gg[j]));
            }
            store<V>(gradIn + r * channels + c0, x);
        }
    }
}

extern "C" __global__ void batch_norm_backward_input(const float* in, const float* gradOut, long long rows,
                                                     int channels, const float* mean, const float* variance,
                                                     float epsilon, const float* gamma, const float* gradGamma,
                                                     const float* gradBeta, float* gradIn) {
    batch_norm_backward_input_body<1>(in, gradOut, rows, channels, mean, variance, epsilon, gamma, gradGamma,
                                      gradBeta, gradIn);
}

extern "C" __global__ void batch_norm_backward_input4(const float* in, const float* gradOut, long long rows,
                                                      int channels, const float* mean, const float* variance,
                                                      float epsilon, const float* gamma, const float* gradGamma,
                                                      const float* gradBeta, float* gradIn) {
    batch_norm_backward_input_body<4>(in, gradOut, rows, channels, mean, variance, epsilon, gamma, gradGamma,
                                      gradBeta, gradIn);
}

// deltaMean = momentum * (mean - runningMean); deltaMeanSquare = momentum * (variance + mean^2 - runningMeanSquare).
extern "C" __global__ void running_statistics_delta(const float* mean, const float* variance, const float* runningMean,
                                                    const float* runningMeanSquare, float momentum, int channels,
                                                    float* deltaMean, float* deltaMeanSquare) {
    GRID_LOOP(c, (long long) channels) {
        double m = (double) mean[c];
        deltaMean[c] = (float) (momentum * (m - (double) runningMean[c]));
        deltaMeanSquare[c] = (float) (momentum * ((double) variance[c] + m * m - (double) runningMeanSquare[c]));
    }
}

// variance = max(0, runningMeanSquare - runningMean^2).
extern "C" __global__ void running_variance(const float* runningMean, const float* runningMeanSquare, int channels,
                                            float* variance) {
    GRID_LOOP(c, (long long) channels) {
        double m = (double) runningMean[c];
        double v = (double) runningMeanSquare[c] - m * m;
        variance[c] = (float) (v > 0.0 ? v : 0.0);
    }
}
