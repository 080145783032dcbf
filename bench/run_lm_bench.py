"""Side-by-side language-model benchmark (issue #5): the char-level baby GPT (4 layers, 4 heads,
128 wide, context 64, batch 12, AdamW 1e-3 with 100 warmup steps and cosine decay to 1e-4, clipping
1.0) trained by Aigc.MLNet and by PyTorch on the Debian fortunes corpus (every 10th fortune held
out), with the same threads; then greedy decoding speed with and without the KV cache. The last
lines are the comparisons. Usage: run_lm_bench.py [--steps N] [--new-tokens N] [--work DIR]
"""
import math
import os

from sidebyside import HERE, arg, dotnet, python, run, thread_env

CS = dotnet("LanguageModelBench")
PY = python("lm_bench.py")


def main():
    steps, new_tokens = arg("--steps", "2000"), arg("--new-tokens", "256")
    work = arg("--work", os.path.join(HERE, "results"))
    os.makedirs(work, exist_ok=True)
    threads = str(os.cpu_count())
    env = thread_env(threads)
    cs = run(CS + ["train", "--steps", steps, "--model", os.path.join(work, "baby-gpt.aigc")], env)[0]
    py = run(PY + ["train", "--steps", steps], env)[0]
    gen_cs = run(CS + ["generate", "--new-tokens", new_tokens], env)[0]
    gen_py = run(PY + ["generate", "--new-tokens", new_tokens], env)[0]

    print(f"machine: {os.cpu_count()} cores; threads: intra-op {threads}, BLAS 1")
    print(f"char-level baby GPT ({cs['parameters']} parameters, vocabulary {cs['vocab']}), {steps} steps of batch 12 x 64 on fortunes:")
    print(f"  C#      validation loss {cs['val_loss']:.4f} (perplexity {cs['perplexity']:.2f})   {cs['ms_per_step']:.2f} ms/step")
    print(f"  PyTorch validation loss {py['val_loss']:.4f} (perplexity {math.exp(py['val_loss']):.2f})   {py['ms_per_step']:.2f} ms/step")
    print(f"greedy decoding, baby-width GPT (context {32 + int(new_tokens)}), batch 1, {new_tokens} new tokens after a 32-token prompt:")
    print(f"  C# with KV cache    {gen_cs['tokens_per_second']:.1f} tokens/s")
    print(f"  C# without cache    {gen_cs['tokens_per_second_without_cache']:.1f} tokens/s")
    print(f"  PyTorch KV cache    {gen_py['tokens_per_second']:.1f} tokens/s")
    print("sample (C# model, temperature 0.8, top-k 40, prompt 'Q: '):")
    print("  " + cs["sample"].replace("\n", "\n  "))
    print(f"validation loss: C# vs PyTorch {100 * (cs['val_loss'] / py['val_loss'] - 1):+.2f}% (target within 2%)")
    print(f"step time ratio C#/PyTorch: {cs['ms_per_step'] / py['ms_per_step']:.2f} (target <= 1.00)")
    print(f"KV cache speed-up: {gen_cs['tokens_per_second'] / gen_cs['tokens_per_second_without_cache']:.2f}x (target >= 3)")
    print(f"cached decoding C#/PyTorch: {gen_cs['tokens_per_second'] / gen_py['tokens_per_second']:.2f} (target >= 1.00)")


if __name__ == "__main__":
    main()
