"""Side-by-side timing of two or more versions of the fused MEC kernels (mec_kernels.cu + mec_fused.cu) in one process.

Each version is a directory holding the two sources (e.g. the tree's own and a copy taken before a change). Every
version is compiled as the backend compiles it (CuPy's NVRTC, the backend's tiles only), and each layer's passes run
with the backend's rule (the prototype's `plan`, asked of that version's module: a version with other
register budgets can get other split counts): the forward the backend takes (from the lowered matrix where
i_c % 4 == 0, else reading the input), the weight gradient and the lowered gradient. Every version is checked against
PyTorch in float64 first (||out - ref|| / ||ref||); then the versions are timed in alternating rounds (CUDA events,
median of 7 runs after 2 warm-ups per round), and the summary gives each version's median over the rounds and its
ratio to the first version.
Usage: python3 dev/gpu/kernel_ab.py OUT.csv LAYERS NAME=DIR NAME=DIR... [--rounds N] [--tf32]
  LAYERS as the prototype's: cv, resnet, all or NAME,NAME.
"""
import statistics
import sys
from pathlib import Path

import cupy as cp
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import prototype_mec_kernels as P  # noqa: E402  (each version's module is set as P.module before its calls)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    if "--rounds" in sys.argv:
        args.remove(str(rounds))
    out_csv, which, versions = args[0], args[1], [a.split("=", 1) for a in args[2:]]
    modules = {name: P.compile_module(Path(d), all_tiles=False) for name, d in versions}
    names = [name for name, _ in versions]
    layers = (P.CV if which in ("cv", "all") else []) + (P.RESNET if which in ("resnet", "all") else [])
    if not layers:
        layers = [lay for lay in P.CV + P.RESNET if lay[0] in which.split(",")]
    print(f"GPU {torch.cuda.get_device_name(0)}, {P.SMS} SMs; batch {P.BATCH}; versions {versions}; "
          f"{rounds} rounds; " + ("TF32" if P.TF32 else "FP32"), flush=True)
    bound = 1e-2 if P.TF32 else 1e-5
    csv = ["layer,mode,version,kernel,splits,round,ms,err"]
    summary = []
    for name, *shape in layers:
        g = P.Geo(*shape)
        d = P.LayerData(g)
        x, w, b, go, L, dL, out, dK, dI, scratch = d.x, d.w, d.b, d.go, d.L, d.dL, d.out, d.dK, d.dI, d.scratch
        refs = {"forward": d.y_ref, "dkernel": d.dk_ref, "dlowered": d.di_ref}
        forward = "forward" if g.ic % 4 == 0 else "forward_input"
        P.module = modules[names[0]]
        P.lower(g, x, L)
        for mode in (forward, "dkernel", "dlowered"):
            calls, plans = {}, {}
            for v in names:
                P.module = modules[v]
                t, sp = P.plan_math(mode, g)
                plans[v] = (t, sp)
                if mode == forward:
                    calls[v] = lambda t=t, sp=sp: P.launch(mode, t, sp, g, L if mode == "forward" else x, w, out, b, scratch)
                    target, ref = out, refs["forward"]
                elif mode == "dkernel":
                    calls[v] = lambda t=t, sp=sp: P.launch(mode, t, sp, g, L, go, dK, None, scratch)
                    target, ref = dK, refs["dkernel"]
                else:
                    calls[v] = lambda t=t, sp=sp: P.launch(mode, t, sp, g, go, w, dL, None, scratch)
                    target, ref = dL, refs["dlowered"]
                target.fill(float("nan"))
                calls[v]()
                if mode == "dlowered":
                    P.scatter(g, dL, dI)
                    target = dI
                err = P.rel(torch.as_tensor(target, device="cuda").view_as(ref), ref)
                plans[v] += (err,)
                if not err < bound:
                    print(f"  WRONG {name} {mode} version {v}: rel err {err:.3g}", flush=True)
            times = {v: [] for v in names}
            for rnd in range(rounds):
                for v in (names if rnd % 2 == 0 else names[::-1]):
                    P.module = modules[v]
                    ms = P.median_ms(calls[v])
                    times[v].append(ms)
                    t, sp, err = plans[v]
                    csv.append(f"{name},{mode},{v},{t},{sp},{rnd},{ms:.4f},{err:.2e}")
            med = {v: statistics.median(times[v]) for v in names}
            summary.append((name, mode, med))
            print(f"{name:8}{mode:14}" + "".join(
                f"{v} {plans[v][0]}/{plans[v][1]} {med[v]:.4f} ({med[v] / med[names[0]]:.3f}x, err {plans[v][2]:.1e})  "
                for v in names), flush=True)
        Path(out_csv).write_text("\n".join(csv) + "\n")
    for mode in ("forward", "forward_input", "dkernel", "dlowered"):
        rows = [m for _, md, m in summary if md == mode]
        if rows:
            print(f"{mode}: " + ", ".join(
                f"{v} sum {sum(m[v] for m in rows):.3f} ms, geomean ratio "
                f"{statistics.geometric_mean([m[v] / m[names[0]] for m in rows]):.3f}" for v in names))


if __name__ == "__main__":
    main()
