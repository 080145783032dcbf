"""Side-by-side engine benchmark: bench/EngineBench (C# on Aigc.Torch) against bench/engine_bench.py
(PyTorch on Debian's python3-torch, the same libtorch build), same models, data, batches and
threads. Processes alternate for several rounds and medians are compared.

PyTorch runs twice per round: as users run it (glibc malloc defaults), and with the malloc settings
Aigc.Torch applies at load (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_), so the second ratio
isolates per-op overhead from allocator behaviour. The last lines are the C#/PyTorch ratios.
Usage: run_engine_bench.py [--rounds N] [--threads N] [--soak-steps N]
"""
import json
import os
import statistics
import subprocess
import sys

from sidebyside import system_blas, thread_env

HERE = os.path.dirname(os.path.abspath(__file__))
CS = ["dotnet", os.path.join(HERE, "EngineBench/bin/Release/net10.0/EngineBench.dll")]
PY = ["/usr/bin/python3", os.path.join(HERE, "engine_bench.py")]
FLOPS_PER_IMAGE = {"mlp": 3 * 2.0 * (784 * 512 + 512 * 512 + 512 * 784),
                   "conv": 3 * 2.0 * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 64 * 7 * 7 * 10)}
TARGET = {32: 0.95, 256: 1.00}


def arg(name, fallback):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else fallback


def run(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    rounds, threads, soak = arg("--rounds", 5), arg("--threads", os.cpu_count()), arg("--soak-steps", 10000)
    base = thread_env(threads)
    tuned = dict(base, MALLOC_MMAP_THRESHOLD_=str(32 << 20), MALLOC_TRIM_THRESHOLD_=str(1 << 30))
    steps = ["--steps32", "500", "--steps256", "60"]
    sides = {"csharp": (CS, base), "pytorch": (PY, base), "pytorch+malloc": (PY, tuned)}
    times = {}
    for r in range(rounds):
        for side, (cmd, env) in sides.items():
            for rec in run(cmd + ["train"] + steps, env):
                times.setdefault((side, rec["model"], rec["batch"]), []).append(rec["ms_per_step"])
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    # The machine's peak: a large matmul with BLAS on every core (with the pthreads OpenBLAS the
    # training runs keep BLAS at one thread, which was faster overall); the one-thread figure too.
    allcores = dict(base, OPENBLAS_NUM_THREADS=str(threads), AIGC_BLAS_THREADS=str(threads))
    blas1 = dict(base, OPENBLAS_NUM_THREADS="1", AIGC_BLAS_THREADS="1")
    sgemm = {name: statistics.median(run(CS + ["sgemm"], env)[0]["gflops"] for _ in range(3))
             for name, env in (("blas1", blas1), ("blasN", allcores))}
    pyt = statistics.median(run(PY + ["sgemm"], allcores)[0]["gflops"] for _ in range(3))
    peak = max(sgemm.values())
    print(f"machine: {os.cpu_count()} cores; threads: intra-op {threads}, BLAS {base['OPENBLAS_NUM_THREADS']} ({system_blas()} OpenBLAS); rounds: {rounds}")
    print(f"sgemm (2048x2048 float32 matmul through the engine): {sgemm['blasN']:.1f} GFLOP/s with BLAS on {threads} threads "
          f"(PyTorch: {pyt:.1f}), {sgemm['blas1']:.1f} with BLAS on 1 thread; peak used below: {peak:.1f}")
    print(f"{'model':6} {'batch':>5} {'C# ms':>8} {'PyTorch ms':>11} {'PyT+malloc ms':>14} {'C# GFLOP/s':>11} {'% of peak':>10}")
    ratios = []
    for model in ("mlp", "conv"):
        for batch in (32, 256):
            cs, py, pym = (statistics.median(times[(s, model, batch)]) for s in sides)
            gflops = FLOPS_PER_IMAGE[model] * batch / (cs / 1000) / 1e9
            print(f"{model:6} {batch:5d} {cs:8.2f} {py:11.2f} {pym:14.2f} {gflops:11.1f} {100 * gflops / peak:9.0f}%")
            ratios.append((model, batch, cs / py, cs / pym))

    if soak > 0:
        print(f"soak: {soak} MLP training steps (batch 32) in C#")
        for rec in run(CS + ["soak", "--steps", str(soak)], base):
            print(f"  step {rec['step']:6d}  live tensors {rec['live_tensors']:4d}  RSS {rec['rss_mib']:7.1f} MiB  {rec['seconds']:6.1f} s")

    for model, batch, vs_default, vs_tuned in ratios:
        ok = "meets" if vs_default <= TARGET[batch] else "misses"
        print(f"ratio {model} batch {batch}: C#/PyTorch {vs_default:.2f} ({ok} target <= {TARGET[batch]:.2f}); "
              f"C#/PyTorch-with-same-malloc {vs_tuned:.2f}")


if __name__ == "__main__":
    main()
