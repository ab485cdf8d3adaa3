"""PyTorch eager FP32 training throughput of the same models as TrainerThroughput (conf/models/lenet.conf,
vgg-small.conf), for the images/s comparison: same layers and initialisation family (He), SGD with
momentum 0.9 and learning rate 0.01, softmax cross-entropy, batch 32, synthetic images held on the host
and copied to the GPU each step (as the engine does), TF32 off, cudnn.benchmark on. Reports images/s of
the last of EPOCHS epochs over IMAGES images (training steps only).
Usage: python3 dev/gpu/pytorch_lenet.py [IMAGES] [EPOCHS] [BATCH]
"""
import sys
import time

import torch
from torch import nn

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10)), (1, 28, 28)


def vgg_small():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2)]
    return nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 128), nn.Flatten(), nn.Linear(128 * 16, 256),
                         nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10)), (3, 32, 32)


def run(name, build, images, epochs, batch):
    torch.manual_seed(7)
    model, shape = build()
    model = model.cuda()
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    x = torch.rand(images, *shape).pin_memory()
    y = torch.randint(0, 10, (images,)).pin_memory()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rate = 0.0
    for _ in range(epochs):
        order = torch.randperm(images)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(0, images - batch + 1, batch):
            idx = order[i:i + batch]
            xb, yb = x[idx].cuda(non_blocking=True), y[idx].cuda(non_blocking=True)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        torch.cuda.synchronize()
        rate = (images // batch) * batch / (time.perf_counter() - start)
    print(f"pytorch {name}: {rate:.0f} images/s (batch {batch}, last of {epochs} epochs, {torch.cuda.get_device_name(0)})")


if __name__ == "__main__":
    images = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    run("lenet", lenet, images, epochs, batch)
    run("vgg-small", vgg_small, images, epochs, batch)
