using Aigc.MLNet.LanguageModels;

namespace Aigc.MLNet;

/// <summary><c>ctx.Generative.Trainers.CausalLM(...)</c>.</summary>
public static class CausalLMCatalogExtensions
{
    /// <summary>A causal language-model trainer with the given options (GPT "baby" by default).</summary>
    public static CausalLMTrainer CausalLM(this GenerativeCatalog.GenerativeTrainers trainers, CausalLMOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new CausalLMTrainer(trainers.Context, options);
    }

    /// <summary>A causal language-model trainer reading <paramref name="textColumn"/>.</summary>
    public static CausalLMTrainer CausalLM(this GenerativeCatalog.GenerativeTrainers trainers, string textColumn = "Text",
        LanguageModelArchitecture architecture = LanguageModelArchitecture.Gpt, long maxSteps = 2000) =>
        trainers.CausalLM(new CausalLMOptions { TextColumn = textColumn, Architecture = architecture, MaxSteps = maxSteps });
}
