"""Regenerates ssim.json: SSIM and PSNR values from scikit-image (Debian python3-skimage) for seeded image
pairs, the independent reference for Aigc.MLNet's Ssim. Run: /usr/bin/python3 make_ssim.py
"""
import json
import os

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

rng = np.random.default_rng(7)
cases = []
for name, shape in (("gray28", (1, 28, 28)), ("rgb32", (3, 32, 32)), ("gray11", (1, 11, 11))):
    x = rng.random(shape)
    # A related image: smoothed along rows, plus noise, clipped to [0, 1].
    y = np.clip(0.6 * x + 0.4 * np.roll(x, 1, axis=2) + rng.normal(0, 0.1, shape), 0, 1)
    value = structural_similarity(x, y, data_range=1.0, channel_axis=0, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False)
    psnr = peak_signal_noise_ratio(x, y, data_range=1.0)
    cases.append({"name": name, "shape": list(shape), "x": x.ravel().tolist(), "y": y.ravel().tolist(), "ssim": float(value), "psnr": float(psnr)})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssim.json"), "w") as f:
    json.dump(cases, f)
print("wrote", len(cases), "SSIM cases")
