"""PyTorch side of bench/run_families_bench.py: the same VAE and DCGAN as Aigc.MLNet's (same
architecture, initialisation, loss, optimiser, batch, data) on Debian's python3-torch.
Usage: families_bench.py vae --epochs N | gan --epochs N --samples FILE
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Aigc.Torch.Tests", "Fixtures"))
from safetensors_spec import write  # noqa: E402  (the spec-level writer the tests use)

DIR = "/usr/share/datasets/fashion-mnist"


def arg(name, fallback):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else fallback


def images(split):
    with gzip.open(f"{DIR}/{split}-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw.copy()).view(-1, 1, 28, 28).float() / 255.0


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x.flatten(1)))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))).view(-1, 1, 28, 28), mu, logvar


def vae_loss(model, x):
    recon, mu, logvar = model(x)
    return F.binary_cross_entropy(recon, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def bench_vae(epochs):
    train, test = images("train"), images("t10k")
    model = Vae()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times, test_loss = [], 0.0
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        for idx in torch.randperm(len(train)).split(128):
            loss = vae_loss(model, train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss.item()
        model.eval()
        with torch.no_grad():
            test_loss = sum(vae_loss(model, b).item() for b in test.split(128)) / len(test)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"side": "pytorch", "kind": "vae", "epochs": epochs, "test_loss": test_loss, "seconds_per_epoch": sum(times) / len(times)}))


class Generator(nn.Module):
    def __init__(self, latent=64, c=64):
        super().__init__()
        self.c2 = 2 * c
        self.fc = nn.Linear(latent, self.c2 * 7 * 7)
        self.bn0, self.up1 = nn.BatchNorm2d(self.c2), nn.ConvTranspose2d(self.c2, c, 4, 2, 1)
        self.bn1, self.up2 = nn.BatchNorm2d(c), nn.ConvTranspose2d(c, 1, 4, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z).view(-1, self.c2, 7, 7)))
        return torch.tanh(self.up2(F.relu(self.bn1(self.up1(h)))))


class Discriminator(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, c, 4, 2, 1), nn.Conv2d(c, 2 * c, 4, 2, 1)
        self.bn2, self.fc = nn.BatchNorm2d(2 * c), nn.Linear(2 * c * 7 * 7, 1)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        return self.fc(F.leaky_relu(self.bn2(self.conv2(h)), 0.2).flatten(1)).squeeze(1)


def dcgan_init(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight"):
                p.normal_(1.0 if name.startswith("bn") else 0.0, 0.02)
            else:
                p.zero_()


def bench_gan(epochs, samples_path):
    train = images("train") * 2 - 1
    g, d = Generator(), Discriminator()
    dcgan_init(g)
    dcgan_init(d)
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    steps, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        for idx in torch.randperm(len(train)).split(128):
            if len(idx) < 128:
                continue  # drop the last partial batch, as the C# side does
            x = train[idx]
            z = torch.randn(128, 64)
            fake = g(z)
            d_real, d_fake = d(x), d(fake.detach())
            d_loss = F.binary_cross_entropy_with_logits(d_real, torch.ones(128)) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros(128))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            g_loss = F.binary_cross_entropy_with_logits(d(fake), torch.ones(128))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            d_loss.item(), g_loss.item(), torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item()
            steps += 1
    ms = (time.perf_counter() - t0) * 1000 / steps
    g.eval()
    with torch.no_grad():
        out = g(torch.randn(2000, 64))
    write(samples_path, {"images": ("F32", list(out.shape), out.flatten().tolist())})
    print(json.dumps({"side": "pytorch", "kind": "gan", "epochs": epochs, "steps": steps, "ms_per_step": ms}))


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("AIGC_NUM_THREADS", "0")) or torch.get_num_threads())
    if sys.argv[1] == "vae":
        bench_vae(int(arg("--epochs", "10")))
    else:
        bench_gan(int(arg("--epochs", "1")), arg("--samples", "py-samples.safetensors"))
