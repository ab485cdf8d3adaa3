"""PyTorch eager FP32 training step of torchvision's ResNet-18 (the layout of conf/models/resnet18.conf),
for the images/s comparison with ModelStepBenchmark: batch 32 of synthetic 224x224x3 images already on the
GPU, SGD with momentum 0.9 and weight decay 5e-4, softmax cross-entropy, TF32 off, cudnn.benchmark on, both
memory formats (NCHW and channels_last). Median of STEPS timed steps after 5 warm-up steps.
Usage: python3 dev/gpu/pytorch_resnet18.py [BATCH] [STEPS]
"""
import statistics
import sys
import time

import torch
import torchvision

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.cuda.get_device_name(0)}, "
      f"batch {batch}, FP32 (TF32 off)")
for fmt in (torch.contiguous_format, torch.channels_last):
    torch.manual_seed(1)
    model = torchvision.models.resnet18(num_classes=1000).cuda().to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = (torch.rand(batch, 3, 224, 224, device="cuda") * 2 - 1).to(memory_format=fmt)
    y = torch.arange(batch, device="cuda") % 1000
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for s in range(5 + steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
        torch.cuda.synchronize()
        if s >= 5:
            times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    name = "NCHW" if fmt == torch.contiguous_format else "channels_last"
    print(f"pytorch {name}: {ms:.2f} ms per step, {batch / ms * 1e3:.1f} images/s "
          f"(min {min(times):.2f}, max {max(times):.2f} ms), peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
