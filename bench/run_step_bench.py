"""Issue #14's one-run comparison of training steps: ours (Aigc.Torch on Debian's libtorch 1.13 with
OpenBLAS), TorchSharp 0.107 (NuGet's libtorch 2.10 with MKL and oneDNN) and PyTorch 1.13 (Debian's
python3-torch, the same libtorch build as ours), alternating for --rounds rounds with the same
threads: the baby GPT's bare training step (LanguageModelBench overhead --side bare, TorchSharpBench
gpt, lm_bench.py step) and the engine bench's MLP and conv steps (EngineBench, TorchSharpBench train,
engine_bench.py). Prints medians and our ratios to each peer, against the issue's targets: the ratio
of the medians, and the median of the per-round ratios (each round's sides run minutes apart, so on a
noisy machine that one drifts less), with the per-round ratios.
Usage: run_step_bench.py [--rounds 3] [--threads 2] [--gpt-steps 200] [--blas pthread|openmp|both]
  --blas openmp (the default where scripts/setup.sh selected it): Debian's OpenMP build of OpenBLAS
  (libopenblas0-openmp) for both Debian-libtorch sides (ours and PyTorch), with OpenBLAS on every
  thread: it shares libtorch's OpenMP pool. --blas pthread: Debian's pthreads build, kept at 1 thread
  as our process tuning sets it (its own pool would fight libtorch's). Each through LD_LIBRARY_PATH,
  whatever the system's libblas.so.3 choice.
  --blas both: ours and PyTorch under each build in the same alternating run (TorchSharp once, on its
  own MKL), plus our openmp / pthread ratio per row: the figures behind scripts/setup.sh's choice.
"""
import os
import statistics
import sys

from sidebyside import arg, dotnet, python, run, system_blas, thread_env

TARGETS = {"gpt": {"torchsharp": 0.95, "pytorch": 0.90}, "mlp": {"torchsharp": 0.95, "pytorch": 0.95},
           "conv": {"torchsharp": 0.95, "pytorch": 0.95}}
BLAS_TEXT = {"pthread": "pthread OpenBLAS at 1 thread", "openmp": "OpenMP OpenBLAS on every thread"}


def main():
    rounds, threads, gpt_steps = int(arg("--rounds", "3")), int(arg("--threads", str(os.cpu_count()))), arg("--gpt-steps", "200")
    blas_arg = arg("--blas", system_blas())
    builds = ["pthread", "openmp"] if blas_arg == "both" else [blas_arg]
    if any(b not in BLAS_TEXT for b in builds):
        raise SystemExit(f"--blas is pthread, openmp or both, not {blas_arg}")
    engine = ["train", "--steps32", "300", "--steps256", "40"]
    ours = [dotnet("LanguageModelBench") + ["overhead", "--side", "bare", "--steps", str(int(gpt_steps) + 20)], dotnet("EngineBench") + engine]
    pytorch = [python("lm_bench.py") + ["step", "--steps", gpt_steps], python("engine_bench.py") + engine]
    sides = {}  # (engine, blas) -> (commands, environment)
    for blas in builds:
        sides[("ours", blas)] = (ours, thread_env(threads, blas))
    sides[("torchsharp", None)] = ([dotnet("TorchSharpBench") + ["gpt", "--steps", gpt_steps], dotnet("TorchSharpBench") + engine], thread_env(threads))
    for blas in builds:
        sides[("pytorch", blas)] = (pytorch, thread_env(threads, blas))
    times = {}
    for r in range(rounds):
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for side in order:
            cmds, env = sides[side]
            for cmd in cmds:
                for rec in run(cmd, env):
                    key = (rec["model"], rec["batch"]) if "model" in rec else ("gpt", 12)
                    times.setdefault(key, {}).setdefault(side, []).append(rec["ms_per_step"])
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    rows = sorted(times.items(), key=lambda kv: (kv[0][0] != "gpt", kv[0]))
    med = {key: {side: statistics.median(v) for side, v in by_side.items()} for key, by_side in rows}
    for blas in builds:
        print(f"Training step, ms (median of {rounds} alternating rounds, {threads} threads, {BLAS_TEXT[blas]})\n")
        print("| model | batch | ours | TorchSharp 0.107 | PyTorch 1.13 | ours / TorchSharp | ours / PyTorch | per round: / TorchSharp | / PyTorch |")
        print("|---|---|---|---|---|---|---|---|---|")
        for key, by_side in rows:
            ours, peers = ("ours", blas), {"torchsharp": ("torchsharp", None), "pytorch": ("pytorch", blas)}
            goal = TARGETS[key[0]]

            def mark(ratio, peer):
                return f"{ratio:.2f}" + (" ✓" if ratio <= goal[peer] else f" (target ≤ {goal[peer]})")

            def per_round(peer):
                ratios = [a / b for a, b in zip(by_side[ours], by_side[peers[peer]])]
                return mark(statistics.median(ratios), peer) + " (" + " ".join(f"{x:.2f}" for x in ratios) + ")"

            m = {"ours": med[key][ours], **{peer: med[key][side] for peer, side in peers.items()}}
            print(f"| {key[0]} | {key[1]} | {m['ours']:.1f} | {m['torchsharp']:.1f} | {m['pytorch']:.1f} | "
                  f"{mark(m['ours'] / m['torchsharp'], 'torchsharp')} | {mark(m['ours'] / m['pytorch'], 'pytorch')} | "
                  f"{per_round('torchsharp')} | {per_round('pytorch')} |")
        print()
    if len(builds) == 2:
        print("OpenMP against pthread OpenBLAS, same run (below 1: the OpenMP build is faster)\n")
        print("| model | batch | ours openmp / pthread | PyTorch openmp / pthread |")
        print("|---|---|---|---|")
        for key, _ in rows:
            ratio = lambda eng: med[key][(eng, "openmp")] / med[key][(eng, "pthread")]
            print(f"| {key[0]} | {key[1]} | {ratio('ours'):.2f} | {ratio('pytorch'):.2f} |")


if __name__ == "__main__":
    main()
