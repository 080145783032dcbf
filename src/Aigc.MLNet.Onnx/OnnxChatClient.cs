using System.Runtime.CompilerServices;
using Aigc.MLNet.LanguageModels;
using Microsoft.Extensions.AI;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// An <see cref="IChatClient"/> over an <see cref="OnnxLanguageModel"/>: the same prompt template and
/// option mapping as the libtorch model's chat client. <see cref="ChatOptions"/>' temperature, top-p,
/// top-k, max output tokens, stop sequences and seed map onto <see cref="OnnxGenerationOptions"/>;
/// frequency and presence penalties, which ONNX Runtime GenAI lacks, are refused rather than ignored.
/// </summary>
internal sealed class OnnxChatClient(OnnxLanguageModel model, string modelId) : IChatClient
{
    private readonly ChatTemplate _template = new();
    private readonly ChatClientMetadata _metadata = new("Aigc.MLNet.Onnx", null, modelId);

    private OnnxGenerationOptions Map(ChatOptions? options)
    {
        var g = model.DefaultGeneration;
        g = g with { StopSequences = _template.StopSequences.Concat(options?.StopSequences ?? []).Distinct().ToArray() };
        if (options is not null)
        {
            if (options.FrequencyPenalty is not null || options.PresencePenalty is not null)
                throw new NotSupportedException("ONNX Runtime GenAI has no frequency or presence penalty; leave ChatOptions.FrequencyPenalty and PresencePenalty unset.");
            if (options.Temperature is { } t) g = t > 0 ? g with { Temperature = t, DoSample = true } : g with { DoSample = false };
            if (options.TopP is { } p) g = g with { TopP = p };
            if (options.TopK is { } k) g = g with { TopK = k };
            if (options.MaxOutputTokens is { } max) g = g with { MaxNewTokens = max };
            if (options.Seed is { } seed) g = g with { Seed = unchecked((int)(seed ^ (seed >> 32))) };
        }
        g.Validate();
        return g;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = _template.Format(messages);
        var generation = Map(options);
        await foreach (var update in ChatUpdates.From(Pieces(model.GenerateStreamingAsync(prompt, generation, cancellationToken)),
            options?.ModelId ?? _metadata.DefaultModelId!, cancellationToken).ConfigureAwait(false))
            yield return update;
    }

    private static async IAsyncEnumerable<(string, ChatUpdates.Ending?)> Pieces(IAsyncEnumerable<OnnxGenerationUpdate> updates)
    {
        await foreach (var u in updates.ConfigureAwait(false))
            yield return (u.Text, u.Result is { } r ? new ChatUpdates.Ending(r.PromptTokens, r.Tokens.Count, r.FinishReason == OnnxFinishReason.Length) : null);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(model)) return model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release; the model belongs to the caller.</summary>
    public void Dispose() { }
}
