"""PyTorch side of the distributed benchmark (issue #15): one rank of a torch.distributed group over
Gloo, started by run_distributed_bench.py with torchrun's variables (init_method env://), doing what
DistributedBench does: the same all-reduce sizes, and the same baby GPT step with DistributedDataParallel,
alternating blocks of synchronised steps with blocks under ddp.no_sync(). Prints one JSON line on rank 0.
Usage: distributed_bench.py allreduce [--sizes 1,4,...] [--reps N] | gpt-step [--blocks N] [--block STEPS]
"""
import json
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_bench import step_setup, train_step  # noqa: E402  the same GPT, data and step as the LM bench


def arg(name, fallback):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else fallback


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def allreduce():
    reps = int(arg("--reps", "20"))
    seconds = {}
    for text in arg("--sizes", "1,4,16,64,100").split(","):
        mib = float(text)
        buffer = torch.ones(int(mib * (1 << 20) / 4))
        times = []
        for i in range(reps + 2):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(buffer)
            if i >= 2:
                times.append(time.perf_counter() - start)
        expected = dist.get_world_size() ** (reps + 2)
        assert abs(buffer[0].item() - expected) <= 1e-3 * expected, buffer[0].item()
        seconds[text if "." in text else str(int(mib))] = median(times)
    return {"side": "pytorch", "world": dist.get_world_size(), "seconds": seconds}


def gpt_step():
    blocks, block_steps = int(arg("--blocks", "6")), int(arg("--block", "20"))
    model, opt, stream = step_setup()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    generator = torch.Generator().manual_seed(1 + dist.get_rank())
    synced, alone = [], []
    for b in range(-1, 2 * blocks):
        sync = b % 2 == 0
        dist.barrier()
        start = time.perf_counter()
        for _ in range(block_steps):
            if sync:
                train_step(ddp, model, opt, stream, generator)
            else:
                with ddp.no_sync():
                    train_step(ddp, model, opt, stream, generator)
        ms = 1000 * (time.perf_counter() - start) / block_steps
        if b >= 0:
            (synced if sync else alone).append(ms)
    return {"side": "pytorch", "world": dist.get_world_size(), "parameters": sum(p.numel() for p in model.parameters()),
            "ms_per_step_synced": median(synced), "ms_per_step_alone": median(alone)}


if __name__ == "__main__":
    torch.set_num_threads(int(arg("--threads", "1")))
    dist.init_process_group("gloo", init_method="env://")
    result = allreduce() if sys.argv[1] == "allreduce" else gpt_step()
    if dist.get_rank() == 0:
        print(json.dumps(result), flush=True)
    dist.destroy_process_group()
