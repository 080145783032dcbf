"""Regenerates parity.safetensors: reference results from PyTorch (Debian python3-torch, the same
libtorch as the engine) for the C# parity tests. Run: /usr/bin/python3 make_fixtures.py
"""
import os

import torch
import torch.nn.functional as F

from safetensors_spec import write

torch.manual_seed(1234)
out = {}


def put(name, t):
    t = t.detach().double().contiguous()
    out[name] = ("F64", list(t.shape), t.flatten().tolist())


# --- optimisers: 5 steps on a least-squares problem from the same start ---
x = torch.randn(8, 4, dtype=torch.float64)
y = torch.randn(8, 3, dtype=torch.float64)
w0 = torch.randn(3, 4, dtype=torch.float64)
put("opt.x", x)
put("opt.y", y)
put("opt.w0", w0)
configs = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
}
for name, make in configs.items():
    w = w0.clone().requires_grad_(True)
    opt = make([w])
    for _ in range(5):
        opt.zero_grad()
        loss = F.mse_loss(x @ w.T, y)
        loss.backward()
        opt.step()
    put("opt.result." + name, w)

# clip_grad_norm_: gradient after clipping and the norm returned
w = w0.clone().requires_grad_(True)
F.mse_loss(x @ w.T, y).mul(100).backward()
norm = torch.nn.utils.clip_grad_norm_([w], max_norm=0.5)
put("clip.grad", w.grad)
put("clip.norm", norm.reshape(1))

# --- kernels with gradients ---
img = torch.randn(2, 3, 6, 6, dtype=torch.float64, requires_grad=True)
k = torch.randn(4, 3, 3, 3, dtype=torch.float64)
b = torch.randn(4, dtype=torch.float64)
conv = F.conv2d(img, k, b, stride=2, padding=1)
conv.sum().backward()
put("conv.input", img)
put("conv.weight", k)
put("conv.bias", b)
put("conv.output", conv)
put("conv.input_grad", img.grad)

kt = torch.randn(3, 2, 4, 4, dtype=torch.float64)
put("convt.weight", kt)
put("convt.output", F.conv_transpose2d(img.detach(), kt, None, stride=2, padding=1))

logits = torch.randn(5, 7, dtype=torch.float64)
target = torch.tensor([1, 0, 6, -100, 3])
put("ce.logits", logits)
out["ce.target"] = ("I64", [5], target.tolist())
put("ce.loss", F.cross_entropy(logits, target, ignore_index=-100, label_smoothing=0.1).reshape(1))

put("norm.group", F.group_norm(img.detach(), 1, None, None, 1e-5))
put("norm.layer", F.layer_norm(img.detach(), [6, 6], None, None, 1e-5))
put("act.gelu_tanh", F.gelu(logits, approximate="tanh"))
put("interp.bilinear", F.interpolate(img.detach(), size=(9, 4), mode="bilinear", align_corners=False))

# --- a 2-layer LSTM (batch_first) from given weights and initial state, with input gradients ---
lstm = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True).double()
for name, p in lstm.named_parameters():
    put("lstm." + name, p)
seq = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
h0 = torch.randn(2, 2, 4, dtype=torch.float64)
c0 = torch.randn(2, 2, 4, dtype=torch.float64)
lstm_out, (hn, cn) = lstm(seq, (h0, c0))
(lstm_out.sum() + hn.sum() * 2 + cn.sum() * 3).backward()
put("lstm.input", seq)
put("lstm.h0", h0)
put("lstm.c0", c0)
put("lstm.output", lstm_out)
put("lstm.hn", hn)
put("lstm.cn", cn)
put("lstm.input_grad", seq.grad)

# --- causal self-attention written out (torch 1.13 has no fused kernel), with all three input gradients ---
q = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
kk = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
v = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
upstream = torch.randn(2, 3, 5, 4, dtype=torch.float64)
scores = (q @ kk.transpose(-2, -1)) / 2.0  # sqrt(d) = 2
scores = scores.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
attn_out = scores.softmax(-1) @ v
(attn_out * upstream).sum().backward()
for name, t in (("q", q), ("k", kk), ("v", v)):
    put(f"attn.{name}", t)
    put(f"attn.{name}_grad", t.grad)
put("attn.upstream", upstream)
put("attn.output", attn_out)

# --- Linear + exact GELU, and residual add + LayerNorm, written out op by op, in float64 and float32
# (12 features: one full 8-lane block and a ragged one) ---
x = torch.randn(2, 3, 5, dtype=torch.float64)
w = torch.randn(12, 5, dtype=torch.float64) * 0.7
b = torch.randn(12, dtype=torch.float64)
upstream = torch.randn(2, 3, 12, dtype=torch.float64)
put("lingelu.x", x)
put("lingelu.w", w)
put("lingelu.b", b)
put("lingelu.upstream", upstream)
for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    leaves = [t.detach().to(dtype).clone().requires_grad_(True) for t in (x, w, b)]
    y = F.gelu(F.linear(*leaves))
    (y * upstream.to(dtype)).sum().backward()
    put(f"lingelu.{tag}.output", y)
    for name, t in zip(("x", "w", "b"), leaves):
        put(f"lingelu.{tag}.{name}_grad", t.grad)

x = torch.randn(2, 5, 12, dtype=torch.float64)
d = torch.randn(2, 5, 12, dtype=torch.float64)
w = 1 + 0.3 * torch.randn(12, dtype=torch.float64)
b = 0.3 * torch.randn(12, dtype=torch.float64)
up_sum = torch.randn(2, 5, 12, dtype=torch.float64)
up_norm = torch.randn(2, 5, 12, dtype=torch.float64)
for name, t in (("x", x), ("d", d), ("w", w), ("b", b), ("up_sum", up_sum), ("up_norm", up_norm)):
    put(f"addnorm.{name}", t)
for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    leaves = [t.detach().to(dtype).clone().requires_grad_(True) for t in (x, d, w, b)]
    h = leaves[0] + leaves[1]
    y = F.layer_norm(h, (12,), leaves[2], leaves[3], 1e-5)
    ((h * up_sum.to(dtype)).sum() + (y * up_norm.to(dtype)).sum()).backward()
    put(f"addnorm.{tag}.sum", h)
    put(f"addnorm.{tag}.normalized", y)
    for name, t in zip(("x", "d", "w", "b"), leaves):
        put(f"addnorm.{tag}.{name}_grad", t.grad)

write(os.path.join(os.path.dirname(os.path.abspath(__file__)), "parity.safetensors"), out,
      {"generator": "make_fixtures.py", "torch": torch.__version__})
print("wrote", len(out), "tensors")
