"""cuDNN reference times for a layer set, in the same run as the MEC benchmark (dev/gpu/all).

PyTorch's conv2d (cuDNN, benchmark mode picks its best algorithm), FP32 with TF32 off (or allowed, with
--tf32), batch 32, NCHW and channels-last (NHWC) input; forward, and forward + backward (data and weight
gradients). Timed with CUDA events: median of 20 runs after 5 warm-up runs. Prints a table and writes CSV.
Usage: cudnn_reference.py OUT.csv [LAYERS_FILE ...] [--tf32]   (default: conf/layers/cv.layers; the
files' format is the benchmark's: name i_h i_w i_c k_h k_w k_c s_h s_w p_h p_w)
"""
import statistics
import sys
from pathlib import Path

import torch

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
TF32 = "--tf32" in sys.argv
FILES = ARGS[1:] or [str(Path(__file__).resolve().parents[2] / "conf/layers/cv.layers")]
LAYERS = []  # name, i_h, i_w, i_c, k_h, k_w, k_c, s_h, s_w, p_h, p_w
for file in FILES:
    for line in Path(file).read_text().splitlines():
        fields = line.split("#")[0].split()
        if fields:
            LAYERS.append((fields[0], *map(int, fields[1:])))
torch.backends.cuda.matmul.allow_tf32 = TF32
torch.backends.cudnn.allow_tf32 = TF32
torch.backends.cudnn.benchmark = True


def median_ms(fn, warmup=5, runs=20):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


rows = ["layer,layout,forward_ms,forward_backward_ms"]
print(f"{'layer':6} {'layout':6} {'fwd ms':>8} {'fwd+bwd ms':>11}")
for name, ih, iw, ic, kh, kw, kc, sh, sw, ph, pw in LAYERS:
    for layout in ("nchw", "nhwc"):
        fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
        x = torch.rand(32, ic, ih, iw, device="cuda").to(memory_format=fmt).requires_grad_(True)
        w = torch.rand(kc, ic, kh, kw, device="cuda").to(memory_format=fmt).requires_grad_(True)
        conv = lambda: torch.nn.functional.conv2d(x, w, stride=(sh, sw), padding=(ph, pw))
        g = torch.rand_like(conv())
        fwd = median_ms(conv)

        def step():
            torch.autograd.grad(conv(), (x, w), g)

        both = median_ms(step)
        print(f"{name:6} {layout:6} {fwd:8.3f} {both:11.3f}")
        rows.append(f"{name},{layout},{fwd:.4f},{both:.4f}")
with open(ARGS[0] if ARGS else "cudnn.csv", "w") as f:
    f.write("\n".join(rows) + "\n")
