"""PyTorch side of bench/run_diffusion_bench.py: the same U-Net as Aigc.MLNet's UNetOptions.Tiny
(written here independently: sinusoidal step embedding + MLP, residual blocks with group norm and
SiLU, stride-2 downsampling, nearest upsampling + conv, skips, single-head attention in the middle),
the same linear schedule (T = 1000), epsilon prediction, MSE, Adam, clipping 1.0 and warmed-up EMA
0.999, on Fashion-MNIST scaled to [-1, 1]; then DDIM (50 steps, eta 0, clipped x0) from the EMA
weights. Usage: diffusion_bench.py --steps N --batch B --samples FILE --count N
"""
import math
import os
import sys
import time
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families_bench import arg, images, write  # noqa: E402


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim, groups=8):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.time_proj = nn.Linear(tdim, cout)
        self.norm2, self.conv2 = nn.GroupNorm(groups, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x))) + self.time_proj(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class Attention(nn.Module):
    def __init__(self, c, groups=8):
        super().__init__()
        self.norm, self.qkv, self.proj = nn.GroupNorm(groups, c), nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x).view(b, c, h * w).transpose(1, 2)).split(c, dim=2)
        att = (q @ k.transpose(1, 2) / math.sqrt(c)).softmax(-1)
        return x + self.proj(att @ v).transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self, base=32, mults=(1, 2, 2), channels=1):
        super().__init__()
        t = 4 * base
        self.base = base
        self.t1, self.t2 = nn.Linear(base, t), nn.Linear(t, t)
        self.conv_in = nn.Conv2d(channels, base, 3, padding=1)
        widths = [base * m for m in mults]
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        ch = base
        for i, w in enumerate(widths):
            self.down.append(ResBlock(ch, w, t))
            ch = w
            self.downsample.append(nn.Conv2d(w, w, 3, stride=2, padding=1) if i < len(widths) - 1 else nn.Identity())
        self.mid1, self.attn, self.mid2 = ResBlock(ch, ch, t), Attention(ch), ResBlock(ch, ch, t)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for i in reversed(range(len(widths))):
            self.up.append(ResBlock(ch + widths[i], widths[i], t))
            ch = widths[i]
            self.upsample.append(nn.Conv2d(ch, ch, 3, padding=1) if i > 0 else nn.Identity())
        self.norm_out, self.conv_out = nn.GroupNorm(8, ch), nn.Conv2d(ch, channels, 3, padding=1)
        half = base // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000) * torch.arange(half) / half), persistent=False)

    def forward(self, x, steps):
        a = steps.float()[:, None] * self.freqs[None]
        emb = self.t2(F.silu(self.t1(torch.cat([a.sin(), a.cos()], 1))))
        h, skips = self.conv_in(x), []
        for block, down in zip(self.down, self.downsample):
            h = block(h, emb)
            skips.append(h)
            h = down(h)
        h = self.mid2(self.attn(self.mid1(h, emb)), emb)
        for block, up in zip(self.up, self.upsample):
            h = block(torch.cat([h, skips.pop()], 1), emb)
            if not isinstance(up, nn.Identity):
                h = up(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def main():
    steps, batch, count = int(arg("--steps", "1000")), int(arg("--batch", "64")), int(arg("--count", "1000"))
    torch.manual_seed(0)
    data = images("train") * 2 - 1
    T = 1000
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    abar = torch.cumprod(1 - betas, 0)
    sa, s1 = abar.sqrt().float(), (1 - abar).sqrt().float()
    net = UNet()
    ema = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    order, pos, updates = torch.randperm(len(data)), 0, 0
    start = time.perf_counter()
    for _ in range(steps):
        if pos + batch > len(order):
            order, pos = torch.randperm(len(data)), 0
        x0 = data[order[pos:pos + batch]]
        pos += batch
        t = torch.randint(0, T, (batch,))
        noise = torch.randn_like(x0)
        xt = sa[t].view(-1, 1, 1, 1) * x0 + s1[t].view(-1, 1, 1, 1) * noise
        loss = F.mse_loss(net(xt, t), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        decay = min(0.999, (1 + updates) / (10 + updates))
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()):
                e.lerp_(p, 1 - decay)
        updates += 1
    ms = 1000 * (time.perf_counter() - start) / steps
    with torch.no_grad():
        for e, p in zip(ema, net.parameters()):
            p.copy_(e)
    net.eval()
    sample_start = time.perf_counter()
    out = []
    with torch.no_grad():
        ts = [i * T // 50 for i in range(50)][::-1]
        for chunk in range(0, count, 250):
            n = min(250, count - chunk)
            x = torch.randn(n, 1, 28, 28)
            for k, t in enumerate(ts):
                a, s = abar[t].sqrt().item(), (1 - abar[t]).sqrt().item()
                prev = abar[ts[k + 1]].item() if k + 1 < len(ts) else 1.0
                eps = net(x, torch.full((n,), t, dtype=torch.long))
                x0 = ((x - s * eps) / a).clamp(-1, 1)
                eps = (x - a * x0) / s
                x = math.sqrt(prev) * x0 + math.sqrt(1 - prev) * eps
            out.append(x)
    per_image = 1000 * (time.perf_counter() - sample_start) / count
    samples = torch.cat(out)
    write(arg("--samples", "py-diffusion.safetensors"), {"images": ("F32", list(samples.shape), samples.flatten().tolist())}, {})
    print(json.dumps({"side": "pytorch", "steps": steps, "ms_per_step": ms, "sample_ms_per_image": per_image, "final_loss": loss.item()}))


if __name__ == "__main__":
    main()
