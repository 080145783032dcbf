"""Runs the distributed benchmark (issue #15): two ranks on loopback over Gloo, ours
(DistributedBench) and torch.distributed (distributed_bench.py) alternating for --rounds rounds, each
rank with one libtorch thread (2 cores, 2 processes). Prints the medians as Markdown tables.
  all-reduce: time per all-reduce of 1-100 MiB float32 buffers, and the algorithm bandwidth (bytes / time);
  GPT step  : baby GPT ms/step with the gradients all-reduced and without (DDP's no_sync), per side.
Usage: run_distributed_bench.py [--rounds 3] [--reps 20] [--blocks 6] [--block 20]
"""
import os
import socket
import statistics
import subprocess
import sys
import json

from sidebyside import arg, dotnet, python, thread_env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(cmd, world=2):
    """Starts `world` ranks of cmd with torchrun's variables; returns rank 0's JSON line."""
    port = str(free_port())
    print("$", " ".join(cmd[1:]), f"(x{world})", file=sys.stderr, flush=True)
    procs = []
    for rank in range(world):
        env = dict(thread_env(1), MASTER_ADDR="127.0.0.1", MASTER_PORT=port, RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate()[0] for p in procs]
    for p in procs:
        if p.returncode != 0:
            raise SystemExit(f"a rank exited with {p.returncode}")
    return [json.loads(line) for line in outputs[0].splitlines() if line.startswith("{")][0]


def main():
    rounds = int(arg("--rounds", "3"))
    reps, blocks, block = arg("--reps", "20"), arg("--blocks", "6"), arg("--block", "20")
    sides = {"ours": dotnet("DistributedBench"), "pytorch": python("distributed_bench.py")}
    reduce, step = {s: [] for s in sides}, {s: [] for s in sides}
    for r in range(rounds):
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for side in order:
            reduce[side].append(launch(sides[side] + ["allreduce", "--reps", reps]))
        for side in order:
            step[side].append(launch(sides[side] + ["gpt-step", "--blocks", blocks, "--block", block]))

    print(f"All-reduce over Gloo, 2 ranks on loopback, median of {rounds} rounds (each the median of {reps} calls)\n")
    print("| MiB | ours ms | PyTorch ms | ours GB/s | PyTorch GB/s | ours / PyTorch time |")
    print("|---|---|---|---|---|---|")
    for size in reduce["ours"][0]["seconds"]:
        t = {s: statistics.median(run["seconds"][size] for run in reduce[s]) for s in sides}
        gbps = {s: float(size) * (1 << 20) / t[s] / 1e9 for s in sides}
        print(f"| {size} | {1e3 * t['ours']:.2f} | {1e3 * t['pytorch']:.2f} | {gbps['ours']:.2f} | {gbps['pytorch']:.2f} | {t['ours'] / t['pytorch']:.2f} |")

    print(f"\nBaby GPT step, 2 ranks x batch 12, 1 thread each, median of {rounds} rounds\n")
    print("| side | parameters | ms/step synced | ms/step alone | all-reduce overhead ms/step |")
    print("|---|---|---|---|---|")
    overhead = {}
    for s in sides:
        synced = statistics.median(run["ms_per_step_synced"] for run in step[s])
        alone = statistics.median(run["ms_per_step_alone"] for run in step[s])
        overhead[s] = synced - alone
        print(f"| {s} | {step[s][0]['parameters']:,} | {synced:.1f} | {alone:.1f} | {overhead[s]:.2f} |")
    print(f"\noverhead ours / PyTorch DDP: {overhead['ours'] / overhead['pytorch']:.2f}" if overhead["pytorch"] > 0 else "")


if __name__ == "__main__":
    main()
