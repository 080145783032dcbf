"""Side-by-side diffusion benchmark (issue #6): the same U-Net (DiffusionOptions.Small: base 32,
levels x1 x2 x2, attention at 7x7, T = 1000 linear, epsilon prediction, Adam 1e-3, clipping 1.0,
EMA 0.999) trained by Aigc.MLNet and by PyTorch on Fashion-MNIST for the same steps and batch with
the same threads; DDIM (50 steps, eta 0) samples from the averaged weights of both, scored by one
feature classifier (Frechet classifier distance, class coverage against 2,000 test images).
Usage: run_diffusion_bench.py [--steps N] [--batch B] [--count N] [--work DIR]
"""
import os

from sidebyside import HERE, arg, dotnet, python, run, thread_env

CS = dotnet("FamiliesBench")
PY = python("diffusion_bench.py")


def main():
    steps, batch, count = arg("--steps", "1500"), arg("--batch", "64"), arg("--count", "1000")
    work = arg("--work", os.path.join(HERE, "results"))
    os.makedirs(work, exist_ok=True)
    threads = str(os.cpu_count())
    env = thread_env(threads)
    cs_samples, py_samples = os.path.join(work, "cs-diffusion.safetensors"), os.path.join(work, "py-diffusion.safetensors")
    classifier = os.path.join(work, "classifier.aigc")
    common = ["--steps", steps, "--batch", batch, "--count", count]
    cs = run(CS + ["diffusion", *common, "--samples", cs_samples], env)[0]
    py = run(PY + [*common, "--samples", py_samples], env)[0]
    if not os.path.exists(classifier):
        run(CS + ["classifier", "--out", classifier], env)
    fid = {r["file"]: r for r in run(CS + ["fid", "--classifier", classifier, "--samples", cs_samples, py_samples], env)}

    print(f"machine: {os.cpu_count()} cores; threads: intra-op {threads}, BLAS 1")
    print(f"U-Net diffusion on Fashion-MNIST, {steps} steps of batch {batch}; DDIM-50 samples: {count} per side")
    for side, r, path in (("C#     ", cs, cs_samples), ("PyTorch", py, py_samples)):
        print(f"  {side} {r['ms_per_step']:.1f} ms/step (last loss {r['final_loss']:.4f}); DDIM-50 {r['sample_ms_per_image']:.1f} ms/image; "
              f"Frechet classifier distance {fid[path]['fcd']:.2f}, class coverage {fid[path]['coverage']:.3f}")
    print(f"training step time ratio C#/PyTorch: {cs['ms_per_step'] / py['ms_per_step']:.2f} (target <= 1.00)")
    print(f"DDIM-50 time per image ratio C#/PyTorch: {cs['sample_ms_per_image'] / py['sample_ms_per_image']:.2f}")
    print(f"Frechet classifier distance: C# vs PyTorch {100 * (fid[cs_samples]['fcd'] / fid[py_samples]['fcd'] - 1):+.1f}% (target within 15%)")


if __name__ == "__main__":
    main()
