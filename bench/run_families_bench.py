"""Side-by-side benchmark of the model families (issue #4): the MLP VAE (10 epochs) and the DCGAN
(--gan-epochs) trained by Aigc.MLNet and by PyTorch on the same data with the same settings and
threads. DCGAN samples from both sides are scored by one feature classifier (trained once here):
Frechet classifier distance and class coverage. The last lines are the comparisons.
The VAE runs alternate for --vae-rounds rounds and medians are compared (epoch times vary by a few
percent from run to run). Usage: run_families_bench.py [--vae-epochs N] [--vae-rounds N] [--gan-epochs N] [--work DIR]
"""
import os
import statistics

from sidebyside import HERE, arg, dotnet, python, run, thread_env

CS = dotnet("FamiliesBench")
PY = python("families_bench.py")


def main():
    vae_epochs, gan_epochs = arg("--vae-epochs", "10"), arg("--gan-epochs", "1")
    work = arg("--work", os.path.join(HERE, "results"))
    os.makedirs(work, exist_ok=True)
    threads = str(os.cpu_count())
    env = thread_env(threads)
    classifier = os.path.join(work, "classifier.aigc")
    cs_samples, py_samples = os.path.join(work, "cs-gan-samples.safetensors"), os.path.join(work, "py-gan-samples.safetensors")

    rounds = int(arg("--vae-rounds", "3"))
    runs = {"cs": [], "py": []}
    for _ in range(rounds):
        runs["cs"].append(run(CS + ["vae", "--epochs", vae_epochs], env)[0])
        runs["py"].append(run(PY + ["vae", "--epochs", vae_epochs], env)[0])
    vae_cs, vae_py = ({"test_loss": statistics.median(r["test_loss"] for r in runs[k]),
                       "seconds_per_epoch": statistics.median(r["seconds_per_epoch"] for r in runs[k])} for k in ("cs", "py"))
    gan_cs = run(CS + ["gan", "--epochs", gan_epochs, "--samples", cs_samples], env)[0]
    gan_py = run(PY + ["gan", "--epochs", gan_epochs, "--samples", py_samples], env)[0]
    run(CS + ["classifier", "--out", classifier], env)
    fid = {r["file"]: r for r in run(CS + ["fid", "--classifier", classifier, "--samples", cs_samples, py_samples], env)}

    print(f"machine: {os.cpu_count()} cores; threads: intra-op {threads}, BLAS 1")
    print(f"VAE 784-400-20, batch 128, Adam 1e-3, {vae_epochs} epochs, median of {rounds} rounds (test negative ELBO per image, z sampled):")
    print(f"  C#      test loss {vae_cs['test_loss']:.2f}   {vae_cs['seconds_per_epoch']:.2f} s/epoch (train + test)")
    print(f"  PyTorch test loss {vae_py['test_loss']:.2f}   {vae_py['seconds_per_epoch']:.2f} s/epoch (train + test)")
    print(f"DCGAN (latent 64, 64 channels), batch 128, Adam 2e-4 (0.5, 0.999), {gan_epochs} epoch(s), 2000 samples scored:")
    for side, g, path in (("C#     ", gan_cs, cs_samples), ("PyTorch", gan_py, py_samples)):
        print(f"  {side} {g['ms_per_step']:.1f} ms/step over {g['steps']} steps; Frechet classifier distance {fid[path]['fcd']:.2f}, class coverage {fid[path]['coverage']:.3f}")
    loss_gap = vae_cs["test_loss"] / vae_py["test_loss"] - 1
    fcd_gap = fid[cs_samples]["fcd"] / fid[py_samples]["fcd"] - 1
    print(f"VAE test loss: C# vs PyTorch {100 * loss_gap:+.2f}% (target within 1%)")
    print(f"VAE epoch time ratio C#/PyTorch: {vae_cs['seconds_per_epoch'] / vae_py['seconds_per_epoch']:.2f} (target <= 1.00)")
    print(f"DCGAN Frechet classifier distance: C# vs PyTorch {100 * fcd_gap:+.1f}% (target within 15%)")
    print(f"DCGAN step time ratio C#/PyTorch: {gan_cs['ms_per_step'] / gan_py['ms_per_step']:.2f} (target <= 1.00)")


if __name__ == "__main__":
    main()
