"""Issue #14's one-run comparison of training steps: ours (Aigc.Torch on Debian's libtorch 1.13 with
OpenBLAS), TorchSharp 0.107 (NuGet's libtorch 2.10 with MKL and oneDNN) and PyTorch 1.13 (Debian's
python3-torch, the same libtorch build as ours), alternating for --rounds rounds with the same
threads: the baby GPT's bare training step (LanguageModelBench overhead --side bare, TorchSharpBench
gpt, lm_bench.py step) and the engine bench's MLP and conv steps (EngineBench, TorchSharpBench train,
engine_bench.py). Prints medians and our ratios to each peer, against the issue's targets.
Usage: run_step_bench.py [--rounds 3] [--threads 2] [--gpt-steps 200] [--blas pthread|openmp]
  --blas openmp: Debian's OpenMP build of OpenBLAS (libopenblas0-openmp) for both Debian-libtorch sides
  (ours and PyTorch), through LD_LIBRARY_PATH (the system's libblas.so.3 choice is left alone), with
  OpenBLAS on every thread: it shares libtorch's OpenMP pool instead of fighting it.
"""
import os
import statistics
import sys

from sidebyside import arg, dotnet, python, run, thread_env

TARGETS = {"gpt": {"torchsharp": 0.95, "pytorch": 0.90}, "mlp": {"torchsharp": 0.95, "pytorch": 0.95},
           "conv": {"torchsharp": 0.95, "pytorch": 0.95}}


def main():
    rounds, threads, gpt_steps = int(arg("--rounds", "3")), int(arg("--threads", str(os.cpu_count()))), arg("--gpt-steps", "200")
    env = thread_env(threads)
    blas = arg("--blas", "pthread")
    if blas == "openmp":
        env = dict(env, LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/openblas-openmp", OPENBLAS_NUM_THREADS=str(threads), AIGC_BLAS_THREADS=str(threads))
    elif blas != "pthread":
        raise SystemExit(f"--blas is pthread or openmp, not {blas}")
    engine = ["train", "--steps32", "300", "--steps256", "40"]
    sides = {
        "ours": [dotnet("LanguageModelBench") + ["overhead", "--side", "bare", "--steps", str(int(gpt_steps) + 20)], dotnet("EngineBench") + engine],
        "torchsharp": [dotnet("TorchSharpBench") + ["gpt", "--steps", gpt_steps], dotnet("TorchSharpBench") + engine],
        "pytorch": [python("lm_bench.py") + ["step", "--steps", gpt_steps], python("engine_bench.py") + engine],
    }
    times = {}
    for r in range(rounds):
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for side in order:
            for cmd in sides[side]:
                for rec in run(cmd, env):
                    if "model" in rec:
                        key = (rec["model"], rec["batch"])
                    else:
                        key = ("gpt", 12)
                    times.setdefault(key, {}).setdefault(side, []).append(rec["ms_per_step"])
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    blas_text = "OpenMP OpenBLAS on every thread" if blas == "openmp" else "pthread OpenBLAS at 1 thread"
    print(f"Training step, ms (median of {rounds} alternating rounds, {threads} threads, {blas_text})\n")
    print("| model | batch | ours | TorchSharp 0.107 | PyTorch 1.13 | ours / TorchSharp | ours / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for (model, batch), by_side in sorted(times.items(), key=lambda kv: (kv[0][0] != "gpt", kv[0])):
        m = {s: statistics.median(v) for s, v in by_side.items()}
        goal = TARGETS[model]
        mark = lambda peer: f"{m['ours'] / m[peer]:.2f}" + (" ✓" if m["ours"] / m[peer] <= goal[peer] else f" (target ≤ {goal[peer]})")
        print(f"| {model} | {batch} | {m['ours']:.1f} | {m['torchsharp']:.1f} | {m['pytorch']:.1f} | {mark('torchsharp')} | {mark('pytorch')} |")


if __name__ == "__main__":
    main()
