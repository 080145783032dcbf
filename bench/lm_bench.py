"""PyTorch side of the language-model benchmark (issue #5). The same char-level baby GPT as
LanguageModelBench (GPT-2 layout, written here independently), trained with the same data, split,
schedule and threads; and a KV-cached greedy decoding loop for the generation speed comparison.
Prints one JSON line. Usage: lm_bench.py train [--steps N] | lm_bench.py generate [--new-tokens N] [--rounds N]
  | lm_bench.py step [--steps N]  (the bare step of run_step_bench.py)
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))


def arg(name, fallback):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else fallback


def fortunes():
    root = "/usr/share/games/fortunes"
    docs = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.endswith(".dat") or name.endswith(".u8") or os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            docs += [d for d in f.read().split("\n%\n") if d]
    return docs


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(dim)
        self.c_attn = nn.Linear(dim, 3 * dim)
        self.c_proj = nn.Linear(dim, dim)
        self.ln_2 = nn.LayerNorm(dim)
        self.c_fc = nn.Linear(dim, 4 * dim)
        self.mlp_proj = nn.Linear(4 * dim, dim)

    def attend(self, x, cache):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if cache[0] is not None:
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[0], cache[1] = k, v
        past = k.shape[2] - t
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.shape[-1])
        if t > 1:
            mask = torch.ones(t, past + t, dtype=torch.bool).tril(past)
            att = att.masked_fill(~mask, float("-inf"))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        return self.c_proj(y)

    def forward(self, x, cache=None):
        x = x + self.attend(self.ln_1(x), cache)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, dim, heads, layers, ctx):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.wpe = nn.Embedding(ctx, dim)
        self.h = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() == 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx, start=0, caches=None):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(start, start + t))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.ln_f(x) @ self.wte.weight.T


def train():
    steps = int(arg("--steps", "2000"))
    torch.manual_seed(1337)
    docs = fortunes()
    train_docs = [d for i, d in enumerate(docs) if i % 10 != 9]
    val_docs = [d for i, d in enumerate(docs) if i % 10 == 9]
    sep = "\n\n"
    chars = sorted(set("".join(docs) + sep))
    index = {c: i for i, c in enumerate(chars)}
    encode = lambda text: torch.tensor([index[c] for c in text], dtype=torch.long)
    train_ids, val_ids = encode(sep.join(train_docs)), encode(sep.join(val_docs))
    ctx, batch = 64, 12
    model = Gpt(len(chars), 128, 4, 4, ctx)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    warmup, min_factor = min(100, steps // 10), 0.1

    def factor(step):
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / (steps - warmup)
        return min_factor + 0.5 * (1 + math.cos(math.pi * progress)) * (1 - min_factor)

    start = time.perf_counter()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = 1e-3 * factor(step)
        ix = torch.randint(len(train_ids) - ctx, (batch,))
        x = torch.stack([train_ids[i:i + ctx] for i in ix])
        y = torch.stack([train_ids[i + 1:i + 1 + ctx] for i in ix])
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    seconds = time.perf_counter() - start

    # Every non-overlapping window of ctx + 1 tokens (stride ctx), as the C# evaluator does.
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        starts = list(range(0, len(val_ids) - ctx, ctx))
        for i in range(0, len(starts), 32):
            w = torch.stack([val_ids[s:s + ctx + 1] for s in starts[i:i + 32]])
            logits = model(w[:, :-1])
            total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), w[:, 1:].reshape(-1)).item() * len(w)
            n += len(w)
    print(json.dumps({"val_loss": total / n, "ms_per_step": 1000 * seconds / steps, "steps": steps, "vocab": len(chars),
                      "train_tokens": len(train_ids), "val_tokens": len(val_ids)}))


def step_setup():
    """The baby GPT of the step benches, its AdamW groups, and the fortunes as one character stream."""
    torch.manual_seed(1)
    docs = fortunes()
    chars = sorted(set("".join(docs) + "\n\n"))
    index = {c: i for i, c in enumerate(chars)}
    stream = torch.tensor([index[c] for c in "\n\n".join(docs)], dtype=torch.long)
    model = Gpt(len(chars), 128, 4, 4, 64)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    return model, opt, stream


def train_step(net, model, opt, stream, generator=None, batch=12, window=65):
    """One bare step on random windows: `net` runs the forward pass (the model, or DDP around it)."""
    ix = torch.randint(len(stream) - window, (batch,), generator=generator)
    w = torch.stack([stream[j:j + window] for j in ix])
    logits = net(w[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), w[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    loss.item()


def step():
    """The bare training step of the overhead and step benches: ms/step over --steps after 20 warm-up steps."""
    steps, warmup = int(arg("--steps", "300")), 20
    model, opt, stream = step_setup()
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        train_step(model, model, opt, stream)
    print(json.dumps({"side": "pytorch", "kind": "gpt", "steps": steps, "ms_per_step": 1000 * (time.perf_counter() - start) / steps}))


def generate():
    new_tokens, rounds = int(arg("--new-tokens", "256")), int(arg("--rounds", "5"))
    torch.manual_seed(0)
    model = Gpt(100, 128, 4, 4, 32 + new_tokens).eval()
    prompt = torch.arange(32).remainder(100).view(1, -1)
    best = float("inf")
    with torch.no_grad():
        for _ in range(rounds):
            start = time.perf_counter()
            caches = [[None, None] for _ in model.h]
            logits = model(prompt, 0, caches)[:, -1]
            pos = prompt.shape[1]
            for _ in range(new_tokens):
                token = logits.argmax(-1, keepdim=True)
                logits = model(token, pos, caches)[:, -1]
                pos += 1
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"tokens_per_second": new_tokens / best, "new_tokens": new_tokens}))


if __name__ == "__main__":
    {"train": train, "generate": generate, "step": step}[sys.argv[1]]()
