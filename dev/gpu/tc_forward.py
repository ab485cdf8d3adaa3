"""The TF32 forward's tensor-core kernels (mec_fused.cu's mec_forward_tc_*) beside the wide TF32 kernel and cuDNN.

For each layer whose forward reads the lowered matrix (i_c % 4 == 0; k_c % 4 == 0): every mec_forward_tc_* variant at
split counts 1..16 (each checked against PyTorch in float64, ||out - ref|| / ||ref|| < 1e-2), the count the wave cost
model picks (CudaMecWindowKernels.forwardPlan, overhead OVERHEAD steps, with the variant's occupancy at its dynamic shared memory), the wide
TF32 kernel as the backend ran it before (`mec_forward_64x64x16_tf32` at its rule), and cuDNN with TF32 allowed (best
of NCHW/NHWC). Times are kernel only (CUDA events, medians of 7 after 2 warm-ups), the lowering reported apart; the
forward the backend runs is lowering + kernel. Alternating rounds: each round times every candidate once.
Usage: python3 dev/gpu/tc_forward.py OUT.csv LAYERS [--rounds N] [--check]
  LAYERS as the prototype's: cv, resnet, all, NAME,...; --check: correctness only, at batch 4, of the backend's two
  tiles unsplit, at the model's split count and at 3 splits (for compute-sanitizer), no timing.
"""
import math
import statistics
import sys
from pathlib import Path

sys.argv.append("--tf32")  # the prototype's TF32 rule and cuDNN with TF32 allowed
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cupy as cp  # noqa: E402
import torch  # noqa: E402

import prototype_mec_kernels as P  # noqa: E402

TILES = {  # name: (BM, BN, BK, WM, WN, STAGES)
    "128x128x16_64x64_4": (128, 128, 16, 64, 64, 4), "128x128x16_64x32_4": (128, 128, 16, 64, 32, 4),
    "128x128x32_64x32_3": (128, 128, 32, 64, 32, 3), "128x64x32_64x32_3": (128, 64, 32, 64, 32, 3),
    "128x64x16_64x32_4": (128, 64, 16, 64, 32, 4), "128x64x16_32x32_4": (128, 64, 16, 32, 32, 4),
}
# variant "mode:tile": forward reads L (after the lowering), forward_input reads the input
VARIANTS = {f"{mode}:{t}": shape for mode in ("forward", "forward_input") for t, shape in TILES.items()}

OVERHEAD = 512  # a tensor-core block's fixed cost in reduction steps (fitted on an H100: results-2026-12-06d)


def shared_bytes(v):
    bm, bn, bk, _, _, st = VARIANTS[v]
    return 4 * st * (bm * (bk + 4) + bk * (bn + 8))


def threads(v):
    bm, bn, _, wm, wn, _ = VARIANTS[v]
    return (bm // wm) * (bn // wn) * 32


def function(v):
    mode, t = v.split(":")
    f = P.fn(f"mec_{mode}_tc_{t}")
    f.max_dynamic_shared_size_bytes = shared_bytes(v)
    return f


def resident(v):
    return cp.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(function(v).kernel.ptr, threads(v), shared_bytes(v))


def split_len(red, splits, bk):
    return P.ceil(P.ceil(red, splits), bk) * bk


def model_splits(v, g):
    """forwardPlan's wave cost model for variant v: argmin over s of waves(s) x (split length + 128)."""
    bm, bn, bk = VARIANTS[v][:3]
    tiles = P.ceil(g.rows, bm) * P.ceil(g.kc, bn)
    slots = P.SMS * max(1, resident(v))
    best = None
    for s in range(1, 17):
        if s > 1 and s > g.kd // 256:
            break
        length = split_len(g.kd, s, 16)
        if P.ceil(g.kd, length) != s:
            continue
        cost = P.ceil(tiles * s, slots) * (length + OVERHEAD)
        if best is None or cost < best[0]:
            best = (cost, s)
    return best[1]


def launch_tc(v, splits, g, L, x, w, out, b, scratch):
    bm, bn, bk = VARIANTS[v][:3]
    length = split_len(g.kd, splits, 16)
    splits = P.ceil(g.kd, length)
    target = out if splits == 1 else scratch
    args = (x if v.startswith("forward_input") else L, w, target, b if splits == 1 else cp.uint64(0), cp.int64(g.rows), cp.int32(g.kc), cp.int64(g.kd),
            cp.int64(length), cp.int32(1), cp.int32(1), cp.int32(1), cp.int32(g.n), cp.int32(g.oh), cp.int32(g.ow),
            cp.int32(g.kc), cp.int32(g.span), cp.int32(g.sh), cp.int32(g.kh), cp.int32(g.padded_h), cp.int64(g.lda),
            cp.int32(g.ih), cp.int32(g.iw), cp.int32(g.ic), cp.int32(g.sw), cp.int32(g.ph), cp.int32(g.pw))
    function(v)((P.ceil(g.rows, bm), P.ceil(g.kc, bn), splits), (threads(v),), args, shared_mem=shared_bytes(v))
    if splits > 1:
        size = g.rows * g.kc
        P.fn("mec_sum_splits")((min(P.ceil(size, 256), 65535 * 4),), (256,),
                               (scratch, cp.int32(splits), cp.int64(size), cp.int32(g.kc), b, out))


def check(layers):
    worst = 0.0
    for name, *shape in layers:
        g = P.Geo(*shape)
        d = P.LayerData(g)
        for v in ("forward_input:128x128x16_64x64_4", "forward_input:128x64x16_64x32_4"):
            for splits in sorted({1, 3, model_splits(v, g)}):
                d.out.fill(float("nan"))
                launch_tc(v, splits, g, d.L, d.x, d.w, d.out, d.b, d.scratch)
                err = P.rel(torch.as_tensor(d.out, device="cuda").view_as(d.y_ref), d.y_ref)
                worst = max(worst, err)
                print(f"{name} {v} splits {splits}: rel err {err:.2e}" + ("" if err < 1e-2 else "  WRONG"), flush=True)
    print(f"largest relative error {worst:.2e}")


def main():
    out_csv, layers, rounds = P.layer_arguments(channels_in_fours=True)
    print(f"GPU {torch.cuda.get_device_name(0)}, {P.SMS} SMs; batch {P.BATCH}; TF32; {rounds} rounds", flush=True)
    if "--check" in sys.argv:
        check(layers)
        return
    for v in VARIANTS:
        f = function(v)
        print(f"  {v}: {threads(v)} threads, {f.num_regs} registers, {shared_bytes(v)} B shared, "
              f"{resident(v)} blocks/SM", flush=True)
    csv = ["layer,kernel,splits,round,ms,err"]
    summary = []
    for name, *shape in layers:
        g = P.Geo(*shape)
        d = P.LayerData(g)
        P.lower(g, d.x, d.L)
        cands = {}
        t_old, sp_old = P.plan_math("forward", g)
        cands[("wide-tf32", sp_old)] = lambda: P.launch("forward", t_old, sp_old, g, d.L, d.w, d.out, d.b, d.scratch)
        for v in VARIANTS:
            seen = set()
            for s in range(1, 17):
                length = split_len(g.kd, s, 16)
                real = P.ceil(g.kd, length)
                if real in seen or (s > 1 and s > g.kd // 256):
                    continue
                seen.add(real)
                cands[(v, real)] = lambda v=v, real=real: launch_tc(v, real, g, d.L, d.x, d.w, d.out, d.b, d.scratch)
        errs = {}
        for key, f in cands.items():
            d.out.fill(float("nan"))
            f()
            errs[key] = P.rel(torch.as_tensor(d.out, device="cuda").view_as(d.y_ref), d.y_ref)
            if not errs[key] < 1e-2:
                print(f"  WRONG {name} {key}: rel err {errs[key]:.3g}", flush=True)
        times = P.alternating_medians(cands, rounds)
        csv += [f"{name},{key[0]},{key[1]},{rnd},{ms:.4f},{errs[key]:.2e}"
                for key, ts in times.items() for rnd, ms in enumerate(ts)]
        med = {k: statistics.median(t) for k, t in times.items()}
        lower_ms = P.median_ms(lambda: P.lower(g, d.x, d.L))
        cd = P.cudnn(g)
        old = med[("wide-tf32", sp_old)]
        line = [f"{name}: lower {lower_ms:.3f} | wide-tf32/{sp_old} {old:.3f}"]
        rule = {}
        for v in VARIANTS:
            ms_v = {s: m for (k, s), m in med.items() if k == v}
            bs = min(ms_v, key=ms_v.get)
            rs = model_splits(v, g)
            rule[v] = ms_v.get(rs, float("nan")) + (0 if v.startswith("forward_input") else lower_ms)
            line.append(f"{v} best {bs}: {ms_v[bs]:.3f}, model {rs}: {rule[v]:.3f} (with lowering)")
        print(" | ".join(line) + f" | cudnn tf32 {cd[0]:.3f} (f+b {cd[1]:.3f})", flush=True)
        summary.append((name, lower_ms, old, rule, cd[0]))
        Path(out_csv).write_text("\n".join(csv) + "\n")
    print("\nforward = lowering + kernel, against cuDNN TF32 (geometric means over the layers above)")
    gm = lambda xs: math.exp(statistics.mean(math.log(x) for x in xs))
    print(f"  wide-tf32: {gm([(lo + o) / c for _, lo, o, _, c in summary]):.2f}x")
    for v in VARIANTS:
        print(f"  {v} (model splits): {gm([r[v] / c for _, lo, _, r, c in summary]):.2f}x")


if __name__ == "__main__":
    main()
