"""PyTorch side of bench/run_engine_bench.py: the same models, data, batches and optimiser as
bench/EngineBench, on Debian's python3-torch (the same libtorch build). Prints JSON lines.
Usage: engine_bench.py train --steps32 N --steps256 N | sgemm
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def arg(name, fallback):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else fallback


def emit(**kw):
    print(json.dumps(dict(side="pytorch", **kw)), flush=True)


def load_images():
    with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw[: 4096 * 784].copy()).view(4096, 784).float() / 255.0


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 784))


def conv():
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


def train_steps(model, batch, steps, images):
    net = mlp() if model == "mlp" else conv()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    labels = ((images.sum(1) * 7).floor() % 10).long()
    per_epoch = images.shape[0] // batch
    loss_value = 0.0

    def step(i):
        nonlocal loss_value
        start = (i % per_epoch) * batch
        x = images.narrow(0, start, batch)
        if model == "mlp":
            loss = F.mse_loss(net(x), x)
        else:
            loss = F.cross_entropy(net(x.view(batch, 1, 28, 28)), labels.narrow(0, start, batch))
        opt.zero_grad(set_to_none=True)  # as Aigc.Torch does, and PyTorch 2.x by default
        loss.backward()
        opt.step()
        if i == steps - 1:
            loss_value = loss.item()

    for i in range(50):  # warm-up, as on the C# side
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    return (time.perf_counter() - t0) * 1000 / steps, loss_value


def sgemm():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(2):
        a.mm(b)
    t0 = time.perf_counter()
    for _ in range(10):
        a.mm(b)
    return 2.0 * 2048 ** 3 * 10 / (time.perf_counter() - t0) / 1e9


def main():
    torch.manual_seed(0)
    threads = int(__import__("os").environ.get("AIGC_NUM_THREADS", "0")) or torch.get_num_threads()
    torch.set_num_threads(threads)
    mode = sys.argv[1] if len(sys.argv) > 1 else "train"
    if mode == "sgemm":
        emit(kind="sgemm", gflops=sgemm())
        return
    images = load_images()
    for model in ("mlp", "conv"):
        for batch in (32, 256):
            steps = arg("--steps32", 200) if batch == 32 else arg("--steps256", 40)
            ms, loss = train_steps(model, batch, steps, images)
            emit(kind="train", model=model, batch=batch, steps=steps, ms_per_step=ms, final_loss=loss)


if __name__ == "__main__":
    main()
