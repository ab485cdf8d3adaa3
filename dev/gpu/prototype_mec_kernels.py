"""Prototype bench of the fused MEC kernels (mec_fused.cu) beside cuDNN, in one process on the GPU machine.

Compiles the engine's own kernel sources (mec_kernels.cu + mec_fused.cu, as the backend's NVRTC does) with
CuPy, checks every mode against PyTorch in float64 (||out - ref|| / ||ref|| < 1e-5) on each layer, then times, per layer and batch 32:
every tile variant x split count of the forward, dK and dL kernels (CUDA events, medians), the variant the
backend's rule (CudaMecWindowKernels.plan, mirrored in `plan` below) picks, and cuDNN (PyTorch conv2d,
cudnn.benchmark, best of NCHW/NHWC) forward and forward+backward.
Usage: python3 dev/gpu/prototype_mec_kernels.py [out.csv] [layers: cv|resnet|all|NAME,NAME] [--quick] [--check] [--tf32]
  --quick: only the rule's variant; --check: correctness only (one run each, no timing, no cuDNN; for
  compute-sanitizer), at batch 4; --tf32: the wide TF32 kernels (spark.mec.cuda.math=tf32 where i_c or k_c is not a
  multiple of 4; the tensor-core tiles the backend takes elsewhere are timed by tc_forward.py and tc_backward.py;
  the rule's variant only, error bound 1e-2) against cuDNN with TF32 allowed.
"""
import math
import statistics
import sys
from pathlib import Path

import cupy as cp
import torch

TF32 = "--tf32" in sys.argv
torch.backends.cuda.matmul.allow_tf32 = TF32
torch.backends.cudnn.allow_tf32 = TF32
torch.backends.cudnn.benchmark = True

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "engine/src/main/resources/org/sparkmec/engine/backend/cuda"
CV = [  # name, i, i_c, k, k_c, s, p
    ("cv1", 227, 3, 11, 96, 4, 0), ("cv2", 231, 3, 11, 96, 4, 0), ("cv3", 227, 3, 7, 64, 2, 0),
    ("cv4", 224, 64, 7, 64, 2, 0), ("cv5", 24, 96, 5, 256, 1, 0), ("cv6", 12, 256, 3, 512, 1, 0),
    ("cv7", 224, 3, 3, 64, 1, 0), ("cv8", 112, 64, 3, 128, 1, 0), ("cv9", 56, 64, 3, 64, 1, 0),
    ("cv10", 28, 128, 3, 128, 1, 0), ("cv11", 14, 256, 3, 256, 1, 0), ("cv12", 7, 512, 3, 512, 1, 0),
]
RESNET = [
    ("r-stem", 224, 3, 7, 64, 2, 3), ("r56", 56, 64, 3, 64, 1, 1), ("r28", 28, 128, 3, 128, 1, 1),
    ("r14", 14, 256, 3, 256, 1, 1), ("r7", 7, 512, 3, 512, 1, 1), ("r56-1x1", 56, 64, 1, 256, 1, 0),
    ("r-down", 56, 256, 1, 512, 2, 0),
]
TILES = {  # name: (BM, BN, BK, TM, TN)
    "128x128x8_8x8": (128, 128, 8, 8, 8), "128x64x8_8x4": (128, 64, 8, 8, 4), "64x64x8_4x4": (64, 64, 8, 4, 4),
    "64x64x16_8x4": (64, 64, 16, 8, 4), "128x128x16_8x8": (128, 128, 16, 8, 8), "64x128x8_8x8": (64, 128, 8, 8, 8),
    "32x64x16_4x4": (32, 64, 16, 4, 4), "256x16x16_8x4": (256, 16, 16, 8, 4),
    "64x64x16_tf32": (64, 64, 16, 8, 4), "128x64x16_8x8": (128, 64, 16, 8, 8), "64x128x16_8x8": (64, 128, 16, 8, 8), "64x64x32_8x4": (64, 64, 32, 8, 4),
    # split thread layout (mec_gemm's SPLIT = 1) and a register budget for MINB blocks per multiprocessor
    "128x128x8_8x8s": (128, 128, 8, 8, 8), "128x128x16_8x8s": (128, 128, 16, 8, 8), "128x64x16_8x8s": (128, 64, 16, 8, 8),
    "64x128x16_8x8s": (64, 128, 16, 8, 8), "64x64x8_8x8s": (64, 64, 8, 8, 8), "128x64x8_8x8s": (128, 64, 8, 8, 8),
    "64x64x16_8x4s": (64, 64, 16, 8, 4),
}
MODES = ("forward", "forward_input", "dkernel", "dlowered")
SMS = torch.cuda.get_device_properties(0).multi_processor_count
BATCH = 4 if "--check" in sys.argv else 32

module = None  # the compiled kernels, on first use (dev/gpu/kernel_ab.py sets its own)


def layer_arguments(channels_in_fours=False):
    """(OUT.csv, layers, rounds) of a command line `OUT.csv LAYERS [--rounds N] [--flags]`; LAYERS: cv, resnet, all
    or NAME,NAME; channels_in_fours keeps the layers whose i_c and k_c are multiples of 4."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    if "--rounds" in sys.argv:
        args.remove(str(rounds))
    which = args[1]
    layers = (CV if which in ("cv", "all") else []) + (RESNET if which in ("resnet", "all") else [])
    if not layers:
        layers = [lay for lay in CV + RESNET if lay[0] in which.split(",")]
    if channels_in_fours:
        layers = [lay for lay in layers if lay[2] % 4 == 0 and lay[4] % 4 == 0]
    return args[0], layers, rounds


def compile_module(directory=SRC, all_tiles=True):
    """mec_kernels.cu + mec_fused.cu of `directory`, as the backend's NVRTC compiles them (all tiles: -DMEC_ALL_TILES)."""
    return cp.RawModule(code=(directory / "mec_kernels.cu").read_text() + "\n" + (directory / "mec_fused.cu").read_text(),
                        options=("--std=c++14",) + (("-DMEC_ALL_TILES",) if all_tiles else ()))


def fn(name):
    global module
    if module is None:
        module = compile_module()
    return module.get_function(name)


def ceil(a, b):
    return -(-a // b)


class Geo:
    def __init__(self, i, ic, k, kc, s, p, n=BATCH):
        self.n, self.ih, self.iw, self.ic, self.kh, self.kw, self.kc, self.sh, self.sw, self.ph, self.pw = \
            n, i, i, ic, k, k, kc, s, s, p, p
        self.oh = (i + 2 * p - k) // s + 1
        self.ow = self.oh
        self.span = k * ic
        self.padded_h = i + 2 * p
        self.lda = self.padded_h * self.span
        self.kd = k * self.span
        self.rows = n * self.oh * self.ow


def dims(mode, g):
    """(rows, cols, reduction, z-extent-for-dL) of the GEMM of one mode."""
    if mode in ("forward", "forward_input"):
        return g.rows, g.kc, g.kd
    if mode == "dkernel":
        return g.kd, g.kc, g.rows
    return g.n * g.ow, g.span, None


def plan(mode, g):
    """The backend's rule: (tile, splits). Mirrors CudaMecWindowKernels.*Plan."""
    rows, cols, red = dims(mode, g)
    if mode == "dlowered":
        return ("256x16x16_8x4" if g.span <= 16 else "64x64x16_8x4"), 1
    t = "32x64x16_4x4" if mode == "dkernel" and g.kd <= 32 else "64x64x16_8x4"
    if mode == "dkernel" and not TF32 and g.kc >= 96 and g.kd >= 128:
        t = "128x128x8_8x8s"
    if mode == "forward" and not TF32:
        t = "128x64x16_8x8s"
    elif mode == "forward_input" and not TF32:
        t = "64x64x16_8x4s"
    tiles = ceil(rows, TILES[t][0]) * ceil(cols, TILES[t][1])
    if mode in ("forward", "forward_input"):
        # the split count whose waves fill the GPU best: waves(s) x (split length + FORWARD_BLOCK_OVERHEAD)
        slots = SMS * resident_blocks(f"mec_{mode}_{plan_kernel(t)}", t)
        best = None
        for wanted in range(1, 17):
            splits, length = split(red, wanted)
            if splits == wanted:
                cost = ceil(tiles * splits, slots) * (length + 128)
                if best is None or cost < best[0]:
                    best = (cost, splits)
        return t, best[1]
    return t, split(red, min(256, max(1, math.floor(6.75 * SMS / tiles + 0.5))))[0]


def split(red, wanted):
    """(splits, split length) of CudaMecWindowKernels.split: whole stages of 16, at least 256 steps a split."""
    splits = max(1, min(wanted, red // 256))
    length = ceil(ceil(red, splits), 16) * 16
    return ceil(red, length), length


def plan_kernel(t):
    return "64x64x16_tf32" if TF32 and t == "64x64x16_8x4" else t


def resident_blocks(kernel, t):
    """Blocks of `kernel` one multiprocessor holds (the driver's occupancy calculator, as CudaModule asks it)."""
    bm, bn, bk, tm, tn = TILES[t]
    threads = (bm // tm) * (bn // tn)
    f = fn(kernel)
    try:
        return cp.cuda.driver.occupancyMaxActiveBlocksPerMultiprocessor(f.kernel.ptr, threads, 0)
    except AttributeError:  # older CuPy: registers alone (8-register granularity, 64K registers)
        return max(1, 65536 // (ceil(f.num_regs, 8) * 8 * threads))


def plan_math(mode, g):
    """plan(), with the TF32 kernel in place of the wide FP32 tile under --tf32 (CudaMecWindowKernels.kernelName)."""
    t, sp = plan(mode, g)
    return plan_kernel(t), sp


def split_scratch(g):
    """Room for the split partials of any plan: 16 forward splits of the output, 256 of the weight gradient."""
    return cp.empty(max(16 * g.rows * g.kc, 256 * g.kd * g.kc), dtype=cp.float32)


def launch(mode, tile, splits, g, A, B, C, bias, scratch):
    bm, bn, bk, tm, tn = TILES[tile]
    rows, cols, red = dims(mode, g)
    vec_a = {"forward": g.span % 4 == 0, "forward_input": False, "dkernel": g.span % 4 == 0, "dlowered": g.kc % 4 == 0}[mode]
    vec_b = g.kc % 4 == 0
    vec_c = (g.span if mode == "dlowered" else g.kc) % 4 == 0
    if mode == "dlowered":
        grid, split_len, target = (ceil(rows, bm), ceil(cols, bn), g.padded_h), 0, C
        splits = 1
    else:
        split_len = ceil(ceil(red, splits), bk) * bk
        splits = ceil(red, split_len)
        grid = (ceil(rows, bm), ceil(cols, bn), splits)
        target = C if splits == 1 else scratch
        if splits > 1 and splits * rows * cols > scratch.size:
            raise ValueError(f"{mode} {tile}: {splits} splits of {rows} x {cols} need more than {scratch.size} floats of scratch")
    args = (A, B, target, bias if (bias is not None and splits == 1) else cp.uint64(0), cp.int64(rows),
            cp.int32(cols), cp.int64(red or 0), cp.int64(split_len), cp.int32(vec_a), cp.int32(vec_b),
            cp.int32(vec_c), cp.int32(g.n), cp.int32(g.oh), cp.int32(g.ow), cp.int32(g.kc), cp.int32(g.span),
            cp.int32(g.sh), cp.int32(g.kh), cp.int32(g.padded_h), cp.int64(g.lda), cp.int32(g.ih), cp.int32(g.iw),
            cp.int32(g.ic), cp.int32(g.sw), cp.int32(g.ph), cp.int32(g.pw))
    fn(f"mec_{mode}_{tile}")(grid, ((bm // tm) * (bn // tn),), args)
    if splits > 1:
        size = rows * cols
        fn("mec_sum_splits")((min(ceil(size, 256), 65535 * 4),), (256,),
                             (scratch, cp.int32(splits), cp.int64(size), cp.int32(cols),
                              bias if bias is not None else cp.uint64(0), C))
    return splits


def lower(g, x, L):
    v = 4 if g.ic % 4 == 0 else 1
    total = g.n * g.ow * g.padded_h * g.span // v
    fn("lower_mec4" if v == 4 else "lower_mec")((min(ceil(total, 256), 65535 * 4),), (256,),
                                                (x, L, cp.int32(0), cp.int32(g.n), cp.int32(g.ih), cp.int32(g.iw),
                                                 cp.int32(g.ic), cp.int32(g.kw), cp.int32(g.sw), cp.int32(g.ph),
                                                 cp.int32(g.pw), cp.int32(g.ow)))


def scatter(g, dL, dI):
    v = 4 if g.ic % 4 == 0 else 1
    total = g.n * g.ih * g.iw * g.ic // v
    dI.fill(0)
    fn("scatter_add_mec4" if v == 4 else "scatter_add_mec")(
        (min(ceil(total, 256), 65535 * 4),), (256,),
        (dL, dI, cp.int32(g.n), cp.int32(g.ih), cp.int32(g.iw), cp.int32(g.ic), cp.int32(g.kw), cp.int32(g.sw),
         cp.int32(g.ph), cp.int32(g.pw), cp.int32(g.ow)))


class LayerData:
    """One layer's operands at batch BATCH (NHWC, seed 0), work buffers, and PyTorch's float64 output, dK and dI."""

    def __init__(self, g):
        torch.manual_seed(0)
        x_t = torch.randn(g.n, g.ih, g.iw, g.ic, device="cuda")
        w_t = torch.randn(g.kh, g.kw, g.ic, g.kc, device="cuda") / math.sqrt(g.kd)
        b_t = torch.randn(g.kc, device="cuda")
        go_t = torch.randn(g.n, g.oh, g.ow, g.kc, device="cuda")
        self.x, self.w, self.b, self.go = (cp.asarray(t) for t in (x_t, w_t, b_t, go_t))
        self.L = cp.empty(g.n * g.ow * g.lda, dtype=cp.float32)
        self.dL = cp.empty_like(self.L)
        self.out = cp.empty(g.rows * g.kc, dtype=cp.float32)
        self.dK = cp.empty(g.kd * g.kc, dtype=cp.float32)
        self.dI = cp.empty(g.n * g.ih * g.iw * g.ic, dtype=cp.float32)
        self.scratch = split_scratch(g)
        xr = x_t.permute(0, 3, 1, 2).double().contiguous().requires_grad_(True)
        wr = w_t.permute(3, 2, 0, 1).double().contiguous().requires_grad_(True)
        yr = torch.nn.functional.conv2d(xr, wr, b_t.double(), stride=g.sh, padding=g.ph)
        gx, gw = torch.autograd.grad(yr, (xr, wr), go_t.permute(0, 3, 1, 2).double())
        self.y_ref, self.dk_ref, self.di_ref = yr.permute(0, 2, 3, 1), gw.permute(2, 3, 1, 0), gx.permute(0, 2, 3, 1)


def median_ms(f, warmup=2, runs=7):
    for _ in range(warmup):
        f()
    ts = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        f()
        b.record()
        torch.cuda.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts)


def alternating_medians(calls, rounds):
    """{key: [median_ms of calls[key] in each round]}: every round times every call once, in order on even rounds and
    in reverse on odd ones, so that a slow spell of the GPU hits every contender alike."""
    times = {key: [] for key in calls}
    for rnd in range(rounds):
        for key in (list(calls) if rnd % 2 == 0 else list(calls)[::-1]):
            times[key].append(median_ms(calls[key]))
    return times


def rel(a, b):
    """||a - b|| / ||b|| in float64 (b: the float64 reference)."""
    return (torch.linalg.vector_norm(a.double() - b) / torch.linalg.vector_norm(b)).item()


def cudnn(g):
    best = [math.inf, math.inf]
    for layout in (torch.contiguous_format, torch.channels_last):
        x = torch.rand(g.n, g.ic, g.ih, g.iw, device="cuda").to(memory_format=layout).requires_grad_(True)
        w = torch.rand(g.kc, g.ic, g.kh, g.kw, device="cuda").to(memory_format=layout).requires_grad_(True)
        conv = lambda: torch.nn.functional.conv2d(x, w, stride=g.sh, padding=g.ph)
        go = torch.rand_like(conv())
        best[0] = min(best[0], median_ms(conv, 3, 15))
        best[1] = min(best[1], median_ms(lambda: torch.autograd.grad(conv(), (x, w), go), 3, 15))
    return best


def main():
    out_csv = sys.argv[1] if len(sys.argv) > 1 else "prototype.csv"
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    quick = "--quick" in sys.argv or "--check" in sys.argv
    check = "--check" in sys.argv
    layers = (CV if which in ("cv", "all") else []) + (RESNET if which in ("resnet", "all") else [])
    if not layers:
        layers = [lay for lay in CV + RESNET if lay[0] in which.split(",")]
    print(f"GPU {torch.cuda.get_device_name(0)}, {SMS} SMs; batch {BATCH}; " + ("TF32 (cuDNN with TF32 allowed)" if TF32 else "FP32 (TF32 off)"))
    rows_out = ["layer,mode,tile,splits,ms,rule"]
    summary = []
    for name, i, ic, k, kc, s, p in layers:
        g = Geo(i, ic, k, kc, s, p)
        d = LayerData(g)
        x, w, b, go, L, dL, out, dK, dI, scratch = d.x, d.w, d.b, d.go, d.L, d.dL, d.out, d.dK, d.dI, d.scratch
        y_ref, dk_ref, di_ref = d.y_ref, d.dk_ref, d.di_ref
        best = {}
        for mode in MODES:
            rule = plan_math(mode, g)
            rows, cols, red = dims(mode, g)
            cands = []
            for t, (bm, bn, bk, _, _) in TILES.items():
                if "tf32" in t:
                    continue
                tiles = ceil(rows, bm) * ceil(cols, bn) * (g.padded_h if mode == "dlowered" else 1)
                splits = [1] if mode == "dlowered" else \
                    [sp for sp in (1, 2, 4, 8, 16, 32, 64, 128) if (sp == 1 or tiles * sp <= 8 * SMS)
                     and (sp == 1 or red // sp >= bk * 16) and (sp > 1 or tiles >= SMS // 4 or mode in ("forward", "forward_input"))]
                if quick or TF32:
                    splits = [sp for sp in splits if (t, sp) == rule]
                cands += [(t, sp) for sp in splits]
            if rule not in cands:
                cands.append(rule)
            lower(g, x, L)
            timings = {}
            for t, sp in cands:
                if mode in ("forward", "forward_input"):
                    out.fill(float("nan"))
                    f = lambda: launch(mode, t, sp, g, L if mode == "forward" else x, w, out, b, scratch)
                    f()
                    err = rel(torch.as_tensor(out, device="cuda").view_as(y_ref), y_ref)
                elif mode == "dkernel":
                    dK.fill(float("nan"))
                    f = lambda: launch("dkernel", t, sp, g, L, go, dK, None, scratch)
                    f()
                    err = rel(torch.as_tensor(dK, device="cuda").view_as(dk_ref), dk_ref)
                else:
                    dL.fill(float("nan"))
                    f = lambda: launch("dlowered", t, sp, g, go, w, dL, None, scratch)
                    f()
                    scatter(g, dL, dI)
                    err = rel(torch.as_tensor(dI, device="cuda").view_as(di_ref), di_ref)
                ms = 0.0 if check else median_ms(f)
                timings[(t, sp)] = (ms, err)
                rows_out.append(f"{name},{mode},{t},{sp},{ms:.4f},{int((t, sp) == rule)}")
                if not err < (1e-2 if TF32 else 1e-5):
                    print(f"  WRONG {name} {mode} {t} splits {sp}: rel err {err:.3g}")
            bt = min(timings, key=lambda c: timings[c][0])
            best[mode] = (bt, timings[bt][0], rule, timings[rule][0], max(e for _, e in timings.values()))
        Path(out_csv).write_text("\n".join(rows_out) + "\n")  # after every layer: a cut run keeps what it measured
        if check:
            print(f"{name}: " + " | ".join(f"{m} {best[m][2][0]}/{best[m][2][1]} err {best[m][4]:.1e}" for m in MODES),
                  flush=True)
            continue
        lower_ms = median_ms(lambda: lower(g, x, L))
        scatter_ms = median_ms(lambda: scatter(g, dL, dI))
        # the backend lowers and runs "forward" where i_c % 4 == 0, else "forward_input" (no lowering)
        fwd_rule = lower_ms + best["forward"][3] if g.ic % 4 == 0 else best["forward_input"][3]
        bwd_rule = lower_ms + best["dkernel"][3] + best["dlowered"][3] + scatter_ms
        fwd_best = min(lower_ms + best["forward"][1], best["forward_input"][1])
        bwd_best = lower_ms + best["dkernel"][1] + best["dlowered"][1] + scatter_ms
        cd = cudnn(g)
        gf = 2 * g.rows * g.kd * g.kc / 1e9
        summary.append((name, fwd_rule, fwd_best, fwd_rule + bwd_rule, fwd_best + bwd_best, cd[0], cd[1]))
        print(f"{name}: lower {lower_ms:.3f} scatter {scatter_ms:.3f} | " + " | ".join(
            f"{m} best {best[m][0][0]}/{best[m][0][1]} {best[m][1]:.3f} ({gf / best[m][1]:.1f} TF/s) "
            f"rule {best[m][2][0]}/{best[m][2][1]} {best[m][3]:.3f} err {best[m][4]:.1e}" for m in MODES)
              + f" | cudnn {cd[0]:.3f} / {cd[1]:.3f}", flush=True)
    Path(out_csv).write_text("\n".join(rows_out) + "\n")
    print(f"\n{'layer':8}{'fwd rule':>9}{'fwd best':>9}{'cudnn':>8}{'ratio':>7}{'f+b rule':>9}{'f+b best':>9}"
          f"{'cudnn':>8}{'ratio':>7}")
    for name, fr, fb, ar, ab, cf, ca in summary:
        print(f"{name:8}{fr:9.3f}{fb:9.3f}{cf:8.3f}{fr / cf:7.2f}{ar:9.3f}{ab:9.3f}{ca:8.3f}{ar / ca:7.2f}")
    for label, sel in (("cv", lambda n: n.startswith("cv")), ("resnet", lambda n: n.startswith("r"))):
        sub = [r for r in summary if sel(r[0])]
        if sub:
            gm = lambda idx: math.exp(statistics.mean(math.log(r[idx] / r[5 if idx < 3 else 6]) for r in sub))
            print(f"geomean {label}: fwd rule {gm(1):.2f}x cuDNN, best {gm(2):.2f}x; f+b rule {gm(3):.2f}x, best {gm(4):.2f}x")


if __name__ == "__main__":
    main()
