using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.LanguageModels;

namespace Aigc.MLNet;

/// <summary><c>mlContext.Generative().Trainers.CausalLM(...)</c>.</summary>
public static class CausalLMCatalogExtensions
{
    /// <summary>A causal language-model trainer with the given options (GPT "baby" by default).</summary>
    public static CausalLMTrainer CausalLM(this GenerativeCatalog.GenerativeTrainers trainers, CausalLMOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new CausalLMTrainer(trainers.Catalog, options);
    }

    /// <summary>A causal language-model trainer reading <paramref name="textColumn"/>.</summary>
    public static CausalLMTrainer CausalLM(this GenerativeCatalog.GenerativeTrainers trainers, string textColumn = "Text",
        LanguageModelArchitecture architecture = LanguageModelArchitecture.Gpt, long maxSteps = 2000) =>
        trainers.CausalLM(new CausalLMOptions { TextColumn = textColumn, Architecture = architecture, MaxSteps = maxSteps });
}

/// <summary><c>mlContext.Generative().Evaluators.EvaluatePerplexity(...)</c>.</summary>
public static class LanguageModelEvaluatorExtensions
{
    /// <summary>Perplexity of <paramref name="model"/> on the documents of a text column (see
    /// <see cref="CausalLMTransformer.EvaluatePerplexity"/>). Lower is better.</summary>
    public static PerplexityMetrics EvaluatePerplexity(this GenerativeCatalog.GenerativeEvaluators evaluators, CausalLMTransformer model,
        IDataView data, string? textColumn = null)
    {
        ArgumentNullException.ThrowIfNull(evaluators);
        ArgumentNullException.ThrowIfNull(model);
        return model.EvaluatePerplexity(data, textColumn);
    }
}
