"""Joins the layer benchmark's layers.csv (BenchCommand --out) with cudnn_reference.py's CSV into one
markdown table per layer set: forward and forward+backward ms of MEC (fused), MEC solutions A and B,
im2col, and cuDNN (the faster of NCHW and NHWC), cuDNN's effective forward rate (direct-convolution
FLOPs over its time: above the card's FP32 GEMM rate only a Winograd or FFT algorithm can be), ratios
and geometric means.
Usage: python3 dev/gpu/gpu_table.py CUDNN.csv LAYERS.csv [LAYERS.csv ...]
"""
import csv
import math
import sys
from collections import defaultdict


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


cudnn = defaultdict(lambda: [math.inf, math.inf])
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        best = cudnn[row["layer"]]
        best[0] = min(best[0], float(row["forward_ms"]))
        best[1] = min(best[1], float(row["forward_backward_ms"]))

for path in sys.argv[2:]:
    ms = defaultdict(dict)  # layer -> (algorithm, pass) -> ms
    gflop = {}  # layer -> forward GFLOP of the batch
    order = []
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["algorithm"] == "sgemm":
                continue
            if row["layer"] not in order:
                order.append(row["layer"])
            ms[row["layer"]][(row["algorithm"], row["pass"])] = float(row["median_ms"])
            if row["pass"] == "forward":
                gflop[row["layer"]] = float(row["gflops"]) * float(row["median_ms"]) / 1e3
    algs = [a for a in ("mec", "mec-a", "mec-b", "im2col") if any((a, "forward") in ms[l] for l in order)]
    fb = lambda layer, a: ms[layer][(a, "forward")] + ms[layer][(a, "backward")]
    print(f"\n{path}\n")
    print("| layer | " + " | ".join(f"{a} fwd" for a in algs) + " | cuDNN fwd | cuDNN TFLOP/s | mec/cuDNN | mec/im2col | "
          + " | ".join(f"{a} f+b" for a in algs) + " | cuDNN f+b | mec/cuDNN f+b | mec/im2col f+b |")
    print("|---" * (2 * len(algs) + 8) + "|")
    r = defaultdict(list)
    for layer in order:
        cf, cb = cudnn[layer]
        f = {a: ms[layer][(a, "forward")] for a in algs}
        b = {a: fb(layer, a) for a in algs}
        ratios = (f["mec"] / cf, f["mec"] / f["im2col"], b["mec"] / cb, b["mec"] / b["im2col"])
        for i, v in enumerate(ratios):
            r[i].append(v)
        print(f"| {layer} | " + " | ".join(f"{f[a]:.3f}" for a in algs) + f" | {cf:.3f} | {gflop[layer] / cf:.1f} | {ratios[0]:.2f} | {ratios[1]:.2f} | "
              + " | ".join(f"{b[a]:.3f}" for a in algs) + f" | {cb:.3f} | {ratios[2]:.2f} | {ratios[3]:.2f} |")
    print(f"| geometric mean | " + " | ".join("" for _ in algs) + f" | | | {geomean(r[0]):.2f} | {geomean(r[1]):.2f} | "
          + " | ".join("" for _ in algs) + f" | | {geomean(r[2]):.2f} | {geomean(r[3]):.2f} |")
    print(f"\nMEC fused forward faster than im2col on {sum(v < 1 for v in r[1])} of {len(order)}; within 1.5x of cuDNN "
          f"on {sum(v <= 1.5 for v in r[0])} of {len(order)}; forward+backward faster than im2col on "
          f"{sum(v < 1 for v in r[3])} of {len(order)}.")
