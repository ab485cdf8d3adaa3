"""The TF32 backward's tensor-core kernels (mec_fused.cu's mec_dkernel_tc_* and mec_dlowered_tc_*) beside the wide TF32
kernels and cuDNN.

For each layer whose operand rows come in 16-byte chunks (i_c % 4 == 0, k_c % 4 == 0): the weight gradient dK of
every mec_dkernel_tc_* variant at split counts 1, 2, 4, ... (each checked against PyTorch in float64,
||dK - ref|| / ||ref|| < 1e-2) and at the count the backend's rule gives it (about 6.75 blocks per multiprocessor,
CudaMecWindowKernels.weightGradientPlan), the lowered gradient dL of every mec_dlowered_tc_* variant (checked through
the scatter-add against dI), and the wide TF32 kernels at their rules (the backend before). Kernel times only (CUDA
events, medians of 7 after 2 warm-ups), alternating rounds; the lowering and the scatter-add reported apart; cuDNN's
TF32 forward+backward for scale.
Usage: python3 dev/gpu/tc_backward.py OUT.csv LAYERS [--rounds N] [--check]
  --check: correctness only, at batch 4, every variant at its rule's split count and at 3 splits (compute-sanitizer).
"""
import math
import statistics
import sys
from pathlib import Path

sys.argv.append("--tf32")
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cupy as cp  # noqa: E402
import torch  # noqa: E402

import prototype_mec_kernels as P  # noqa: E402

TILES = {"128x128x16_64x64_4": (128, 128, 16, 64, 64, 4), "128x64x16_64x32_4": (128, 64, 16, 64, 32, 4),
         "64x64x16_32x32_4": (64, 64, 16, 32, 32, 4)}
CHECK = "--check" in sys.argv


def shared_bytes(mode, t):
    bm, bn, bk, _, _, st = TILES[t]
    if mode == "dkernel":  # A and B k-major
        return 4 * st * (bk * (bm + 8) + bk * (bn + 8))
    return 4 * st * (bm * (bk + 4) + bn * (bk + 4))  # dlowered: A row-major, B n-major


def threads(t):
    bm, bn, _, wm, wn, _ = TILES[t]
    return (bm // wm) * (bn // wn) * 32


def function(mode, t):
    f = P.fn(f"mec_{mode}_tc_{t}")
    f.max_dynamic_shared_size_bytes = shared_bytes(mode, t)
    return f


def args(g, A, B, C, rows, cols, red, length):
    return (A, B, C, cp.uint64(0), cp.int64(rows), cp.int32(cols), cp.int64(red), cp.int64(length), cp.int32(1),
            cp.int32(1), cp.int32(1), cp.int32(g.n), cp.int32(g.oh), cp.int32(g.ow), cp.int32(g.kc), cp.int32(g.span),
            cp.int32(g.sh), cp.int32(g.kh), cp.int32(g.padded_h), cp.int64(g.lda), cp.int32(g.ih), cp.int32(g.iw),
            cp.int32(g.ic), cp.int32(g.sw), cp.int32(g.ph), cp.int32(g.pw))


def rule_splits(t, g):
    """weightGradientPlan: round(6.75 x SMs / tiles), at most 256, splits of at least 256 steps."""
    bm, bn = TILES[t][:2]
    tiles = P.ceil(g.kd, bm) * P.ceil(g.kc, bn)
    return P.split(g.rows, min(256, max(1, math.floor(6.75 * P.SMS / tiles + 0.5))))[0]


def dkernel(t, splits, g, L, go, dK, scratch):
    bm, bn = TILES[t][:2]
    length = P.ceil(P.ceil(g.rows, splits), 16) * 16
    splits = P.ceil(g.rows, length)
    target = dK if splits == 1 else scratch
    function("dkernel", t)((P.ceil(g.kd, bm), P.ceil(g.kc, bn), splits), (threads(t),),
                           args(g, L, go, target, g.kd, g.kc, g.rows, length), shared_mem=shared_bytes("dkernel", t))
    if splits > 1:
        size = g.kd * g.kc
        P.fn("mec_sum_splits")((min(P.ceil(size, 256), 65535 * 4),), (256,),
                               (scratch, cp.int32(splits), cp.int64(size), cp.int32(g.kc), cp.uint64(0), dK))


def dlowered(t, g, go, w, dL):
    bm, bn = TILES[t][:2]
    rows = g.n * g.ow
    function("dlowered", t)((P.ceil(rows, bm), P.ceil(g.span, bn), g.padded_h), (threads(t),),
                            args(g, go, w, dL, rows, g.span, 0, 0), shared_mem=shared_bytes("dlowered", t))


def main():
    out_csv, layers, rounds = P.layer_arguments(channels_in_fours=True)
    print(f"GPU {torch.cuda.get_device_name(0)}, {P.SMS} SMs; batch {P.BATCH}; TF32; {rounds} rounds", flush=True)
    for mode in ("dkernel", "dlowered"):
        for t in TILES:
            f = function(mode, t)
            blocks = cp.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(f.kernel.ptr, threads(t), shared_bytes(mode, t))
            print(f"  {mode} {t}: {threads(t)} threads, {f.num_regs} registers, {shared_bytes(mode, t)} B shared, "
                  f"{blocks} blocks/SM", flush=True)
    csv = ["layer,pass,kernel,splits,round,ms,err"]
    worst = 0.0
    for name, *shape in layers:
        g = P.Geo(*shape)
        d = P.LayerData(g)
        P.lower(g, d.x, d.L)
        cands = {}  # (pass, kernel, splits) -> call
        t_old, sp_old = P.plan_math("dkernel", g)
        cands[("dK", "wide-tf32", sp_old)] = lambda: P.launch("dkernel", t_old, sp_old, g, d.L, d.go, d.dK, None, d.scratch)
        t_old_l, _ = P.plan_math("dlowered", g)
        cands[("dL", "wide-tf32", 1)] = lambda: P.launch("dlowered", t_old_l, 1, g, d.go, d.w, d.dL, None, d.scratch)
        for t in TILES:
            counts = {rule_splits(t, g), 3} if CHECK else {rule_splits(t, g)} | {s for s in (1, 2, 4, 8, 16, 32, 64, 128)
                                                                                  if s == 1 or g.rows // s >= 256}
            for s in sorted(counts):
                real = P.split(g.rows, s)[0]
                cands[("dK", t, real)] = lambda t=t, real=real: dkernel(t, real, g, d.L, d.go, d.dK, d.scratch)
            cands[("dL", t, 1)] = lambda t=t: dlowered(t, g, d.go, d.w, d.dL)
        errs = {}
        for key, f in cands.items():
            if key[0] == "dK":
                d.dK.fill(float("nan"))
                f()
                err = P.rel(torch.as_tensor(d.dK, device="cuda").view_as(d.dk_ref), d.dk_ref)
            else:
                d.dL.fill(float("nan"))
                f()
                P.scatter(g, d.dL, d.dI)
                err = P.rel(torch.as_tensor(d.dI, device="cuda").view_as(d.di_ref), d.di_ref)
            errs[key] = err
            worst = max(worst, err)
            if CHECK or not err < 1e-2:
                print(f"  {name} {key}: rel err {err:.2e}" + ("" if err < 1e-2 else "  WRONG"), flush=True)
        if CHECK:
            continue
        times = P.alternating_medians(cands, rounds)
        csv += [f"{name},{key[0]},{key[1]},{key[2]},{rnd},{ms:.4f},{errs[key]:.2e}"
                for key, ts in times.items() for rnd, ms in enumerate(ts)]
        med = {k: statistics.median(v) for k, v in times.items()}
        lower_ms = P.median_ms(lambda: P.lower(g, d.x, d.L))
        scatter_ms = P.median_ms(lambda: P.scatter(g, d.dL, d.dI))
        cd = P.cudnn(g)
        line = [f"{name}: lower {lower_ms:.3f} scatter {scatter_ms:.3f}",
                f"dK wide/{sp_old} {med[('dK', 'wide-tf32', sp_old)]:.3f}", f"dL wide {med[('dL', 'wide-tf32', 1)]:.3f}"]
        for t in TILES:
            ks = {s: m for (p, k, s), m in med.items() if p == "dK" and k == t}
            best = min(ks, key=ks.get)
            rs = P.split(g.rows, rule_splits(t, g))[0]
            line.append(f"{t}: dK rule {rs} {ks[rs]:.3f} best {best} {ks[best]:.3f}, dL {med[('dL', t, 1)]:.3f}")
        print(" | ".join(line) + f" | cudnn tf32 f+b {cd[1]:.3f} (fwd {cd[0]:.3f})", flush=True)
        Path(out_csv).write_text("\n".join(csv) + "\n")
    print(f"largest relative error {worst:.2e}")


if __name__ == "__main__":
    main()
