using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// An <see cref="IChatClient"/> (Microsoft.Extensions.AI) over a trained or loaded
/// <see cref="CausalLMTransformer"/>, so applications written against the standard chat abstraction
/// can use it. Messages become a prompt through a <see cref="ChatTemplate"/>; <see cref="ChatOptions"/>
/// map onto <see cref="GenerationOptions"/>. Calls may run concurrently. The model stays owned by the caller.
/// </summary>
public sealed class LanguageModelChatClient : IChatClient
{
    private readonly CausalLMTransformer _model;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Wraps <paramref name="model"/>.</summary>
    /// <param name="model">The language model.</param>
    /// <param name="template">How messages become a prompt (default: <see cref="ChatTemplate"/>'s "User:/Assistant:" lines).</param>
    /// <param name="modelId">The id reported in responses.</param>
    public LanguageModelChatClient(CausalLMTransformer model, ChatTemplate? template = null, string modelId = "aigc-causal-lm")
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Template = template ?? new ChatTemplate();
        _metadata = new ChatClientMetadata("Aigc.MLNet", null, modelId);
    }

    /// <summary>The prompt template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>The generation settings a call uses: the model's defaults overridden by
    /// <paramref name="options"/> (temperature, top-p, top-k, max output tokens, stop sequences, seed,
    /// frequency and presence penalties), plus the template's stop sequences.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A mapped value is out of range (e.g. TopP outside (0, 1]).</exception>
    public GenerationOptions ToGenerationOptions(ChatOptions? options)
    {
        var g = _model.Options.Generation;
        var stops = Template.StopSequences.Concat(options?.StopSequences ?? []).Distinct().ToArray();
        g = g with { StopSequences = stops };
        if (options is not null)
        {
            if (options.Temperature is { } t) g = g with { Temperature = t, DoSample = t > 0 };
            if (options.TopP is { } p) g = g with { TopP = p };
            if (options.TopK is { } k) g = g with { TopK = k };
            if (options.MaxOutputTokens is { } max) g = g with { MaxNewTokens = max };
            if (options.Seed is { } seed) g = g with { Seed = unchecked((int)(seed ^ (seed >> 32))) };
            if (options.FrequencyPenalty is { } fp) g = g with { FrequencyPenalty = fp };
            if (options.PresencePenalty is { } pp) g = g with { PresencePenalty = pp };
        }
        g.Validate();
        return g;
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>One update per decoded piece of text; the last update carries the finish reason
    /// (<see cref="ChatFinishReason.Length"/> or <see cref="ChatFinishReason.Stop"/>) and a
    /// <see cref="UsageContent"/> with the prompt and output token counts.</remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = Template.Format(messages);
        var generation = ToGenerationOptions(options);
        await foreach (var update in ChatUpdates.From(Pieces(_model.GenerateStreamingAsync(prompt, generation, cancellationToken)),
            options?.ModelId ?? _metadata.DefaultModelId!, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private static async IAsyncEnumerable<(string, ChatUpdates.Ending?)> Pieces(IAsyncEnumerable<GenerationUpdate> updates)
    {
        await foreach (var u in updates.ConfigureAwait(false))
            yield return (u.Text, u.Result is { } r ? new ChatUpdates.Ending(r.PromptTokens, r.GeneratedTokens, r.FinishReason == FinishReason.Length) : null);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(_model)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release; the model belongs to the caller.</summary>
    public void Dispose() { }
}
