using System.IO.Compression;
using System.Text.Json;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

/// <summary>Every family's options split into what defines the model (saved) and the shared run
/// settings of <see cref="TrainingOptions"/> (never saved).</summary>
public class TrainingOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] RunSettings = typeof(TrainingOptions).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToArray();

    /// <summary>Each family with every shared run setting away from its default.</summary>
    public static TheoryData<TrainingOptions> Families() =>
    [
        WithRunSettings(VaeOptions.Nano), WithRunSettings(GanOptions.Nano), WithRunSettings(DiffusionOptions.Nano),
        WithRunSettings(CausalLMOptions.Nano), WithRunSettings(new ImageClassifierOptions()),
    ];

    private static TrainingOptions WithRunSettings(TrainingOptions o) => o with
    {
        Epochs = 7, MaxSteps = 11, BatchSize = 3, LearningRate = 0.25, Seed = 5, Shuffle = false, DropLastPartialBatch = true,
        ReportEveryNSteps = 2, ValidateEveryNSteps = 4, CheckpointEveryNSteps = 6, CheckpointPath = "/tmp/run.ckpt", ResumeFromCheckpoint = true,
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void ModelFileJson_HoldsNoRunSetting_ButKeepsTheArchitecture(TrainingOptions options)
    {
        var json = JsonDocument.Parse(JsonSerializer.Serialize(options, options.GetType(), ModelFile.Json)).RootElement;
        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Empty(names.Intersect(RunSettings));
        Assert.NotEmpty(names);
        // What comes back is the family's defaults for the run, the saved values for the model.
        var back = (TrainingOptions)JsonSerializer.Deserialize(json.GetRawText(), options.GetType(), ModelFile.Json)!;
        var defaults = (TrainingOptions)Activator.CreateInstance(options.GetType())!;
        Assert.Equal(defaults.Epochs, back.Epochs);
        Assert.Null(back.CheckpointPath);
        back.Validate();
    }

    [Fact]
    public void FamilyDefaults_AreSetByTheirConstructors()
    {
        Assert.Equal((10, 128, 1e-3), (new VaeOptions().Epochs, new VaeOptions().BatchSize, new VaeOptions().LearningRate));
        Assert.Equal((5, 128, 2e-4, true), (new GanOptions().Epochs, new GanOptions().BatchSize, new GanOptions().LearningRate, new GanOptions().DropLastPartialBatch));
        Assert.Equal(((long?)2000, 12), (new CausalLMOptions().MaxSteps, new CausalLMOptions().BatchSize));
        // A record's with-expression keeps the derived type and the shared settings.
        var nano = VaeOptions.Nano with { Epochs = 3 };
        Assert.IsType<VaeOptions>(nano);
        Assert.Equal((3, 8), (nano.Epochs, nano.LatentDim));
    }

    [Fact]
    public void SavedVae_ManifestHoldsNoRunSetting()
    {
        var ctx = Cpu.Context(3);
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        var data = ctx.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(ctx.Data.TakeRows(raw, 64));
        var checkpoint = Path.Combine(_dir, "vae.ckpt");
        var options = VaeOptions.Nano with { MaxSteps = 2, BatchSize = 32, Seed = 9, CheckpointPath = checkpoint, LearningRate = 0.003 };
        using var model = ctx.Generative().Trainers.Vae(options).Fit(data);
        var path = Path.Combine(_dir, "vae.aigc");
        ctx.Model.SaveGenerative(model, path);

        using var zip = ZipFile.OpenRead(path);
        using var reader = new StreamReader(zip.GetEntry("manifest.json")!.Open());
        string manifest = reader.ReadToEnd();
        Assert.DoesNotContain(checkpoint, manifest);
        Assert.DoesNotContain("\"learningRate\"", manifest);
        Assert.DoesNotContain("\"checkpointPath\"", manifest);
        Assert.Contains("\"latentDim\": 8", manifest);
        // The seed is part of what training did (the summary), not a setting for the next run.
        using var loaded = (VaeTransformer)ctx.Model.LoadGenerative(path);
        Assert.Equal(9, loaded.Training.Seed);
        Assert.Null(loaded.Options.Seed);
        Assert.Equal(new VaeOptions().LearningRate, loaded.Options.LearningRate);
    }

    [Fact]
    public void CausalLM_EpochsWithoutAStepBudget_TrainsWholePasses()
    {
        var ctx = Cpu.Context(4);
        var text = string.Join("\n", Enumerable.Range(0, 40).Select(i => $"line {i} of a tiny corpus"));
        var data = TestData.View([("Text", TextDataViewType.Instance, new[] { text })]);
        var options = CausalLMOptions.Nano with { MaxSteps = null, Epochs = 2, BatchSize = 64, WarmupSteps = 2, Seed = 1 };
        using var model = ctx.Generative().Trainers.CausalLM(options).Fit(data);
        // Windows of 33 tokens at stride 1 over the characters; two passes of ceil(windows / 64) steps.
        long windows = text.Length - (options.WindowLength + 1) + 1;
        Assert.Equal(2 * ((windows + 63) / 64), model.Training.Steps);
    }
}
