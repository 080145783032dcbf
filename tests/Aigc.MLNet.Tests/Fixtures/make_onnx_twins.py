"""Regenerates the ONNX twins: tiny models written independently in PyTorch, exported with
torch.onnx.export (opset 17), with their weights (under our state-dict names) and a batch of inputs
in a safetensors file, so a test can load the same weights into our networks, export them with our
own writer and run both .onnx files in ONNX Runtime on the same inputs.
  vae_twin.onnx:  the MLP VAE's decoder (fc3, ReLU, fc4, sigmoid) for 1x4x4 images, latent 3
  gan_twin.onnx:  the DCGAN generator (linear, batch norm with non-trivial running statistics,
                  two stride-2 transposed convolutions, tanh) for 1x8x8 images, latent 5
  gpt_twin.onnx:  the GPT of gpt_parity.safetensors (make_gpt.py), its full-sequence logits
Run: /usr/bin/python3 make_onnx_twins.py
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Aigc.Torch.Tests", "Fixtures"))
from safetensors_spec import read, write  # noqa: E402

torch.manual_seed(3)


class VaeDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc3, self.fc4 = nn.Linear(3, 8), nn.Linear(8, 16)

    def forward(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))).view(-1, 1, 4, 4)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 4 * 2 * 2)
        self.bn0, self.up1 = nn.BatchNorm2d(4), nn.ConvTranspose2d(4, 2, 4, 2, 1)
        self.bn1, self.up2 = nn.BatchNorm2d(2), nn.ConvTranspose2d(2, 1, 4, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z).view(-1, 4, 2, 2)))
        return torch.tanh(self.up2(F.relu(self.bn1(self.up1(h)))))


class Gpt(nn.Module):
    """make_gpt.py's model as a module, in float32."""

    def __init__(self, w, heads, layers):
        super().__init__()
        self.w = {k: v.float() for k, v in w.items()}
        self.heads, self.layers, self.dim = heads, layers, int(w["wte.weight"].shape[1])

    def forward(self, idx):
        w, t, dim = self.w, idx.shape[1], self.dim
        hs = dim // self.heads
        x = w["wte.weight"][idx] + w["wpe.weight"][:t]
        for i in range(self.layers):
            p = f"h.{i}."
            h = F.layer_norm(x, (dim,), w[p + "ln_1.weight"], w[p + "ln_1.bias"])
            q, k, v = F.linear(h, w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"]).split(dim, dim=2)
            q, k, v = (z.reshape(z.shape[0], t, self.heads, hs).transpose(1, 2) for z in (q, k, v))
            att = (q @ k.transpose(-2, -1)) / float(hs) ** 0.5
            att = att.masked_fill(torch.ones(t, t).tril() == 0, float("-inf")).softmax(-1)
            y = F.linear((att @ v).transpose(1, 2).reshape(x.shape[0], t, dim), w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"])
            x = x + y
            h = F.layer_norm(x, (dim,), w[p + "ln_2.weight"], w[p + "ln_2.bias"])
            x = x + F.linear(F.gelu(F.linear(h, w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"])), w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"])
        return F.layer_norm(x, (dim,), w["ln_f.weight"], w["ln_f.bias"]) @ w["wte.weight"].T


def f32(name, t):
    return ("F32", list(t.shape), t.detach().float().flatten().tolist())


def export(model, example, inputs, outputs, path, dynamic):
    torch.onnx.export(model, example, path, opset_version=17, input_names=inputs, output_names=outputs, dynamic_axes=dynamic)


out = {}
vae = VaeDecoder().eval()
for name, p in vae.state_dict().items():
    out["vae." + name] = f32(name, p)
latents = torch.randn(3, 3)
out["vae.latents"] = f32("", latents)
export(vae, latents, ["latent"], ["image"], os.path.join(HERE, "vae_twin.onnx"), {"latent": {0: "batch"}, "image": {0: "batch"}})

gan = Generator()
with torch.no_grad():
    for bn in (gan.bn0, gan.bn1):
        bn.weight.normal_(1, 0.3)
        bn.bias.normal_(0, 0.3)
        bn.running_mean.normal_(0, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
gan.eval()
for name, p in gan.state_dict().items():
    if not name.endswith("num_batches_tracked"):
        out["gan." + name] = f32(name, p)
noise = torch.randn(4, 5)
out["gan.latents"] = f32("", noise)
export(gan, noise, ["latent"], ["image"], os.path.join(HERE, "gan_twin.onnx"), {"latent": {0: "batch"}, "image": {0: "batch"}})

meta, tensors = read(os.path.join(HERE, "gpt_parity.safetensors"))
weights = {k[2:]: torch.tensor(v[2], dtype=torch.float64).view(v[1]) for k, v in tensors.items() if k.startswith("w.")}
gpt = Gpt(weights, int(meta["heads"]), int(meta["layers"])).eval()
tokens = torch.tensor(tensors["tokens"][2], dtype=torch.long).view(tensors["tokens"][1])
export(gpt, tokens, ["input_ids"], ["logits"], os.path.join(HERE, "gpt_twin.onnx"), {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}})

write(os.path.join(HERE, "onnx_twins.safetensors"), out, {"generator": "make_onnx_twins.py", "torch": torch.__version__})
print("wrote vae_twin.onnx, gan_twin.onnx, gpt_twin.onnx and", len(out), "tensors")
