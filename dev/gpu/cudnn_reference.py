"""cuDNN reference times for the cv1-cv12 layers, in the same run as the MEC benchmark (dev/gpu/all).

PyTorch's conv2d (cuDNN, benchmark mode picks its best algorithm), FP32 with TF32 off, batch 32,
NCHW and channels-last (NHWC) input; forward, and forward + backward (data and weight gradients).
Timed with CUDA events: median of 20 runs after 5 warm-up runs. Prints a table and writes CSV to argv[1].
"""
import statistics
import sys

import torch

LAYERS = [  # name, i, i_c, k, k_c, s
    ("cv1", 227, 3, 11, 96, 4), ("cv2", 231, 3, 11, 96, 4), ("cv3", 227, 3, 7, 64, 2),
    ("cv4", 224, 64, 7, 64, 2), ("cv5", 24, 96, 5, 256, 1), ("cv6", 12, 256, 3, 512, 1),
    ("cv7", 224, 3, 3, 64, 1), ("cv8", 112, 64, 3, 128, 1), ("cv9", 56, 64, 3, 64, 1),
    ("cv10", 28, 128, 3, 128, 1), ("cv11", 14, 256, 3, 256, 1), ("cv12", 7, 512, 3, 512, 1),
]
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
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
for name, i, ic, k, kc, s in LAYERS:
    for layout in ("nchw", "nhwc"):
        fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
        x = torch.rand(32, ic, i, i, device="cuda").to(memory_format=fmt).requires_grad_(True)
        w = torch.rand(kc, ic, k, k, device="cuda").to(memory_format=fmt).requires_grad_(True)
        g = torch.rand_like(torch.nn.functional.conv2d(x, w, stride=s))
        fwd = median_ms(lambda: torch.nn.functional.conv2d(x, w, stride=s))

        def step():
            y = torch.nn.functional.conv2d(x, w, stride=s)
            torch.autograd.grad(y, (x, w), g)

        both = median_ms(step)
        print(f"{name:6} {layout:6} {fwd:8.3f} {both:11.3f}")
        rows.append(f"{name},{layout},{fwd:.4f},{both:.4f}")
with open(sys.argv[1] if len(sys.argv) > 1 else "cudnn.csv", "w") as f:
    f.write("\n".join(rows) + "\n")
