#!/usr/bin/env python3
"""PyTorch's own CPU convolutions on the layers of a .layers file, from Python: a cross-check of the PyTorch
column of dev/cpu/pytorch-comparison (which calls libtorch through DJL from Java).

Same protocol as the Java comparison: batch 32, random inputs, forward then forward+backward (input, weight and
bias gradients from a given output gradient), 1 warm-up, medians of the runs, milliseconds; threads set with
torch.set_num_threads. Both memory formats are timed (NCHW and channels_last, oneDNN's preferred NHWC) and the
faster is what a user would get by choosing well.

    python3 dev/cpu/pytorch_conv.py [--layers conf/layers/cv.layers] [--select cv1,cv5] [--runs 5] [--threads 2]
"""
import argparse
import os
import statistics
import time

import torch


def read_layers(path):
    layers = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, ih, iw, ic, kh, kw, kc, sh, sw, ph, pw = line.split()[:11]
            layers.append((name, *map(int, (ih, iw, ic, kh, kw, kc, sh, sw, ph, pw))))
    return layers


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", default=os.path.join(os.path.dirname(__file__), "..", "..", "conf", "layers", "cv.layers"))
    p.add_argument("--select", default="")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    chosen = set(a.select.split(",")) if a.select else None
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn "
          f"{torch.backends.mkldnn.is_available()}, cpu capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"# batch {a.batch}, warm-up {a.warmup}, runs {a.runs}, medians in ms; load {os.getloadavg()}")
    print("| layer | fwd NCHW | fwd channels_last | fwd+bwd NCHW | fwd+bwd channels_last | best fwd GFLOP/s |")
    print("|---|---|---|---|---|---|")
    for name, ih, iw, ic, kh, kw, kc, sh, sw, ph, pw in read_layers(a.layers):
        if chosen and name not in chosen:
            continue
        oh, ow = (ih + 2 * ph - kh) // sh + 1, (iw + 2 * pw - kw) // sw + 1
        flops = 2.0 * a.batch * oh * ow * kc * kh * kw * ic
        row = []
        for fmt in (torch.contiguous_format, torch.channels_last):
            x = torch.rand(a.batch, ic, ih, iw).to(memory_format=fmt)
            conv = torch.nn.Conv2d(ic, kc, (kh, kw), (sh, sw), (ph, pw)).to(memory_format=fmt)
            g = torch.rand(a.batch, kc, oh, ow).to(memory_format=fmt)
            xg = x.clone().requires_grad_(True)

            def fwd():
                with torch.no_grad():
                    conv(x)

            def fwd_bwd():
                conv.zero_grad(set_to_none=True)
                xg.grad = None
                conv(xg).backward(g)

            row.append((timed(fwd, a.warmup, a.runs), timed(fwd_bwd, a.warmup, a.runs)))
        best = min(row[0][0], row[1][0])
        print(f"| {name} | {row[0][0]:.1f} | {row[1][0]:.1f} | {row[0][1]:.1f} | {row[1][1]:.1f} | "
              f"{flops / best / 1e6:.0f} |", flush=True)


if __name__ == "__main__":
    main()
