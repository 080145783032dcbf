"""Regenerates gpt_parity.safetensors: a tiny GPT written independently in PyTorch (GPT-2's layout:
pre-LayerNorm blocks, exact GELU, head tied to the token embedding), its weights under GPT-2's key
names, a batch of tokens and the logits PyTorch computes. Run: /usr/bin/python3 make_gpt.py
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Aigc.Torch.Tests", "Fixtures"))
from safetensors_spec import write  # noqa: E402

torch.manual_seed(7)
VOCAB, DIM, HEADS, LAYERS, CTX = 11, 16, 2, 2, 8
out = {}
w = {}


def param(name, *shape, std=0.3):
    w[name] = torch.randn(*shape, dtype=torch.float64) * std


param("wte.weight", VOCAB, DIM)
param("wpe.weight", CTX, DIM)
for i in range(LAYERS):
    p = f"h.{i}."
    param(p + "ln_1.weight", DIM)
    w[p + "ln_1.weight"] += 1
    param(p + "ln_1.bias", DIM, std=0.1)
    param(p + "attn.c_attn.weight", 3 * DIM, DIM)
    param(p + "attn.c_attn.bias", 3 * DIM, std=0.1)
    param(p + "attn.c_proj.weight", DIM, DIM)
    param(p + "attn.c_proj.bias", DIM, std=0.1)
    param(p + "ln_2.weight", DIM)
    w[p + "ln_2.weight"] += 1
    param(p + "ln_2.bias", DIM, std=0.1)
    param(p + "mlp.c_fc.weight", 4 * DIM, DIM)
    param(p + "mlp.c_fc.bias", 4 * DIM, std=0.1)
    param(p + "mlp.c_proj.weight", DIM, 4 * DIM)
    param(p + "mlp.c_proj.bias", DIM, std=0.1)
param("ln_f.weight", DIM)
w["ln_f.weight"] += 1
param("ln_f.bias", DIM, std=0.1)


def attention(x, p):
    b, t, c = x.shape
    hs = c // HEADS
    q, k, v = F.linear(x, w[p + "c_attn.weight"], w[p + "c_attn.bias"]).split(c, dim=2)
    q, k, v = (z.view(b, t, HEADS, hs).transpose(1, 2) for z in (q, k, v))
    att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
    att = att.masked_fill(torch.ones(t, t).tril() == 0, float("-inf")).softmax(-1)
    y = (att @ v).transpose(1, 2).reshape(b, t, c)
    return F.linear(y, w[p + "c_proj.weight"], w[p + "c_proj.bias"])


def gpt(idx):
    t = idx.shape[1]
    x = w["wte.weight"][idx] + w["wpe.weight"][torch.arange(t)]
    for i in range(LAYERS):
        p = f"h.{i}."
        x = x + attention(F.layer_norm(x, (DIM,), w[p + "ln_1.weight"], w[p + "ln_1.bias"]), p + "attn.")
        h = F.layer_norm(x, (DIM,), w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        x = x + F.linear(F.gelu(F.linear(h, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])), w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (DIM,), w["ln_f.weight"], w["ln_f.bias"])
    return x @ w["wte.weight"].T


tokens = torch.randint(0, VOCAB, (2, CTX))
for name, t in w.items():
    out["w." + name] = ("F64", list(t.shape), t.flatten().tolist())
out["tokens"] = ("I64", list(tokens.shape), tokens.flatten().tolist())
logits = gpt(tokens)
out["logits"] = ("F64", list(logits.shape), logits.flatten().tolist())
write(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpt_parity.safetensors"), out,
      {"generator": "make_gpt.py", "torch": torch.__version__, "vocab": str(VOCAB), "dim": str(DIM),
       "heads": str(HEADS), "layers": str(LAYERS), "ctx": str(CTX)})
print("wrote", len(out), "tensors")
