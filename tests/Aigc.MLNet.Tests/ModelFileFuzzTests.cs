using System.IO.Compression;
using System.Text;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Data;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

/// <summary>Random corruption of valid model files of every family: each load either succeeds or
/// fails with <see cref="ModelFileException"/> — never another exception type, a hang or a crash.</summary>
public class ModelFileFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IDataView Images(int count, bool minusOneToOne)
    {
        var rand = new Random(1);
        var images = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 784).Select(_ => (float)(minusOneToOne ? rand.NextDouble() * 2 - 1 : rand.NextDouble())).ToArray()).ToArray();
        var labels = Enumerable.Range(0, count).Select(i => (long)(i % 10)).ToArray();
        return TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), images), ("Label", NumberDataViewType.Int64, labels)]);
    }

    private byte[] ValidFile(MLContext ctx, string family)
    {
        var path = Path.Combine(_dir, family + ".aigc");
        ISavableModel model = family switch
        {
            "vae" => ctx.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1 }).Fit(Images(64, false)),
            "gan" => ctx.Generative().Trainers.Gan(GanOptions.Nano with { MaxSteps = 1, LabelColumn = "Label" }).Fit(Images(64, true)),
            "diffusion" => ctx.Generative().Trainers.Diffusion(DiffusionOptions.Nano with { MaxSteps = 1, LabelColumn = "Label" }).Fit(Images(64, true)),
            "causal-lm" or "causal-lm-bpe" => ctx.Generative().Trainers.CausalLM(CausalLMOptions.Nano with
            {
                MaxSteps = 2, WarmupSteps = 1, TokenizerKind = family == "causal-lm" ? TokenizerKind.Char : TokenizerKind.Bpe, BpeVocabularySize = 270,
                TrainingContextLength = 8,
            }).Fit(TestData.View([("Text", TextDataViewType.Instance, new[] { "the quick brown fox jumps over the lazy dog, again and again" })])),
            _ => ctx.Generative().Trainers.ImageClassifier(new ImageClassifierOptions { MaxSteps = 1, FeatureDim = 8 }).Fit(Images(64, false)),
        };
        ctx.Model.SaveGenerative(model, path);
        ((IDisposable)model).Dispose();
        return File.ReadAllBytes(path);
    }

    /// <summary>A manifest with one value changed to something hostile (wrong type, huge, negative).</summary>
    private static byte[] EditManifest(byte[] file, Random rand)
    {
        using var input = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var manifest = new StreamReader(input.GetEntry("manifest.json")!.Open()).ReadToEnd();
        string[] edits = ["\"latentDim\": 20", "\"latentDim\": -5", "\"height\": 99999", "\"channels\": \"x\"", "\"numClasses\": 0",
                          "\"featureDim\": 1e30", "\"family\": null", "\"options\": 3", "\"weights\": []", "\"hiddenDim\": 2147483647",
                          "\"layers\": 256", "\"embeddingDim\": 65536", "\"contextLength\": 1048576", "\"vocabularySize\": 4194304",
                          "\"tokenizer\": \"zzz\"", "\"baseChannels\": 1024", "\"channelMultipliers\": [16, 16, 16, 16, 16, 16]", "\"timesteps\": 1"];
        var key = edits[rand.Next(edits.Length)].Split(':')[0];
        int at = manifest.IndexOf(key, StringComparison.Ordinal);
        if (at >= 0)
        {
            int end = manifest.IndexOfAny([',', '}'], at);
            manifest = manifest[..at] + edits[rand.Next(edits.Length)] + manifest[end..];
        }
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var e in input.Entries)
            {
                using var w = zip.CreateEntry(e.FullName).Open();
                if (e.FullName == "manifest.json") w.Write(Encoding.UTF8.GetBytes(manifest));
                else e.Open().CopyTo(w);
            }
        return output.ToArray();
    }

    /// <summary>One extra file (a tokenizer vocabulary) replaced by a damaged copy; files without
    /// extra files get their manifest edited instead.</summary>
    private static byte[] ReplaceExtraFile(byte[] file, Random rand)
    {
        using var input = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var extras = input.Entries.Where(e => e.FullName.StartsWith("files/", StringComparison.Ordinal)).ToList();
        if (extras.Count == 0) return EditManifest(file, rand);
        var target = extras[rand.Next(extras.Count)].FullName;
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var e in input.Entries)
            {
                using var w = zip.CreateEntry(e.FullName).Open();
                using var r = new MemoryStream();
                e.Open().CopyTo(r);
                var content = r.ToArray();
                if (e.FullName == target)
                    content = rand.Next(3) switch
                    {
                        0 => content[..rand.Next(content.Length)],
                        1 => Encoding.UTF8.GetBytes("{\"a\": [1, 2"),
                        _ => content.Select(b => rand.Next(50) == 0 ? (byte)rand.Next(256) : b).ToArray(),
                    };
                w.Write(content);
            }
        return output.ToArray();
    }

    [Theory]
    [InlineData("vae")]
    [InlineData("gan")]
    [InlineData("image-classifier")]
    [InlineData("diffusion")]
    [InlineData("causal-lm")]
    [InlineData("causal-lm-bpe")]
    public void CorruptedFiles_FailOnlyWithModelFileException(string family)
    {
        var ctx = Cpu.Context(1);
        var valid = ValidFile(ctx, family);
        ((IDisposable)ctx.Model.LoadGenerative(Path.Combine(_dir, family + ".aigc"))).Dispose(); // the unharmed file loads
        var rand = new Random(family.Length * 7919);
        var path = Path.Combine(_dir, "mutant.aigc");
        int loaded = 0, rejected = 0;
        for (int n = 0; n < 300; n++)
        {
            var bytes = (byte[])valid.Clone();
            switch (n % 4)
            {
                case 3:
                    bytes = ReplaceExtraFile(valid, rand);
                    break;
                case 0:
                    for (int k = rand.Next(1, 5); k > 0; k--) bytes[rand.Next(bytes.Length)] ^= (byte)rand.Next(1, 256);
                    break;
                case 1:
                    bytes = bytes[..rand.Next(bytes.Length)];
                    break;
                default:
                    bytes = EditManifest(valid, rand);
                    break;
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                var model = ctx.Model.LoadGenerative(path);
                ((IDisposable)model).Dispose();
                loaded++;
            }
            catch (ModelFileException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
        }
        Assert.True(rejected > 150, $"{rejected} of 300 corruptions were rejected, {loaded} loaded");
    }
}
