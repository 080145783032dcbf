using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

// Also compiled into Aigc.MLNet.Onnx, whose chat client answers the same way.
namespace Aigc.MLNet.LanguageModels;

/// <summary>Turns one completion's streamed text into chat updates: one per piece of text, all under
/// one response and message id, and a last one carrying the token usage and the finish reason.</summary>
internal static class ChatUpdates
{
    /// <summary>How a completion ended: its token counts, and whether it used up its token budget.</summary>
    public readonly record struct Ending(int PromptTokens, int OutputTokens, bool ReachedLength);

    public static async IAsyncEnumerable<ChatResponseUpdate> From(IAsyncEnumerable<(string Text, Ending? End)> pieces, string modelId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string responseId = Guid.NewGuid().ToString("N"), messageId = Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            MessageId = messageId,
            CreatedAt = created,
            ModelId = modelId,
        };
        await foreach (var (text, end) in pieces.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (text.Length > 0) yield return Update([new TextContent(text)]);
            if (end is not { } e) continue;
            var usage = new UsageDetails
            {
                InputTokenCount = e.PromptTokens,
                OutputTokenCount = e.OutputTokens,
                TotalTokenCount = e.PromptTokens + e.OutputTokens,
            };
            var last = Update([new UsageContent(usage)]);
            last.FinishReason = e.ReachedLength ? ChatFinishReason.Length : ChatFinishReason.Stop;
            yield return last;
        }
    }
}
