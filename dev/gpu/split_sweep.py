"""Split-count sweep of the fused forward and weight-gradient kernels (mec_fused.cu) on the GPU machine, with the
kernels' occupancy, and solution A's weight gradient and lowered-gradient products as plain torch/cuBLAS calls (one
GEMM per output row, no accumulation tricks: a lower bound of neither). The data behind CudaMecWindowKernels'
forward split cost model and its weight-gradient block target (docs/gpu.md).
Usage: python3 dev/gpu/split_sweep.py OUT.csv        (from the repository root; prints as it goes)
"""
import csv
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "sweep.csv"
sys.argv = [sys.argv[0], "unused.csv", "all"]  # prototype_mec_kernels reads its own arguments at import
sys.path.insert(0, "dev/gpu")
import prototype_mec_kernels as P  # noqa: E402
import cupy as cp  # noqa: E402
import torch  # noqa: E402

w = csv.writer(open(OUT, "w"))
w.writerow(["layer", "mode", "tile", "splits", "ms"])
for t in ["128x64x16_8x8s", "128x128x8_8x8s", "64x64x16_8x4", "64x64x16_8x4s", "128x128x16_8x8s", "64x128x16_8x8s"]:
    for mode in ["forward", "dkernel", "dlowered"]:
        occ = P.resident_blocks(f"mec_{mode}_{t}", t)
        print(f"occupancy {mode} {t}: {occ} blocks/SM, {P.fn(f'mec_{mode}_{t}').num_regs} registers", flush=True)
        w.writerow(["-", "occupancy_" + mode, t, occ, ""])

LAY = {l[0]: l for l in P.CV + P.RESNET}
names = ["cv5", "cv6", "cv9", "cv10", "cv11", "cv12", "r14", "r7", "r28", "r56", "cv8", "cv1", "cv4"]
for name in names:
    _, i, ic, k, kc, s, p = LAY[name]
    g = P.Geo(i, ic, k, kc, s, p)
    x = cp.random.rand(g.n * g.ih * g.iw * g.ic, dtype=cp.float32)
    L = cp.zeros(g.n * g.ow * g.lda, dtype=cp.float32)
    P.lower(g, x, L)
    K = cp.random.rand(g.kd * g.kc, dtype=cp.float32)
    bias = cp.random.rand(g.kc, dtype=cp.float32)
    O = cp.zeros(g.rows * g.kc, dtype=cp.float32)
    dO = cp.random.rand(g.rows * g.kc, dtype=cp.float32)
    dK = cp.zeros(g.kd * g.kc, dtype=cp.float32)
    scratch = P.split_scratch(g)
    rule_f = P.plan("forward", g)
    rule_k = P.plan("dkernel", g)
    for t in ["128x64x16_8x8s", "128x128x8_8x8s"]:
        for sp in [1, 2, 3, 4, 5, 6, 8, 12, 16]:
            if sp > 1 and g.kd // sp < 256:
                continue
            ms = P.median_ms(lambda: P.launch("forward", t, sp, g, L, K, O, bias, scratch), 3, 15)
            w.writerow([name, "forward", t, sp, f"{ms:.4f}"])
            print(f"{name} forward {t}/{sp}: {ms:.4f}{' RULE' if (t, sp) == rule_f else ''}", flush=True)
    tk = rule_k[0]
    base = rule_k[1]
    for sp in sorted(set([max(1, base // 2), base, int(base * 1.5), base * 2, base * 3, base * 4])):
        if sp > 256 or (sp > 1 and g.rows // sp < 256):
            continue
        ms = P.median_ms(lambda: P.launch("dkernel", tk, sp, g, L, dO, dK, None, scratch), 3, 15)
        w.writerow([name, "dkernel", tk, sp, f"{ms:.4f}"])
        print(f"{name} dkernel {tk}/{sp}: {ms:.4f}{' RULE' if sp == base else ''}", flush=True)
    # solution A's dK: o_h cuBLAS GEMMs accumulating, dK (kd x kc) += L_h^T (kd x n*ow) @ dO_h (n*ow x kc)
    Lt = torch.as_tensor(L, device="cuda")
    dOt = torch.as_tensor(dO, device="cuda").view(g.n, g.oh, g.ow, g.kc)
    dKt = torch.zeros(g.kd, g.kc, device="cuda")
    dOh = [dOt[:, h].reshape(g.n * g.ow, g.kc).contiguous() for h in range(g.oh)]  # A uses an h-n-w-c copy of dO
    Lh = [Lt.as_strided((g.n * g.ow, g.kd), (g.lda, 1), h * g.sh * g.span) for h in range(g.oh)]
    def a_dk():
        dKt.zero_()
        for h in range(g.oh):
            dKt.addmm_(Lh[h].t(), dOh[h])
    ms = P.median_ms(a_dk, 3, 15)
    w.writerow([name, "dkernel_cublasA", "torch", g.oh, f"{ms:.4f}"])
    print(f"{name} dkernel cuBLAS (A emulated, {g.oh} GEMMs): {ms:.4f}", flush=True)
    # A's dL products (without the wave accumulation): o_h GEMMs dO_h @ K^T
    Kt = torch.as_tensor(K, device="cuda").view(g.kd, g.kc)
    tmp = torch.empty(g.n * g.ow, g.kd, device="cuda")
    def a_dl():
        for h in range(g.oh):
            torch.mm(dOh[h], Kt.t(), out=tmp)
    ms = P.median_ms(a_dl, 3, 15)
    w.writerow([name, "dlowered_cublasA_products", "torch", g.oh, f"{ms:.4f}"])
    print(f"{name} dL products cuBLAS (A, no accumulation): {ms:.4f}", flush=True)
    dL = cp.zeros(g.n * g.ow * g.lda, dtype=cp.float32)
    for t in ["64x64x16_8x4", "128x128x8_8x8s", "64x64x16_8x4s", "64x128x16_8x8s", "128x64x16_8x8s"]:
        ms = P.median_ms(lambda: P.launch("dlowered", t, 1, g, dO, K, dL, None, scratch), 3, 15)
        w.writerow([name, "dlowered", t, 1, f"{ms:.4f}"])
        print(f"{name} dlowered {t}: {ms:.4f}", flush=True)
    del x, L, K, O, dO, dK, scratch, dL, Lt, dOt, dKt, dOh, Lh, tmp
    cp.get_default_memory_pool().free_all_blocks()
    torch.cuda.empty_cache()
