"""PyTorch side of bench/run_onnx_bench.py: generation speed of the same models in Debian's
python3-torch, in eval mode without autograd: the VAE decoder (families_bench.Vae's fc3/fc4), the
DCGAN generator (families_bench.Generator) and 50-step DDIM (eta 0, clipped x0, linear schedule
T = 1000) with diffusion_bench.UNet, and 256 greedy tokens after a 32-token prompt with lm_bench.Gpt (the baby
GPT: 4 layers, 4 heads, width 128, 100 characters) and its key/value cache. One warm-up call at batch 1, then calls until the time budget is spent (at least one).
Usage: onnx_bench.py --model vae|gan|ddim|gpt --batch B [--seconds S]
"""
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families_bench import Generator, Vae, arg  # noqa: E402
from diffusion_bench import UNet  # noqa: E402
from lm_bench import Gpt  # noqa: E402

PROMPT, NEW_TOKENS = 32, 256


def main():
    kind, batch, seconds = arg("--model", "vae"), int(arg("--batch", "1")), float(arg("--seconds", "3"))
    torch.manual_seed(0)
    if kind == "vae":
        vae = Vae().eval()

        def generate():
            z = torch.randn(batch, 20)
            return torch.sigmoid(vae.fc4(torch.relu(vae.fc3(z)))).view(-1, 1, 28, 28)
    elif kind == "gan":
        g = Generator().eval()

        def generate():
            return g(torch.randn(batch, 64))
    elif kind == "gpt":
        lm = Gpt(100, 128, 4, 4, PROMPT + NEW_TOKENS).eval()

        def generate():
            caches = [[None, None] for _ in lm.h]
            logits = lm(torch.arange(PROMPT).remainder(100).repeat(batch, 1), 0, caches)[:, -1]
            for pos in range(PROMPT, PROMPT + NEW_TOKENS):
                logits = lm(logits.argmax(-1, keepdim=True), pos, caches)[:, -1]
            return logits
    else:
        net = UNet().eval()
        T = 1000
        abar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, T, dtype=torch.float64), 0).tolist()
        steps = [i * T // 50 for i in range(50)][::-1]

        def generate():
            x = torch.randn(batch, 1, 28, 28)
            for k, t in enumerate(steps):
                a, s = math.sqrt(abar[t]), math.sqrt(1 - abar[t])
                eps = net(x, torch.full((batch,), t, dtype=torch.long))
                x0 = ((x - eps * s) / a).clamp(-1, 1)
                eps = (x - x0 * a) / s
                prev = abar[steps[k + 1]] if k + 1 < len(steps) else 1.0
                x = x0 * math.sqrt(prev) + eps * math.sqrt(1 - prev)
            return x

    with torch.no_grad():
        warm, batch = batch, 1   # warm up at batch 1, as the C# sides do
        generate()
        batch = warm
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or calls < 1:
            generate()
            calls += 1
        elapsed = time.perf_counter() - start
    per_call = batch * (NEW_TOKENS if kind == "gpt" else 1)
    print(json.dumps({"side": "pytorch", "model": kind, "batch": batch, "calls": calls, "per_s": calls * per_call / elapsed,
                      "unit": "tokens" if kind == "gpt" else "images"}))


if __name__ == "__main__":
    main()
