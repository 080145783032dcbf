"""Our engine against itself at another commit: the same steps (the baby GPT's bare training step,
LanguageModelBench overhead --side bare, with its forward/backward/clip/optimizer breakdown; and
EngineBench's MLP and conv steps), alternating between the two builds for --rounds rounds with the
same threads. Prints each row's medians and the per-round ratios this / other: on this noisy machine
a change is only believed when most rounds agree.
Usage: run_build_ab.py --other DIR [--rounds 5] [--threads 2] [--gpt-steps 220]
  DIR: a checkout of the other commit whose bench projects are built (run-build-ab.sh makes one).
"""
import os
import statistics
import sys

from sidebyside import HERE, arg, run, thread_env


def sides(root, gpt_steps):
    bench = lambda p: ["dotnet", os.path.join(root, "bench", p, "bin/Release/net10.0", f"{p}.dll")]
    return [bench("LanguageModelBench") + ["overhead", "--side", "bare", "--steps", gpt_steps],
            bench("EngineBench") + ["train", "--steps32", "300", "--steps256", "40"]]


def main():
    other = arg("--other", None)
    if other is None or not os.path.isdir(other):
        raise SystemExit("--other DIR: a built checkout of the commit to compare with")
    rounds, threads, gpt_steps = int(arg("--rounds", "5")), int(arg("--threads", "2")), arg("--gpt-steps", "220")
    builds = {"this": sides(os.path.dirname(HERE), gpt_steps), "other": sides(other, gpt_steps)}
    env = thread_env(threads)
    times, parts = {}, {}
    for r in range(rounds):
        for build in (["this", "other"] if r % 2 == 0 else ["other", "this"]):
            for cmd in builds[build]:
                for rec in run(cmd, env):
                    key = (rec["model"], rec["batch"]) if "model" in rec else ("gpt", 12)
                    times.setdefault(key, {}).setdefault(build, []).append(rec["ms_per_step"])
                    for name, ms in rec.get("breakdown", {}).items():
                        parts.setdefault(name, {}).setdefault(build, []).append(ms)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    print(f"Training step, ms (median of {rounds} alternating rounds, {threads} threads); this = {os.path.dirname(HERE)}, other = {other}\n")
    print("| model | batch | this | other | this / other (median of rounds) | per round |")
    print("|---|---|---|---|---|---|")
    for (model, batch), by in sorted(times.items(), key=lambda kv: (kv[0][0] != "gpt", kv[0])):
        ratios = [a / b for a, b in zip(by["this"], by["other"])]
        print(f"| {model} | {batch} | {statistics.median(by['this']):.2f} | {statistics.median(by['other']):.2f} | "
              f"{statistics.median(ratios):.3f} | {' '.join(f'{x:.2f}' for x in ratios)} |")
    if parts:
        print("\nGPT step breakdown, ms (medians): " + ", ".join(
            f"{name} {statistics.median(by['this']):.2f} / {statistics.median(by['other']):.2f}" for name, by in parts.items()))


if __name__ == "__main__":
    main()
