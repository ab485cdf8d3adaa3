// MEC's window products as fused tiled GEMM kernels (CudaMecWindowKernels), compiled by NVRTC after
// mec_kernels.cu (same conventions: row-major, NHWC, offsets in floats, no atomics).
//
// One FP32 SIMT GEMM core, C (rows x cols) = sum over a reduction index r of A(row, r) * B(r, col), with
// three operand mappings (the "modes"), so that no operand is ever copied or permuted:
//   MEC_FORWARD  rows m = (n, h, w) of the NHWC output, cols = k_c, r over the window (k_h*k_w*i_c):
//                A(m, r) = L[(n*o_w + w)*lda + h*s_h*k_w*i_c + r], B(r, c) = K[r*k_c + c].
//   MEC_FORWARD_INPUT  the same product without L: with r = kh*k_w*i_c + e, L's element is input pixel
//                (h*s_h + kh - p_h, w*s_w + e / i_c - p_w), channel e % i_c (0 in the padding), and the
//                loader reads it there (A = the NHWC input). Used where i_c % 4 != 0 (RGB layers), whose
//                lowering pass is slow (a third of the forward); elsewhere the loader's index arithmetic
//                costs more than the lowering (measured: docs/gpu.md).
//   MEC_DKERNEL  rows = the window position r' in [0, k_h*k_w*i_c), cols = k_c, r over all output rows m:
//                A(r', m) = L[rowbase(m) + r'] (window m's column r'), B(m, c) = dO[m*k_c + c].
//   MEC_DLOWERED blockIdx.z = the padded input row hp of L; rows = (n, w), cols e in [0, k_w*i_c), r over
//                (h, c) for the windows h that cover hp (h*s_h <= hp < h*s_h + k_h), c over k_c:
//                A((n,w), (h,c)) = dO[((n*o_h + h)*o_w + w)*k_c + c], B((h,c), e) = K[((hp - h*s_h)*k_w*i_c + e)*k_c + c];
//                C = dL[(n*o_w + w)*lda + hp*k_w*i_c + e]. Each element of dL is written once, by one thread,
//                as a gather over the windows that cover it: overlapping windows need no atomics.
// Tiles of BM x BN outputs per block of (BM/TM)*(BN/TN) threads, TM x TN outputs per thread in registers,
// BK reduction steps per shared-memory stage, two stages (the next stage is loaded into registers while
// the current one is multiplied). Loads move 4 floats per thread (one 16-byte load where the layer's
// alignment allows it, flagged by vec, else 4 scalar loads), zero beyond the operands' bounds.
//
// Split-K (forward and dK): blockIdx.z = split z computes the reduction range [z*splitLen, (z+1)*splitLen)
// and, when gridDim.z > 1, writes its partial result to C + z*rows*cols (same layout as the final result);
// mec_sum_splits then adds the splits in ascending order (and the bias). The sum order is fixed by the
// tile shape and the split count, which the host chooses from the shape alone: the same bits every run.

#define MEC_FORWARD 0
#define MEC_DKERNEL 1
#define MEC_DLOWERED 2
#define MEC_FORWARD_INPUT 3

struct MecShape {
    int batch, outH, outW, outC, span, strideH, kH, paddedH;
    long long lda;
    int inH, inW, inC, strideW, padH, padW;
};

// TF32 tensor cores (MATH == 1): mma.sync m16n8k8 with operands rounded to TF32 (cvt.rna), FP32 accumulation.
__device__ __forceinline__ unsigned to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ void mma_tf32(float* d, const unsigned* a, const unsigned* b) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// A thread's position in a reduction index r = q*period + c, kept as (q, c) with an operand offset off whose
// stride is cStride in c and rowStride in q, moved `by` steps forward without dividing.
__device__ __forceinline__ void mec_step(long long& off, int& q, int& c, int by, int period, long long cStride,
                                         long long rowStride) {
    c += by;
    off += by * cStride;
    while (c >= period) {
        c -= period;
        q++;
        off += rowStride - period * cStride;
    }
}

// The reduction range [rBegin, rEnd) of this block. The lowered gradient (lowered true): blockIdx.z is the padded input
// row hp of L, and the range covers (h, c) for the windows hlo.. that cover it ((h - hlo)*k_c + c; empty where none
// does). The others: split blockIdx.z of splitLen steps when the grid has several, else all of it (hlo = hp = 0).
__device__ __forceinline__ void mec_reduction_range(bool lowered, long long reduction, long long splitLen,
                                                    const MecShape& s, long long& rBegin, long long& rEnd, int& hlo,
                                                    int& hp) {
    rBegin = 0;
    rEnd = reduction;
    hlo = hp = 0;
    if (lowered) {
        hp = blockIdx.z;
        hlo = hp < s.kH ? 0 : (hp - s.kH + s.strideH) / s.strideH;
        int hhi = hp / s.strideH;
        if (hhi > s.outH - 1) hhi = s.outH - 1;
        rEnd = hhi >= hlo ? (long long) (hhi - hlo + 1) * s.outC : 0;
    } else if (gridDim.z > 1) {
        rBegin = (long long) blockIdx.z * splitLen;
        long long e = rBegin + splitLen;
        rEnd = e < reduction ? e : reduction;
    }
}

template <int MODE, int BM, int BN, int BK, int TM, int TN, int MATH = 0, int SPLIT = 0>
__device__ __forceinline__ void mec_gemm(const float* __restrict__ A, const float* __restrict__ B,
                                         float* __restrict__ C, const float* __restrict__ bias, long long rows,
                                         int cols, long long reduction, long long splitLen, int vecA, int vecB,
                                         int vecC, MecShape s) {
    constexpr int NT = (BM / TM) * (BN / TN);
    constexpr int AG = BM * BK / 4;  // 4-float groups of an A stage
    constexpr int BG = BN * BK / 4;
    constexpr int AL = (AG + NT - 1) / NT;
    constexpr int BL = (BG + NT - 1) / NT;
    constexpr int PAD = 4;
    __shared__ __align__(16) float As[2][BK][BM + PAD];
    __shared__ __align__(16) float Bs[2][BK][BN + PAD];

    const int tid = threadIdx.x;
    const int tx = tid % (BN / TN);
    const int ty = tid / (BN / TN);
    // A thread's outputs: rows ty*TM + i and columns tx*TN + j (SPLIT = 0), or, with SPLIT = 1, groups of 4
    // rows (columns) one (BM*4/TM) apart, so that the 16-byte shared-memory reads of a warp's threads are
    // consecutive (no bank conflicts with TN = 8).
    auto tileRow = [&](int i) { return SPLIT ? (i / 4) * (BM * 4 / TM) + ty * 4 + i % 4 : ty * TM + i; };
    auto tileCol = [&](int j) { return SPLIT ? (j / 4) * (BN * 4 / TN) + tx * 4 + j % 4 : tx * TN + j; };
    const long long row0 = (long long) blockIdx.x * BM;
    const int col0 = blockIdx.y * BN;

    // The reduction range of this block.
    long long rBegin, rEnd;
    int hlo, hp;
    mec_reduction_range(MODE == MEC_DLOWERED, reduction, splitLen, s, rBegin, rEnd, hlo, hp);

    // Per-thread state of the loads. A thread loads the same 4-groups g = tid + l*NT of every stage, and stages
    // are loaded in order, BK reduction steps apart.
    // FORWARD/FORWARD_INPUT/DLOWERED A: group g -> tile row g / (BK/4), reduction offset (g % (BK/4))*4 (contiguous in r).
    // DKERNEL A: group g -> reduction offset g / (BM/4), tile rows (g % (BM/4))*4 (contiguous in rows).
    // Where an address depends on a quotient of the reduction index (DKERNEL: the output row (n, h, w) of r;
    // FORWARD_INPUT: the window row kh of r = kh*span + e; DLOWERED: dO's window h of r = h*k_c + c), the thread
    // keeps the quotient and remainder (aQ, aC) with the address (aOff) and moves them BK steps per stage
    // (mec_step): no load divides.
    long long aOff[AL];  // FORWARD: the window's first float in L; the others: the (first) element to load, as
                         // if the input had the padding (FORWARD_INPUT)
    int aQ[AL], aC[AL];  // DKERNEL: h, w; FORWARD_INPUT: the input row y0 + kh, e; DLOWERED: h - hlo, c
    int aX0C[AL];        // FORWARD_INPUT: x0*i_c of the window's first input column x0 (e + x0*i_c in [0, i_w*i_c): inside)
    bool aRowOk[AL];
#pragma unroll
    for (int l = 0; l < AL; l++) {
        int g = tid + l * NT;
        aOff[l] = 0;
        aQ[l] = aC[l] = aX0C[l] = 0;
        aRowOk[l] = false;
        if (!(AG % NT == 0 || g < AG)) continue;
        if (MODE == MEC_DKERNEL) {
            long long r = rBegin + g / (BM / 4);
            long long ohw = (long long) s.outH * s.outW;
            long long n = r / ohw;
            int rem = (int) (r - n * ohw);
            aQ[l] = rem / s.outW;
            aC[l] = rem - aQ[l] * s.outW;
            aOff[l] = (n * s.outW + aC[l]) * s.lda + (long long) aQ[l] * s.strideH * s.span + row0 + (g % (BM / 4)) * 4;
            continue;
        }
        long long m = row0 + g / (BK / 4);
        aRowOk[l] = m < rows;
        if (!aRowOk[l]) continue;
        long long r = rBegin + (g % (BK / 4)) * 4;
        if (MODE == MEC_FORWARD || MODE == MEC_FORWARD_INPUT) {
            long long ohw = (long long) s.outH * s.outW;
            long long n = m / ohw;
            int rem = (int) (m - n * ohw);
            int h = rem / s.outW;
            int w = rem - h * s.outW;
            if (MODE == MEC_FORWARD) {
                aOff[l] = (n * s.outW + w) * s.lda + (long long) h * s.strideH * s.span;
            } else {
                int x0 = w * s.strideW - s.padW, y0 = h * s.strideH - s.padH;
                int kh = (int) (r / s.span);
                aC[l] = (int) (r - (long long) kh * s.span);
                aQ[l] = y0 + kh;
                aX0C[l] = x0 * s.inC;
                aOff[l] = ((n * s.inH + aQ[l]) * s.inW + x0) * (long long) s.inC + aC[l];
            }
        } else {
            long long n = m / s.outW;
            int w = (int) (m - n * s.outW);
            aQ[l] = (int) (r / s.outC);
            aC[l] = (int) (r - (long long) aQ[l] * s.outC);
            aOff[l] = ((n * s.outH + hlo + aQ[l]) * s.outW + w) * s.outC + aC[l];
        }
    }
    // DLOWERED B: group g -> tile col e = g / (BK/4), reduction offset (g % (BK/4))*4, r = h*k_c + c as for A,
    // with K's row kh = hp - (hlo + h)*s_h (one s_h*span*k_c back per step of h).
    // FORWARD/DKERNEL B: group g -> reduction offset g / (BN/4), cols (g % (BN/4))*4 (no state).
    long long bOff[BL];
    int bQ[BL], bC[BL];
#pragma unroll
    for (int l = 0; l < BL; l++) {
        int g = tid + l * NT;
        bOff[l] = 0;
        bQ[l] = bC[l] = 0;
        if (MODE == MEC_DLOWERED && (BG % NT == 0 || g < BG)) {
            int e = col0 + g / (BK / 4);
            int r = (g % (BK / 4)) * 4;
            bQ[l] = r / s.outC;
            bC[l] = r - bQ[l] * s.outC;
            int kh = hp - (hlo + bQ[l]) * s.strideH;
            bOff[l] = ((long long) kh * s.span + e) * s.outC + bC[l];
        }
    }
    const long long dlARowStride = (long long) s.outW * s.outC;            // DLOWERED A: dO's offset per window h
    const long long dlBRowStride = -(long long) s.strideH * s.span * s.outC;  // DLOWERED B: K's offset per window h

    float4 aReg[AL], bReg[BL];

    // Loads the stage at reduction index r0 (= rBegin + t*BK for the t-th call) and moves the cursors to the next.
    auto loadA = [&](long long r0) {
#pragma unroll
        for (int l = 0; l < AL; l++) {
            int g = tid + l * NT;
            float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
            if (AG % NT == 0 || g < AG) {
                if (MODE == MEC_DKERNEL) {
                    long long r = r0 + g / (BM / 4);
                    long long i = row0 + (g % (BM / 4)) * 4;
                    if (r < rEnd) {
                        const float* p = A + aOff[l];
                        if (vecA && i + 3 < rows) {
                            v = *reinterpret_cast<const float4*>(p);
                        } else {
                            if (i < rows) v.x = p[0];
                            if (i + 1 < rows) v.y = p[1];
                            if (i + 2 < rows) v.z = p[2];
                            if (i + 3 < rows) v.w = p[3];
                        }
                    }
                    // r = (n*o_h + h)*o_w + w: w steps L's windows (lda apart), h the window rows, n the images.
                    mec_step(aOff[l], aQ[l], aC[l], BK, s.outW, s.lda, (long long) s.strideH * s.span);
                    while (aQ[l] >= s.outH) {
                        aQ[l] -= s.outH;
                        aOff[l] += s.outW * s.lda - (long long) s.outH * s.strideH * s.span;
                    }
                } else if (aRowOk[l]) {
                    long long r = r0 + (g % (BK / 4)) * 4;
                    if (MODE == MEC_FORWARD) {
                        const float* p = A + aOff[l] + r;
                        if (vecA && r + 3 < rEnd) {
                            v = *reinterpret_cast<const float4*>(p);
                        } else {
                            if (r < rEnd) v.x = p[0];
                            if (r + 1 < rEnd) v.y = p[1];
                            if (r + 2 < rEnd) v.z = p[2];
                            if (r + 3 < rEnd) v.w = p[3];
                        }
                    } else if (MODE == MEC_FORWARD_INPUT) {
                        // Window column r = kh*span + e of output row m is input pixel (y0 + kh, x0 + e / i_c),
                        // channel e % i_c: L's element, read where the input holds it (0 in the padding).
                        const int rowFloats = s.inW * s.inC;
                        if (r < rEnd) {
                            if (vecA) {  // i_c % 4 == 0: the 4 floats are 4 channels of one pixel
                                int y = aQ[l], x = aC[l] + aX0C[l];
                                if (y >= 0 && y < s.inH && x >= 0 && x < rowFloats) {
                                    v = *reinterpret_cast<const float4*>(A + aOff[l]);
                                }
                            } else {
                                float t[4] = {0.f, 0.f, 0.f, 0.f};
                                long long off = aOff[l];
                                int y = aQ[l], e = aC[l];
#pragma unroll
                                for (int j = 0; j < 4; j++) {
                                    int x = e + aX0C[l];
                                    if (r + j < rEnd && y >= 0 && y < s.inH && x >= 0 && x < rowFloats) t[j] = A[off];
                                    mec_step(off, y, e, 1, s.span, 1, rowFloats);
                                }
                                v = make_float4(t[0], t[1], t[2], t[3]);
                            }
                        }
                        mec_step(aOff[l], aQ[l], aC[l], BK, s.span, 1, rowFloats);
                    } else {
                        if (vecA) {  // k_c % 4 == 0: the 4 floats are 4 channels of one window h
                            if (r < rEnd) v = *reinterpret_cast<const float4*>(A + aOff[l]);
                        } else {
                            float t[4] = {0.f, 0.f, 0.f, 0.f};
                            long long off = aOff[l];
                            int q = aQ[l], c = aC[l];
#pragma unroll
                            for (int j = 0; j < 4; j++) {
                                if (r + j < rEnd) t[j] = A[off];
                                mec_step(off, q, c, 1, s.outC, 1, dlARowStride);
                            }
                            v = make_float4(t[0], t[1], t[2], t[3]);
                        }
                        mec_step(aOff[l], aQ[l], aC[l], BK, s.outC, 1, dlARowStride);
                    }
                }
            }
            aReg[l] = v;
        }
    };
    auto storeA = [&](int buf) {
#pragma unroll
        for (int l = 0; l < AL; l++) {
            int g = tid + l * NT;
            if (AG % NT == 0 || g < AG) {
                if (MODE == MEC_DKERNEL) {
                    *reinterpret_cast<float4*>(&As[buf][g / (BM / 4)][(g % (BM / 4)) * 4]) = aReg[l];
                } else {
                    int m = g / (BK / 4), k = (g % (BK / 4)) * 4;
                    As[buf][k][m] = aReg[l].x;
                    As[buf][k + 1][m] = aReg[l].y;
                    As[buf][k + 2][m] = aReg[l].z;
                    As[buf][k + 3][m] = aReg[l].w;
                }
            }
        }
    };
    auto loadB = [&](long long r0) {
#pragma unroll
        for (int l = 0; l < BL; l++) {
            int g = tid + l * NT;
            float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
            if (BG % NT == 0 || g < BG) {
                if (MODE == MEC_DLOWERED) {
                    int e = col0 + g / (BK / 4);
                    long long r = r0 + (g % (BK / 4)) * 4;
                    if (e < cols) {
                        if (vecB) {
                            if (r < rEnd) v = *reinterpret_cast<const float4*>(B + bOff[l]);
                        } else {
                            float t[4] = {0.f, 0.f, 0.f, 0.f};
                            long long off = bOff[l];
                            int q = bQ[l], c = bC[l];
#pragma unroll
                            for (int j = 0; j < 4; j++) {
                                if (r + j < rEnd) t[j] = B[off];
                                mec_step(off, q, c, 1, s.outC, 1, dlBRowStride);
                            }
                            v = make_float4(t[0], t[1], t[2], t[3]);
                        }
                    }
                    mec_step(bOff[l], bQ[l], bC[l], BK, s.outC, 1, dlBRowStride);
                } else {
                    long long r = r0 + g / (BN / 4);
                    int c = col0 + (g % (BN / 4)) * 4;
                    if (r < rEnd) {
                        const float* p = B + r * cols + c;
                        if (vecB && c + 3 < cols) {
                            v = *reinterpret_cast<const float4*>(p);
                        } else {
                            if (c < cols) v.x = p[0];
                            if (c + 1 < cols) v.y = p[1];
                            if (c + 2 < cols) v.z = p[2];
                            if (c + 3 < cols) v.w = p[3];
                        }
                    }
                }
            }
            bReg[l] = v;
        }
    };
    auto storeB = [&](int buf) {
#pragma unroll
        for (int l = 0; l < BL; l++) {
            int g = tid + l * NT;
            if (BG % NT == 0 || g < BG) {
                if (MODE == MEC_DLOWERED) {
                    int e = g / (BK / 4), k = (g % (BK / 4)) * 4;
                    Bs[buf][k][e] = bReg[l].x;
                    Bs[buf][k + 1][e] = bReg[l].y;
                    Bs[buf][k + 2][e] = bReg[l].z;
                    Bs[buf][k + 3][e] = bReg[l].w;
                } else {
                    *reinterpret_cast<float4*>(&Bs[buf][g / (BN / 4)][(g % (BN / 4)) * 4]) = bReg[l];
                }
            }
        }
    };

    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = 0.f;

    long long steps = rEnd > rBegin ? (rEnd - rBegin + BK - 1) / BK : 0;
    if (steps > 0) {
        loadA(rBegin);
        loadB(rBegin);
        storeA(0);
        storeB(0);
        __syncthreads();
        for (long long t = 0; t < steps; t++) {
            int buf = (int) (t & 1);
            if (t + 1 < steps) {
                loadA(rBegin + (t + 1) * BK);
                loadB(rBegin + (t + 1) * BK);
            }
            if (MATH == 1) {
                // 4 warps x (32 x 32) of a 64 x 64 tile; per warp 2 x 4 tiles of m16 x n8, k in steps of 8.
                const int lane = tid % 32, warp = tid / 32, g = lane / 4, q = lane % 4;
                const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
#pragma unroll
                for (int k0 = 0; k0 < BK; k0 += 8) {
                    unsigned af[2][4], bf[4][2];
#pragma unroll
                    for (int mi = 0; mi < 2; mi++) {
                        int m = wm + mi * 16 + g;
                        af[mi][0] = to_tf32(As[buf][k0 + q][m]);
                        af[mi][1] = to_tf32(As[buf][k0 + q][m + 8]);
                        af[mi][2] = to_tf32(As[buf][k0 + q + 4][m]);
                        af[mi][3] = to_tf32(As[buf][k0 + q + 4][m + 8]);
                    }
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) {
                        bf[ni][0] = to_tf32(Bs[buf][k0 + q][wn + ni * 8 + g]);
                        bf[ni][1] = to_tf32(Bs[buf][k0 + q + 4][wn + ni * 8 + g]);
                    }
#pragma unroll
                    for (int mi = 0; mi < 2; mi++)
#pragma unroll
                        for (int ni = 0; ni < 4; ni++) mma_tf32(&acc[mi * 4 + ni][0], af[mi], bf[ni]);
                }
            } else
#pragma unroll
            for (int k = 0; k < BK; k++) {
                float a[TM], b[TN];
#pragma unroll
                for (int i = 0; i < TM; i += 4) {
                    float4 q = *reinterpret_cast<const float4*>(&As[buf][k][tileRow(i)]);
                    a[i] = q.x; a[i + 1] = q.y; a[i + 2] = q.z; a[i + 3] = q.w;
                }
#pragma unroll
                for (int j = 0; j < TN; j += 4) {
                    float4 q = *reinterpret_cast<const float4*>(&Bs[buf][k][tileCol(j)]);
                    b[j] = q.x; b[j + 1] = q.y; b[j + 2] = q.z; b[j + 3] = q.w;
                }
#pragma unroll
                for (int i = 0; i < TM; i++)
#pragma unroll
                    for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
            }
            if (t + 1 < steps) {
                storeA(buf ^ 1);
                storeB(buf ^ 1);
            }
            __syncthreads();
        }
    }

    // Epilogue: bias (forward, unsplit), bounds, 16-byte stores where aligned.
    bool partial = MODE != MEC_DLOWERED && gridDim.z > 1;
    float* out = partial ? C + (long long) blockIdx.z * rows * cols : C;
    bool addBias = (MODE == MEC_FORWARD || MODE == MEC_FORWARD_INPUT) && bias != nullptr && !partial;
    if (MATH == 1) {
        // mma's accumulator layout: element e of tile (mi, ni) is row g + 8*(e/2), column 2*q + e%2.
        const int lane = tid % 32, warp = tid / 32, g = lane / 4, q = lane % 4;
        const int wm = (warp / 2) * 32, wn = (warp % 2) * 32;
#pragma unroll
        for (int mi = 0; mi < 2; mi++)
#pragma unroll
            for (int half = 0; half < 2; half++) {
                long long m = row0 + wm + mi * 16 + g + 8 * half;
                if (m < rows) {
                    float* orow = MODE == MEC_DLOWERED ? out + m * s.lda + (long long) hp * s.span : out + m * cols;
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) {
#pragma unroll
                        for (int e = 0; e < 2; e++) {
                            int c = col0 + wn + ni * 8 + 2 * q + e;
                            if (c < cols) {
                                float v = acc[mi * 4 + ni][2 * half + e];
                                orow[c] = addBias ? v + bias[c] : v;
                            }
                        }
                    }
                }
            }
        return;
    }
#pragma unroll
    for (int i = 0; i < TM; i++) {
        long long m = row0 + tileRow(i);
        if (m >= rows) {
            if (SPLIT) continue;
            break;
        }
        float* orow;
        if (MODE == MEC_DLOWERED) {
            orow = out + m * s.lda + (long long) hp * s.span;
        } else {
            orow = out + m * cols;
        }
#pragma unroll
        for (int j = 0; j < TN; j += 4) {
            int c = col0 + tileCol(j);
            float4 v = make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
            if (addBias) {
                if (c < cols) v.x += bias[c];
                if (c + 1 < cols) v.y += bias[c + 1];
                if (c + 2 < cols) v.z += bias[c + 2];
                if (c + 3 < cols) v.w += bias[c + 3];
            }
            if (vecC && c + 3 < cols) {
                *reinterpret_cast<float4*>(orow + c) = v;
            } else {
                if (c < cols) orow[c] = v.x;
                if (c + 1 < cols) orow[c + 1] = v.y;
                if (c + 2 < cols) orow[c + 2] = v.z;
                if (c + 3 < cols) orow[c + 3] = v.w;
            }
        }
    }
}

// One extern "C" kernel per (mode, tile): mec_<mode>_<BM>x<BN>x<BK>_<TM>x<TN>.
#define MEC_KERNEL(name, MODE, BM, BN, BK, TM, TN) MEC_KERNEL_FULL(name, MODE, BM, BN, BK, TM, TN, 0, 0, 1)
#define MEC_KERNEL_MATH(name, MODE, BM, BN, BK, TM, TN, MATH) MEC_KERNEL_FULL(name, MODE, BM, BN, BK, TM, TN, MATH, 0, 1)
// SPLIT: the thread layout of mec_gemm; MINB: the blocks per multiprocessor the register budget must allow.
#define MEC_KERNEL_SPLIT(name, MODE, BM, BN, BK, TM, TN, MINB) MEC_KERNEL_FULL(name, MODE, BM, BN, BK, TM, TN, 0, 1, MINB)
#define MEC_KERNEL_FULL(name, MODE, BM, BN, BK, TM, TN, MATH, SPLIT, MINB)                                   \
    extern "C" __global__ void __launch_bounds__((BM / TM) * (BN / TN), MINB)                               \
    name(const float* A, const float* B, float* C, const float* bias, long long rows, int cols,               \
         long long reduction, long long splitLen, int vecA, int vecB, int vecC, int batch, int outH, int outW,  \
         int outC, int span, int strideH, int kH, int paddedH, long long lda, int inH, int inW, int inC,        \
         int strideW, int padH, int padW) {                                                                   \
        MecShape s{batch, outH, outW, outC, span, strideH, kH, paddedH, lda, inH, inW, inC, strideW, padH, padW}; \
        mec_gemm<MODE, BM, BN, BK, TM, TN, MATH, SPLIT>(A, B, C, bias, rows, cols, reduction, splitLen, vecA, vecB, vecC, s); \
    }

// The wide tile the backend uses for the backward products (CudaMecWindowKernels.WIDE; measured on an H200) and
// the forward's two tiles below; MEC_ALL_TILES compiles every tile for dev/gpu/prototype_mec_kernels.py's comparison.
#ifdef MEC_ALL_TILES
#define MEC_TILES(mode, MODE)                                              \
    MEC_KERNEL(mec_##mode##_64x64x16_8x4, MODE, 64, 64, 16, 8, 4)          \
    MEC_KERNEL(mec_##mode##_128x128x8_8x8, MODE, 128, 128, 8, 8, 8)        \
    MEC_KERNEL(mec_##mode##_128x64x8_8x4, MODE, 128, 64, 8, 8, 4)          \
    MEC_KERNEL(mec_##mode##_64x64x8_4x4, MODE, 64, 64, 8, 4, 4)            \
    MEC_KERNEL(mec_##mode##_128x128x16_8x8, MODE, 128, 128, 16, 8, 8)      \
    MEC_KERNEL(mec_##mode##_64x128x8_8x8, MODE, 64, 128, 8, 8, 8)          \
    MEC_KERNEL(mec_##mode##_32x64x16_4x4, MODE, 32, 64, 16, 4, 4)        \
    MEC_KERNEL(mec_##mode##_256x16x16_8x4, MODE, 256, 16, 16, 8, 4)      \
    MEC_KERNEL(mec_##mode##_128x64x16_8x8, MODE, 128, 64, 16, 8, 8)      \
    MEC_KERNEL(mec_##mode##_64x128x16_8x8, MODE, 64, 128, 16, 8, 8)      \
    MEC_KERNEL(mec_##mode##_64x64x32_8x4, MODE, 64, 64, 32, 8, 4)          \
    MEC_KERNEL_SPLIT(mec_##mode##_128x128x8_8x8s, MODE, 128, 128, 8, 8, 8, 2)   \
    MEC_KERNEL_SPLIT(mec_##mode##_128x128x16_8x8s, MODE, 128, 128, 16, 8, 8, 1) \
    MEC_KERNEL_SPLIT(mec_##mode##_128x64x16_8x8s, MODE, 128, 64, 16, 8, 8, 3)   \
    MEC_KERNEL_SPLIT(mec_##mode##_64x128x16_8x8s, MODE, 64, 128, 16, 8, 8, 3)   \
    MEC_KERNEL_SPLIT(mec_##mode##_128x64x8_8x8s, MODE, 128, 64, 8, 8, 8, 4)     \
    MEC_KERNEL_SPLIT(mec_##mode##_64x64x8_8x8s, MODE, 64, 64, 8, 8, 8, 6)       \
    MEC_KERNEL_SPLIT(mec_##mode##_64x64x16_8x4s, MODE, 64, 64, 16, 8, 4, 4)
#else
#define MEC_TILES(mode, MODE) MEC_KERNEL(mec_##mode##_64x64x16_8x4, MODE, 64, 64, 16, 8, 4)
#endif

MEC_TILES(forward, MEC_FORWARD)
MEC_TILES(forward_input, MEC_FORWARD_INPUT)
#ifndef MEC_ALL_TILES
// The FP32 forward's tiles (CudaMecWindowKernels.FORWARD and FORWARD_INPUT; measured on an H100, docs/gpu.md).
MEC_KERNEL_SPLIT(mec_forward_128x64x16_8x8s, MEC_FORWARD, 128, 64, 16, 8, 8, 3)
MEC_KERNEL_SPLIT(mec_forward_input_64x64x16_8x4s, MEC_FORWARD_INPUT, 64, 64, 16, 8, 4, 4)
#endif
// TF32 tensor-core variants of the wide tile (spark.mec.cuda.math=tf32): same loaders, plan and epilogue
// semantics; mma.sync needs sm_80 or newer (CudaMecWindowKernels falls back to FP32 below).
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
MEC_KERNEL_MATH(mec_forward_64x64x16_tf32, MEC_FORWARD, 64, 64, 16, 8, 4, 1)
MEC_KERNEL_MATH(mec_forward_input_64x64x16_tf32, MEC_FORWARD_INPUT, 64, 64, 16, 8, 4, 1)
MEC_KERNEL_MATH(mec_dkernel_64x64x16_tf32, MEC_DKERNEL, 64, 64, 16, 8, 4, 1)
MEC_KERNEL_MATH(mec_dlowered_64x64x16_tf32, MEC_DLOWERED, 64, 64, 16, 8, 4, 1)
#endif

// TF32 tensor-core GEMMs (spark.mec.cuda.math=tf32) with the operand mappings above, for layers whose operand rows
// come in 16-byte chunks of 4 channels (i_c % 4 == 0 and k_c % 4 == 0): the operands are copied to shared memory by
// cp.async (zero-filled beyond the operands and in the padding), STAGES stages in flight and no register staging, so
// that the block tile can be 128 x 128. The forward reads the input where L's element lies (MEC_FORWARD_INPUT, no
// lowering pass; MEC_FORWARD's L for the comparison); dK reads L, dL gathers over the windows as mec_gemm's. Warps
// of WM x WN outputs, (WM/16) x (WN/8) mma.sync m16n8k8 tiles each; operands rounded to TF32 (cvt.rna) as they are
// read from shared memory. Split-K, bias and the partial layout as mec_gemm's. Dynamic shared memory: 4 * STAGES *
// (A's + B's stage floats) bytes, the stages laid out as TcLayout says (CudaMecWindowKernels.Tile.sharedBytes).
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
__device__ __forceinline__ void cp_async16(float* smem, const float* gmem, int bytes) {
    unsigned dst = (unsigned) __cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem), "r"(bytes));
}

__device__ __forceinline__ void cp_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::);
}

template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// Shared-memory layouts of mec_tc's operands, per stage: A "row-major" [BM][BK + 4] (reduction contiguous: the
// forwards' and DLOWERED's A) or "k-major" [BK][BM + 8] (tile rows contiguous: DKERNEL's L); B k-major [BK][BN + 8]
// (K's and dO's rows) or "n-major" [BN][BK + 4] (DLOWERED's K, reduction contiguous). Each padding makes a warp's
// fragment reads hit 32 distinct banks.
template <int MODE>
struct TcLayout {
    static constexpr bool A_K_MAJOR = MODE == MEC_DKERNEL;
    static constexpr bool B_N_MAJOR = MODE == MEC_DLOWERED;
};

template <int MODE, int BM, int BN, int BK, int WM, int WN, int STAGES>
__device__ __forceinline__ void mec_tc(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C,
                                       const float* __restrict__ bias, long long rows, int cols, long long reduction,
                                       long long splitLen, int vecC, MecShape s) {
    constexpr bool A_K_MAJOR = TcLayout<MODE>::A_K_MAJOR, B_N_MAJOR = TcLayout<MODE>::B_N_MAJOR;
    constexpr int WARPS_N = BN / WN;
    constexpr int NT = (BM / WM) * WARPS_N * 32;
    constexpr int MI = WM / 16, NI = WN / 8;
    constexpr int AS = A_K_MAJOR ? BM + 8 : BK + 4;  // row stride of A's stage
    constexpr int BS = B_N_MAJOR ? BK + 4 : BN + 8;
    constexpr int A_STAGE = A_K_MAJOR ? BK * AS : BM * AS, B_STAGE = B_N_MAJOR ? BN * BS : BK * BS;
    constexpr int AC = BM * BK / 4 / NT;  // 16-byte chunks of A per thread and stage
    constexpr int BC = BK * BN / 4 / NT;
    static_assert(BM * BK / 4 % NT == 0 && BK * BN / 4 % NT == 0, "whole chunks per thread");
    extern __shared__ __align__(16) float mec_tc_smem[];
    float* As = mec_tc_smem;
    float* Bs = mec_tc_smem + STAGES * A_STAGE;

    const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32, g = lane / 4, q = lane % 4;
    const int wm = (warp / WARPS_N) * WM, wn = (warp % WARPS_N) * WN;
    const long long row0 = (long long) blockIdx.x * BM;
    const int col0 = blockIdx.y * BN;
    long long rBegin, rEnd;
    int hlo, hp;
    mec_reduction_range(MODE == MEC_DLOWERED, reduction, splitLen, s, rBegin, rEnd, hlo, hp);

    // A's chunk c = tid + i*NT of a stage: row-major layouts: tile row c / (BK/4), reduction offset (c % (BK/4))*4;
    // DKERNEL (k-major): reduction offset c / (BM/4), tile rows (c % (BM/4))*4. Per chunk, the element it copies next
    // (aOff) and the quotient and remainder of its reduction index where the address depends on them (aQ, aC), moved
    // BK steps per stage without dividing (mec_step), as mec_gemm's loaders:
    //   FORWARD: aOff = the window start of output row m = (n, h, w) in L, (n*o_w + w)*lda + h*s_h*span (-1: no row);
    //   FORWARD_INPUT: the input element of L's column r = kh*span + e (aQ = the input row y0 + kh, aC = e), as if the
    //     input had the padding; aX0C = x0*i_c of the window's first input column;
    //   DKERNEL: L's element of tile row r' for output row r = (n, h, w) (aQ = h, aC = w);
    //   DLOWERED: dO's element of row (n, w), window hlo + h, channel c for r = h*k_c + c (aQ = h, aC = c).
    long long aOff[AC];
    int aQ[AC], aC[AC], aX0C[AC];
    bool aOk[AC];
#pragma unroll
    for (int i = 0; i < AC; i++) {
        int c = tid + i * NT;
        aOff[i] = 0;
        aQ[i] = aC[i] = aX0C[i] = 0;
        aOk[i] = false;
        if (MODE == MEC_DKERNEL) {
            long long r = rBegin + c / (BM / 4);
            long long ohw = (long long) s.outH * s.outW;
            long long n = r / ohw;
            int rem = (int) (r - n * ohw);
            aQ[i] = rem / s.outW;
            aC[i] = rem - aQ[i] * s.outW;
            long long tileRow = row0 + (c % (BM / 4)) * 4;
            aOk[i] = tileRow < rows;
            aOff[i] = (n * s.outW + aC[i]) * s.lda + (long long) aQ[i] * s.strideH * s.span + tileRow;
            continue;
        }
        long long m = row0 + c / (BK / 4);
        aOk[i] = m < rows;
        if (!aOk[i]) continue;
        long long r = rBegin + (c % (BK / 4)) * 4;
        if (MODE == MEC_DLOWERED) {
            long long n = m / s.outW;
            int w = (int) (m - n * s.outW);
            aQ[i] = (int) (r / s.outC);
            aC[i] = (int) (r - (long long) aQ[i] * s.outC);
            aOff[i] = ((n * s.outH + hlo + aQ[i]) * s.outW + w) * s.outC + aC[i];
            continue;
        }
        long long ohw = (long long) s.outH * s.outW;
        long long n = m / ohw;
        int rem = (int) (m - n * ohw);
        int h = rem / s.outW, w = rem - h * s.outW;
        if (MODE == MEC_FORWARD) {
            aOff[i] = (n * s.outW + w) * s.lda + (long long) h * s.strideH * s.span;
        } else {
            int kh = (int) (r / s.span);
            int x0 = w * s.strideW - s.padW;
            aC[i] = (int) (r - (long long) kh * s.span);
            aQ[i] = h * s.strideH - s.padH + kh;
            aX0C[i] = x0 * s.inC;
            aOff[i] = ((n * s.inH + aQ[i]) * s.inW + x0) * (long long) s.inC + aC[i];
        }
    }
    // DLOWERED's B chunk c: tile column e = c / (BK/4), reduction offset (c % (BK/4))*4 = h*k_c + c', K's element of
    // row kh = hp - (hlo + h)*s_h, column e, channel c' (bQ = h, bC = c'); the others' B has no state.
    long long bOff[BC];
    int bQ[BC], bC[BC];
#pragma unroll
    for (int i = 0; i < BC; i++) {
        bOff[i] = 0;
        bQ[i] = bC[i] = 0;
        if (MODE == MEC_DLOWERED) {
            int c = tid + i * NT;
            int e = col0 + c / (BK / 4);
            int r = (c % (BK / 4)) * 4;
            bQ[i] = r / s.outC;
            bC[i] = r - bQ[i] * s.outC;
            bOff[i] = ((long long) (hp - (hlo + bQ[i]) * s.strideH) * s.span + e) * s.outC + bC[i];
        }
    }
    const int rowFloats = s.inW * s.inC;
    const long long dlARowStride = (long long) s.outW * s.outC;
    const long long dlBRowStride = -(long long) s.strideH * s.span * s.outC;

    auto load = [&](int stage, long long r0) {
        float* as = As + stage * A_STAGE;
        float* bs = Bs + stage * B_STAGE;
#pragma unroll
        for (int i = 0; i < AC; i++) {
            int c = tid + i * NT;
            if (MODE == MEC_DKERNEL) {
                int k = c / (BM / 4), m = (c % (BM / 4)) * 4;
                bool inside = aOk[i] && r0 + k < rEnd;
                cp_async16(as + k * AS + m, inside ? A + aOff[i] : A, inside ? 16 : 0);
                // r = (n*o_h + h)*o_w + w: w steps L's windows (lda apart), h the window rows, n the images.
                mec_step(aOff[i], aQ[i], aC[i], BK, s.outW, s.lda, (long long) s.strideH * s.span);
                while (aQ[i] >= s.outH) {
                    aQ[i] -= s.outH;
                    aOff[i] += s.outW * s.lda - (long long) s.outH * s.strideH * s.span;
                }
                continue;
            }
            int m = c / (BK / 4), k = (c % (BK / 4)) * 4;
            long long r = r0 + k;
            float* dst = as + m * AS + k;
            if (MODE == MEC_FORWARD) {
                long long left = rEnd - r;
                int bytes = !aOk[i] || left <= 0 ? 0 : left >= 4 ? 16 : (int) left * 4;
                cp_async16(dst, bytes ? A + aOff[i] + r : A, bytes);
            } else if (MODE == MEC_FORWARD_INPUT) {
                int x = aC[i] + aX0C[i];
                bool inside = aOk[i] && r < rEnd && aQ[i] >= 0 && aQ[i] < s.inH && x >= 0 && x < rowFloats;
                cp_async16(dst, inside ? A + aOff[i] : A, inside ? 16 : 0);
                mec_step(aOff[i], aQ[i], aC[i], BK, s.span, 1, rowFloats);
            } else {
                bool inside = aOk[i] && r < rEnd;
                cp_async16(dst, inside ? A + aOff[i] : A, inside ? 16 : 0);
                mec_step(aOff[i], aQ[i], aC[i], BK, s.outC, 1, dlARowStride);
            }
        }
#pragma unroll
        for (int i = 0; i < BC; i++) {
            int c = tid + i * NT;
            if (MODE == MEC_DLOWERED) {
                int n = c / (BK / 4), k = (c % (BK / 4)) * 4;
                bool inside = col0 + n < cols && r0 + k < rEnd;
                cp_async16(bs + n * BS + k, inside ? B + bOff[i] : B, inside ? 16 : 0);
                mec_step(bOff[i], bQ[i], bC[i], BK, s.outC, 1, dlBRowStride);
            } else {
                int k = c / (BN / 4), n = (c % (BN / 4)) * 4;
                long long r = r0 + k;
                int col = col0 + n;
                bool inside = r < rEnd && col < cols;  // cols % 4 == 0: a chunk is inside or beyond
                cp_async16(bs + k * BS + n, inside ? B + r * cols + col : B, inside ? 16 : 0);
            }
        }
    };

    float acc[MI][NI][4];
#pragma unroll
    for (int i = 0; i < MI; i++)
#pragma unroll
        for (int j = 0; j < NI; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.f;

    const long long steps = rEnd > rBegin ? (rEnd - rBegin + BK - 1) / BK : 0;
#pragma unroll
    for (int st = 0; st < STAGES - 1; st++) {
        if (st < steps) load(st, rBegin + st * BK);
        cp_async_commit();
    }
    for (long long t = 0; t < steps; t++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();  // stage t is in; every warp is done with stage t - 1, whose buffer is refilled below
        if (t + STAGES - 1 < steps) load((int) ((t + STAGES - 1) % STAGES), rBegin + (t + STAGES - 1) * BK);
        cp_async_commit();
        const float* as = As + (int) (t % STAGES) * A_STAGE;
        const float* bs = Bs + (int) (t % STAGES) * B_STAGE;
#pragma unroll
        for (int k0 = 0; k0 < BK; k0 += 8) {
            unsigned af[MI][4], bf[NI][2];
#pragma unroll
            for (int mi = 0; mi < MI; mi++) {
                int m = wm + mi * 16 + g;
                if (A_K_MAJOR) {
                    af[mi][0] = to_tf32(as[(k0 + q) * AS + m]);
                    af[mi][1] = to_tf32(as[(k0 + q) * AS + m + 8]);
                    af[mi][2] = to_tf32(as[(k0 + q + 4) * AS + m]);
                    af[mi][3] = to_tf32(as[(k0 + q + 4) * AS + m + 8]);
                } else {
                    const float* a = as + m * AS + k0 + q;
                    af[mi][0] = to_tf32(a[0]);
                    af[mi][1] = to_tf32(a[8 * AS]);
                    af[mi][2] = to_tf32(a[4]);
                    af[mi][3] = to_tf32(a[8 * AS + 4]);
                }
            }
#pragma unroll
            for (int ni = 0; ni < NI; ni++) {
                int n = wn + ni * 8 + g;
                if (B_N_MAJOR) {
                    bf[ni][0] = to_tf32(bs[n * BS + k0 + q]);
                    bf[ni][1] = to_tf32(bs[n * BS + k0 + q + 4]);
                } else {
                    bf[ni][0] = to_tf32(bs[(k0 + q) * BS + n]);
                    bf[ni][1] = to_tf32(bs[(k0 + q + 4) * BS + n]);
                }
            }
#pragma unroll
            for (int mi = 0; mi < MI; mi++)
#pragma unroll
                for (int ni = 0; ni < NI; ni++) mma_tf32(acc[mi][ni], af[mi], bf[ni]);
        }
    }
    cp_async_wait<0>();

    // Epilogue: element e of mma tile (mi, ni) is row g + 8*(e/2), column 2*q + e%2 (two adjacent columns).
    bool partial = MODE != MEC_DLOWERED && gridDim.z > 1;
    float* out = partial ? C + (long long) blockIdx.z * rows * cols : C;
    bool addBias = (MODE == MEC_FORWARD || MODE == MEC_FORWARD_INPUT) && bias != nullptr && !partial;
#pragma unroll
    for (int mi = 0; mi < MI; mi++)
#pragma unroll
        for (int half = 0; half < 2; half++) {
            long long m = row0 + wm + mi * 16 + g + 8 * half;
            if (m >= rows) continue;
            float* orow = MODE == MEC_DLOWERED ? out + m * s.lda + (long long) hp * s.span : out + m * cols;
#pragma unroll
            for (int ni = 0; ni < NI; ni++) {
                int c = col0 + wn + ni * 8 + 2 * q;
                float v0 = acc[mi][ni][2 * half], v1 = acc[mi][ni][2 * half + 1];
                if (addBias) {
                    if (c < cols) v0 += bias[c];
                    if (c + 1 < cols) v1 += bias[c + 1];
                }
                if (vecC && c + 1 < cols) {
                    *reinterpret_cast<float2*>(orow + c) = make_float2(v0, v1);
                } else {
                    if (c < cols) orow[c] = v0;
                    if (c + 1 < cols) orow[c + 1] = v1;
                }
            }
        }
}

// mec_<mode>_tc_<BM>x<BN>x<BK>_<WM>x<WN>_<STAGES>: the argument list of the other kernels (vecA and vecB must be 1:
// every operand row in 16-byte chunks). Dynamic shared memory: 4 * STAGES * (A's + B's stage floats, TcLayout).
#define MEC_TC(mode, MODE, BM, BN, BK, WM, WN, STAGES)                                                         \
    extern "C" __global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32)                                   \
    mec_##mode##_tc_##BM##x##BN##x##BK##_##WM##x##WN##_##STAGES(                                              \
        const float* A, const float* B, float* C, const float* bias, long long rows, int cols,                 \
        long long reduction, long long splitLen, int vecA, int vecB, int vecC, int batch, int outH, int outW,   \
        int outC, int span, int strideH, int kH, int paddedH, long long lda, int inH, int inW, int inC,         \
        int strideW, int padH, int padW) {                                                                     \
        MecShape s{batch, outH, outW, outC, span, strideH, kH, paddedH, lda, inH, inW, inC, strideW, padH, padW}; \
        mec_tc<MODE, BM, BN, BK, WM, WN, STAGES>(A, B, C, bias, rows, cols, reduction, splitLen, vecC, s);     \
    }
// The backend's (CudaMecWindowKernels.TC_*; measured on an H100, docs/gpu.md): the forward reads the input directly,
// which measured faster than lowering first and reading L; the rest for dev/gpu/tc_forward.py.
MEC_TC(forward_input, MEC_FORWARD_INPUT, 128, 128, 16, 64, 64, 4)
MEC_TC(forward_input, MEC_FORWARD_INPUT, 128, 64, 16, 64, 32, 4)
MEC_TC(dkernel, MEC_DKERNEL, 128, 128, 16, 64, 64, 4)
MEC_TC(dkernel, MEC_DKERNEL, 128, 64, 16, 64, 32, 4)
MEC_TC(dlowered, MEC_DLOWERED, 128, 128, 16, 64, 64, 4)
MEC_TC(dlowered, MEC_DLOWERED, 128, 64, 16, 64, 32, 4)
#ifdef MEC_ALL_TILES
#define MEC_TC_FORWARDS(BM, BN, BK, WM, WN, STAGES)              \
    MEC_TC(forward, MEC_FORWARD, BM, BN, BK, WM, WN, STAGES)     \
    MEC_TC(forward_input, MEC_FORWARD_INPUT, BM, BN, BK, WM, WN, STAGES)
MEC_TC(forward, MEC_FORWARD, 128, 128, 16, 64, 64, 4)
MEC_TC(forward, MEC_FORWARD, 128, 64, 16, 64, 32, 4)
MEC_TC_FORWARDS(128, 128, 16, 64, 32, 4)
MEC_TC_FORWARDS(128, 128, 32, 64, 32, 3)
MEC_TC_FORWARDS(128, 64, 32, 64, 32, 3)
MEC_TC_FORWARDS(128, 64, 16, 32, 32, 4)
MEC_TC(dkernel, MEC_DKERNEL, 64, 64, 16, 32, 32, 4)
MEC_TC(dlowered, MEC_DLOWERED, 64, 64, 16, 32, 32, 4)
#endif
#endif
MEC_TILES(dkernel, MEC_DKERNEL)
MEC_TILES(dlowered, MEC_DLOWERED)
#ifndef MEC_ALL_TILES
// Narrow operands: dK of layers with k_h*k_w*i_c <= 32 rows (3x3 on RGB), dL of layers with k_w*i_c <= 16
// columns (3x3 on RGB: 9 columns), where a 64-wide tile would compute mostly padding.
MEC_KERNEL(mec_dkernel_32x64x16_4x4, MEC_DKERNEL, 32, 64, 16, 4, 4)
// The FP32 weight gradient of layers of many rows and channels (CudaMecWindowKernels.DK_LARGE; measured on an H100).
MEC_KERNEL_SPLIT(mec_dkernel_128x128x8_8x8s, MEC_DKERNEL, 128, 128, 8, 8, 8, 2)
MEC_KERNEL(mec_dlowered_256x16x16_8x4, MEC_DLOWERED, 256, 16, 16, 8, 4)
#endif

// out[i] = (bias ? bias[i % cols] : 0) + sum over z ascending of partials[z*size + i], i < size (loads 4 splits
// ahead of the additions; the order of the additions is the same).
extern "C" __global__ void mec_sum_splits(const float* partials, int splits, long long size, int cols,
                                          const float* bias, float* out) {
    GRID_LOOP(i, size) {
        float s = bias != nullptr ? bias[i % cols] : 0.f;
        const float* p = partials + i;
        int z = 0;
        for (; z + 4 <= splits; z += 4) {
            float a = p[z * size], b = p[(z + 1) * size], c = p[(z + 2) * size], d = p[(z + 3) * size];
            s += a;
            s += b;
            s += c;
            s += d;
        }
        for (; z < splits; z++) {
            s += p[z * size];
        }
        out[i] = s;
    }
}
