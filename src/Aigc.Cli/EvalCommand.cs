using Microsoft.ML;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Aigc.MLNet;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Aigc.Torch;

namespace Aigc.Cli;

/// <summary><c>aigc eval model.aigc --data …</c>: the family's metrics as a table, or JSON.</summary>
internal static class EvalCommand
{
    private static readonly Argument<string> ModelPath = new("model") { Description = "A model file" };
    private static readonly Option<string> Data = new("--data") { Description = "Data to score: fashion-mnist-test (held out of fashion-mnist), fashion-mnist, fortunes or words (language models score the tenth of the documents aigc train holds out), or a path", Required = true };
    private static readonly Option<string?> Classifier = new("--classifier") { Description = "gan/diffusion: a feature classifier (aigc train classifier) for the Fréchet classifier distance" };
    private static readonly Option<int> Count = new("--count") { Description = "gan/diffusion: images generated and compared", DefaultValueFactory = _ => 1000 };
    private static readonly Option<long?> Limit = new("--limit") { Description = "Use at most N examples of the data" };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the metrics as JSON" };

    public static Command Create()
    {
        var command = new Command("eval", """
            Evaluate a saved model on data: negative ELBO and reconstruction (vae), Fréchet classifier distance and coverage (gan, diffusion), perplexity (lm).
            Examples:
              aigc eval vae.aigc --data fashion-mnist-test
              aigc eval gan.aigc --data fashion-mnist-test --classifier classifier.aigc --json
              aigc eval fortunes.aigc --data fortunes
            """)
        {
            ModelPath, Data, Classifier, Count, Limit, Json, CommonOptions.Device, CommonOptions.Seed, CommonOptions.Threads, CommonOptions.Verbose,
        };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r)));
        return command;
    }

    private static int Run(ParseResult r)
    {
        var ctx = CommonOptions.Context(r);
        string data = r.GetValue(Data)!;
        long? limit = r.GetValue(Limit);
        if (limit is < 1) throw new CliException($"--limit must be at least 1, not {limit}.");
        var model = CommonOptions.LoadModel(ctx, r.GetValue(ModelPath)!, "eval",
            typeof(VaeTransformer), typeof(GanTransformer), typeof(DiffusionTransformer), typeof(CausalLMTransformer));
        using var owned = (IDisposable)model;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        switch (model)
        {
            case VaeTransformer vae:
            {
                var images = BuiltInData.Images(ctx, data, PixelScale.ZeroToOne, limit);
                var (loss, reconstruction, kl) = vae.EvaluateNegativeElbo(images);
                var m = ctx.Evaluators.EvaluateReconstruction(vae.Transform(images), "Image", vae.Options.ReconstructionColumn);
                metrics["negative_elbo"] = loss;
                metrics["reconstruction"] = reconstruction;
                metrics["kl"] = kl;
                metrics["mse"] = m.MeanSquaredError;
                metrics["psnr_db"] = m.PeakSignalToNoiseRatio;
                if (m.StructuralSimilarity is { } ssim) metrics["ssim"] = ssim;
                break;
            }
            case CausalLMTransformer lm:
            {
                // The documents aigc train held out of the same corpus; a corpus under 10 documents has none, so all are scored (and said to be).
                var (all, heldOut) = BuiltInData.Split(BuiltInData.Documents(ctx, data, limit));
                if (heldOut is null)
                    Console.Error.WriteLine($"note: {data} has {all.Length} document(s), fewer than 10, so aigc train held none out; scoring all of them (training text)");
                var p = ctx.Evaluators.EvaluatePerplexity(lm, BuiltInData.Text(ctx.MLContext, heldOut ?? all));
                metrics["loss"] = p.Loss;
                metrics["perplexity"] = p.Perplexity;
                metrics["tokens"] = p.Tokens;
                break;
            }
            default:
            {
                var path = r.GetValue(Classifier) ?? throw new CliException("Image generators are scored with a feature classifier: train one with 'aigc train classifier --data fashion-mnist --out classifier.aigc' and pass --classifier classifier.aigc.");
                using var classifier = (ImageClassifierTransformer)CommonOptions.LoadModel(ctx, path, "eval --classifier", typeof(ImageClassifierTransformer));
                int count = r.GetValue(Count);
                if (count is < 2 or > 100_000) throw new CliException($"--count must be in [2, 100000], not {count}.");
                using var scope = DisposeScope.Enter();
                var real = GenerationEvaluator.ReadImages(BuiltInData.Images(ctx, data, PixelScale.ZeroToOne, limit), "Image");
                real = real.Narrow(0, 0, Math.Min(count, real.Size(0)));
                int seed = r.GetValue(CommonOptions.Seed);
                var generated = model switch
                {
                    GanTransformer gan => gan.Generate(count, seed, gan.IsConditional ? CommonOptions.CycleLabels(count, gan.Options.NumClasses) : null),
                    DiffusionTransformer d => d.Generate(count, seed, d.IsConditional ? CommonOptions.CycleLabels(count, d.Options.NumClasses) : null),
                    _ => throw new CliException("This model cannot be evaluated."),
                };
                var g = ctx.Evaluators.EvaluateGeneration(real, generated, classifier, generatedRange: PixelRange.MinusOneToOne);
                metrics["frechet_classifier_distance"] = g.FrechetClassifierDistance;
                metrics["class_coverage"] = g.ClassCoverage;
                metrics["real"] = g.RealCount;
                metrics["generated"] = g.GeneratedCount;
                break;
            }
        }
        if (r.GetValue(Json)) Console.WriteLine(JsonSerializer.Serialize(metrics));
        else CommonOptions.PrintTable($"{((Aigc.MLNet.ModelFiles.ISavableModel)model).Family} on {data}",
            metrics.Select(m => (m.Key, m.Value.ToString("G6", CultureInfo.InvariantCulture))));
        return 0;
    }
}
