using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>A nano GPT trained once (≈2 s) to memorise a repeating sentence, so generation tests can
/// check exact continuations: greedy decoding from "the quick" must continue the sentence.</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public const string Sentence = "the quick brown fox jumps over the lazy dog. ";

    public TrainedModelFixture()
    {
        Context = Cpu.Context(11);
        var text = string.Concat(Enumerable.Repeat(Sentence, 40));
        Data = TestData.View([("Text", TextDataViewType.Instance, new[] { text })]);
        Options = CausalLMOptions.Nano with { MaxSteps = 250, LearningRate = 3e-3, WarmupSteps = 10, ReportEveryNSteps = 50 };
        Model = Context.Generative().Trainers.CausalLM(Options).Fit(Data);
    }

    public MLContext Context { get; }

    public IDataView Data { get; }

    public CausalLMOptions Options { get; }

    public CausalLMTransformer Model { get; }

    public static GenerationOptions Greedy(int tokens) => new() { DoSample = false, MaxNewTokens = tokens };

    public void Dispose() => Model.Dispose();
}
