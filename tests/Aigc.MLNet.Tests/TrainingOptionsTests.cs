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
public class TrainingOptionsTests
{
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
