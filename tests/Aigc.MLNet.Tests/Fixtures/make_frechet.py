"""Regenerates frechet.json: Frechet distances computed with numpy and scipy.linalg.sqrtm (the
reference FID formula) for seeded feature sets. Run: /usr/bin/python3 make_frechet.py
"""
import json
import os

import numpy as np
from scipy import linalg

rng = np.random.default_rng(11)
cases = []
for name, n, d, shift in (("close", 200, 8, 0.1), ("far", 150, 16, 1.5), ("wide", 300, 32, 0.5)):
    a = rng.normal(size=(n, d))
    mix = rng.normal(size=(d, d)) * 0.3
    b = rng.normal(size=(n, d)) @ (np.eye(d) + mix) + shift
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    fd = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
    cases.append({"name": name, "a": a.tolist(), "b": b.tolist(), "fd": fd})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "frechet.json"), "w") as f:
    json.dump(cases, f)
print("wrote", [(c["name"], round(c["fd"], 4)) for c in cases])
