"""Plays torchrun's elastic agent for one test: hosts the rendezvous TCPStore itself (as the agent
does), then starts two workers with torchrun's variables and TORCHELASTIC_USE_AGENT_STORE=True, so
the workers must connect to this store instead of hosting one. Debian 12's own torchrun (torch 1.13
on Python 3.11) fails before starting any worker, so the agent's part is reproduced here.
Usage: agent_store_launch.py PORT PROGRAM ARGS...   Prints the workers' exit codes as JSON."""
import datetime
import json
import os
import subprocess
import sys

import torch.distributed as dist

port = int(sys.argv[1])
store = dist.TCPStore("127.0.0.1", port, 1, True, datetime.timedelta(seconds=60), wait_for_workers=False)
store.set("agent/owned", "1")  # a key of the agent's own, as torchrun's rendezvous leaves behind
workers = []
for rank in range(2):
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank),
               TORCHELASTIC_USE_AGENT_STORE="True", TORCHELASTIC_RESTART_COUNT="1")
    workers.append(subprocess.Popen(sys.argv[2:], env=env))
print(json.dumps([w.wait(timeout=120) for w in workers]))
