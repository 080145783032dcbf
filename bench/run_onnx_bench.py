"""Side-by-side generation benchmark (issue #13): images/s of the VAE decoder, the DCGAN generator
and 50-step DDIM at batch 1 and 64, and tokens/s of 256-token greedy generation with the baby GPT at
batch 1 and 8, through ONNX Runtime (the exported model: Aigc.MLNet.Onnx, or ONNX Runtime GenAI for
the GPT), our libtorch path (Aigc.MLNet) and PyTorch, in alternating rounds with the same threads;
medians of the rounds. Usage: run_onnx_bench.py [--rounds N] [--seconds S] [--models vae,gan,ddim,gpt]
"""
import os
import statistics

from sidebyside import arg, dotnet, python, run, thread_env

CS = dotnet("OnnxBench")
PY = python("onnx_bench.py")
ROWS = [("vae", 1), ("vae", 64), ("gan", 1), ("gan", 64), ("ddim", 1), ("ddim", 64), ("gpt", 1), ("gpt", 8)]
SIDES = ["onnx", "torch", "pytorch"]


def main():
    rounds, seconds = int(arg("--rounds", "3")), arg("--seconds", "3")
    models = arg("--models", "vae,gan,ddim,gpt").split(",")
    rows = [r for r in ROWS if r[0] in models]
    threads = str(os.cpu_count())
    env = thread_env(threads)
    results = {}
    for r in range(rounds):
        order = SIDES[r % 3:] + SIDES[:r % 3]  # who goes first rotates
        for model, batch in rows:
            for side in order:
                common = ["--model", model, "--batch", str(batch), "--seconds", seconds]
                cmd = PY + common if side == "pytorch" else CS + ["--side", side, "--threads", threads, *common]
                results.setdefault((model, batch, side), []).append(run(cmd, env)[0]["per_s"])

    print(f"machine: {os.cpu_count()} cores; threads: intra-op {threads}, BLAS 1; {rounds} alternating rounds, medians")
    print(f"{'row':<10}{'ONNX Runtime':>14}{'ours libtorch':>15}{'PyTorch':>10}{'ORT/ours':>10}{'ORT/PyTorch':>13}   (images/s, gpt tokens/s; ratio > 1: ONNX Runtime faster)")
    for model, batch in rows:
        m = {s: statistics.median(results[(model, batch, s)]) for s in SIDES}
        print(f"{model + ' b' + str(batch):<10}{m['onnx']:>14.1f}{m['torch']:>15.1f}{m['pytorch']:>10.1f}"
              f"{m['onnx'] / m['torch']:>10.2f}{m['onnx'] / m['pytorch']:>13.2f}")


if __name__ == "__main__":
    main()
