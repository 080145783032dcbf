"""Checks run after the move to Microsoft.ML's types (issue #12), each side by side in one run:
1. the DCGAN trained by the C# trainer with seeds 0, 1, 2, scored by the classifier that
   run-families-bench.sh trained, beside that run's PyTorch samples (run the families bench first);
2. the baby GPT step time in 3 alternating rounds of 600 steps: C#, C# without process tuning, PyTorch;
3. C# engine steps with and without process tuning, 2 alternating rounds.
Prints one JSON object. Usage (from the repository root, after the benches are built):
  /usr/bin/python3 bench/run_alternating_checks.py
"""
import json, os, statistics, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import dotnet, python, run, thread_env, HERE
env = thread_env(str(os.cpu_count()))
work = os.path.join(HERE, "results")
fam = dotnet("FamiliesBench")
out = {}
# 1. DCGAN: the same C# trainer with three seeds, scored by the classifier of the families run beside PyTorch's samples.
files = []
for seed in ["0", "1", "2"]:
    f = os.path.join(work, f"cs-gan-seed{seed}.safetensors")
    r = run(fam + ["gan", "--epochs", "1", "--seed", seed, "--samples", f], env)[0]
    files.append(f); out[f"gan_ms_seed{seed}"] = r["ms_per_step"]
fid = run(fam + ["fid", "--classifier", os.path.join(work, "classifier.aigc"), "--samples"] + files + [os.path.join(work, "py-gan-samples.safetensors")], env)
out["fid"] = fid
# 2. LM: alternating rounds, C# tuned / C# untuned / PyTorch.
lm, py = dotnet("LanguageModelBench"), python("lm_bench.py")
untuned = dict(env, AIGC_PROCESS_TUNING="0")
times = {"cs": [], "cs_untuned": [], "py": []}
for _ in range(3):
    times["cs"].append(run(lm + ["train", "--steps", "600", "--model", os.path.join(work, "lm-check.aigc")], env)[0]["ms_per_step"])
    times["cs_untuned"].append(run(lm + ["train", "--steps", "600", "--model", os.path.join(work, "lm-check.aigc")], untuned)[0]["ms_per_step"])
    times["py"].append(run(py + ["train", "--steps", "600"], env)[0]["ms_per_step"])
out["lm"] = {k: statistics.median(v) for k, v in times.items()}
out["lm_all"] = times
# 3. Engine conv/MLP steps with and without the process tuning (malloc), C# only.
eng = dotnet("EngineBench")
e = {"tuned": [], "untuned": []}
for _ in range(2):
    e["tuned"].append(run(eng + ["train", "--steps32", "100", "--steps256", "30"], env))
    e["untuned"].append(run(eng + ["train", "--steps32", "100", "--steps256", "30"], untuned))
out["engine"] = e
print(json.dumps(out, indent=1))
