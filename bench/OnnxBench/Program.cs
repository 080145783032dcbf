// C# sides of bench/run_onnx_bench.py: generation speed of the same trained-shape model through our
// libtorch path ("torch") and through its ONNX export on ONNX Runtime ("onnx"). Models: the VAE
// decoder (VaeOptions.Small), the DCGAN generator (GanOptions.Small), 50-step DDIM with the
// diffusion U-Net (DiffusionOptions.Small), and 256 greedy tokens after a 32-token prompt from the
// baby GPT of the LM bench (4 layers, 4 heads, width 128, 100 characters; ONNX Runtime GenAI on
// the "onnx" side). Each is fitted for one step (the weights' values do not
// change the work) and exported before the clock starts; one warm-up call at batch 1, then calls
// until the time budget is spent (at least one). Prints one JSON line.
// Usage: OnnxBench --side torch|onnx --model vae|gan|ddim|gpt --batch B [--seconds S] [--threads T]
using System.Diagnostics;
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Aigc.Torch;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
string side = Arg("--side", "onnx"), kind = Arg("--model", "vae");
int batch = int.Parse(Arg("--batch", "1"), CultureInfo.InvariantCulture);
double seconds = double.Parse(Arg("--seconds", "3"), CultureInfo.InvariantCulture);
int threads = int.Parse(Arg("--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var ml = new MLContext(seed: 0);
var generative = ml.Generative(new GenerativeOptions { Device = Device.Cpu });
var raw = ml.Data.TakeRows(ml.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"), 256);
IDataView Scaled(PixelScale scale) => ml.Data.Cache(ml.Transforms.ScaleImagePixels("Image", scale: scale).Fit(raw).Transform(raw));
var folder = Directory.CreateTempSubdirectory("aigc-onnx-bench-").FullName;
var ddim = new SamplingOptions { Sampler = SamplerKind.Ddim, Steps = 50, Eta = 0 };
var onnxDdim = new OnnxSamplingOptions { Sampler = OnnxSampler.Ddim, Steps = 50, Eta = 0 };
var greedy = new GenerationOptions { DoSample = false, MaxNewTokens = NewTokens, StopAtEndOfText = false };
using var session = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };

ITransformer model = kind switch
{
    "vae" => generative.Trainers.Vae(VaeOptions.Small with { MaxSteps = 1 }).Fit(Scaled(PixelScale.ZeroToOne)),
    "gan" => generative.Trainers.Gan(GanOptions.Small with { MaxSteps = 1 }).Fit(Scaled(PixelScale.MinusOneToOne)),
    "ddim" => generative.Trainers.Diffusion(DiffusionOptions.Small with { MaxSteps = 1 }).Fit(Scaled(PixelScale.MinusOneToOne)),
    "gpt" => generative.Trainers.CausalLM(new CausalLMOptions
    {
        Gpt = new GptOptions { Layers = 4, Heads = 4, EmbeddingDim = 128, ContextLength = PromptTokens + NewTokens },
        TrainingContextLength = 64, BatchSize = 4, MaxSteps = 1, WarmupSteps = 0, ValidateEveryNSteps = 0,
    }).Fit(ml.Data.LoadFromEnumerable([new TextRow { Text = new string(Enumerable.Range(0, 2000).Select(i => (char)(32 + i % 100)).ToArray()) }])),
    _ => throw new ArgumentException($"--model is vae, gan, ddim or gpt, not '{kind}'"),
};
ml.Model.ExportToOnnx(model, folder);

Action<int> generate;
IDisposable? onnx = null;
if (side == "torch")
{
    generate = kind switch
    {
        "vae" => seed => ((VaeTransformer)model).Sample(batch, seed).Dispose(),
        "gan" => seed => ((GanTransformer)model).Generate(batch, seed).Dispose(),
        "ddim" => seed => ((DiffusionTransformer)model).Generate(batch, seed, options: ddim).Dispose(),
        _ => _ => Check(((CausalLMTransformer)model).Generator.GenerateFromTokens(Enumerable.Repeat(Prompt(), batch).ToList(), greedy).Sum(r => r.GeneratedTokens)),
    };
}
else
{
    switch (kind)
    {
        case "vae": var vae = OnnxVae.Load(folder, session); onnx = vae; generate = seed => vae.Sample(batch, seed); break;
        case "gan": var gan = OnnxGan.Load(folder, session); onnx = gan; generate = seed => gan.Generate(batch, seed); break;
        case "ddim": var diffusion = OnnxDiffusion.Load(folder, session); onnx = diffusion; generate = seed => diffusion.Generate(batch, seed, options: onnxDdim); break;
        default:
            var config = new Microsoft.ML.OnnxRuntimeGenAI.Config(folder);
            config.Overlay("{\"model\": {\"decoder\": {\"session_options\": {\"intra_op_num_threads\": " + threads.ToString(CultureInfo.InvariantCulture)
                + ", \"inter_op_num_threads\": 1}}}}");
            var lm = new Microsoft.ML.OnnxRuntimeGenAI.Model(config);
            onnx = lm;
            generate = _ =>
            {
                using var search = new Microsoft.ML.OnnxRuntimeGenAI.GeneratorParams(lm);
                search.SetSearchOption("max_length", PromptTokens + NewTokens);
                search.SetSearchOption("batch_size", batch);
                search.SetSearchOption("do_sample", false);
                using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(lm, search);
                generator.AppendTokens(Enumerable.Repeat(Prompt(), batch).SelectMany(p => p).Select(id => (int)id).ToArray());
                while (!generator.IsDone()) generator.GenerateNextToken();
                Check(Enumerable.Range(0, batch).Sum(i => generator.GetSequence((ulong)i).Length - PromptTokens));
            };
            break;
    }
}

// The warm-up runs at batch 1 (sessions, allocators, JIT); then at least one timed call, as the
// 64-image DDIM call alone takes many seconds.
int warmBatch = batch;
batch = 1;
generate(0);
batch = warmBatch;
int calls = 0;
var clock = Stopwatch.StartNew();
while (clock.Elapsed.TotalSeconds < seconds || calls < 1) generate(++calls);
double perSecond = calls * batch * (kind == "gpt" ? NewTokens : 1) / clock.Elapsed.TotalSeconds;
onnx?.Dispose();
(model as IDisposable)?.Dispose();
Directory.Delete(folder, recursive: true);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"side\": \"{side}\", \"model\": \"{kind}\", \"batch\": {batch}, \"calls\": {calls}, \"per_s\": {perSecond:F3}, \"unit\": \"{(kind == "gpt" ? "tokens" : "images")}\"}}"));

// Every row of a batch must have produced all its tokens, or the rate would flatter a short run.
void Check(int generated)
{
    if (generated != batch * NewTokens) throw new InvalidOperationException($"generated {generated} tokens, expected {batch * NewTokens}");
}

long[] Prompt() => Enumerable.Range(0, PromptTokens).Select(i => (long)(i % 100)).ToArray();

internal sealed class TextRow
{
    public string Text { get; set; } = "";
}

internal static partial class Program
{
    private const int PromptTokens = 32, NewTokens = 256;
}
