using System.Text;
using Microsoft.Extensions.AI;

// Also compiled into Aigc.MLNet.Onnx (internal there: AIGC_ONNX), so both chat clients build the same prompts.
namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Turns chat messages into one prompt for a plain causal language model, and says where the
/// assistant's turn ends. The default writes the system text first, then "User: …" and
/// "Assistant: …" lines, and ends with "Assistant:" for the model to continue; generation stops at
/// the next "User:" line.
/// </summary>
#if AIGC_ONNX
internal
#else
public
#endif
sealed record ChatTemplate
{
    /// <summary>Put before system text.</summary>
    public string SystemPrefix { get; init; } = "";

    /// <summary>Put before a user message.</summary>
    public string UserPrefix { get; init; } = "User: ";

    /// <summary>Put before an assistant message (and, trimmed, at the end of the prompt).</summary>
    public string AssistantPrefix { get; init; } = "Assistant: ";

    /// <summary>Put after every message.</summary>
    public string TurnSeparator { get; init; } = "\n";

    /// <summary>The prompt for <paramref name="messages"/>: each message with its role's prefix, ending
    /// with the assistant prefix (trailing spaces trimmed, so byte-level BPE sees " word" tokens).</summary>
    /// <exception cref="ArgumentException">There are no messages, or a message has a role the template cannot write (tools).</exception>
    public string Format(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder();
        int count = 0;
        foreach (var m in messages)
        {
            string prefix = m.Role == ChatRole.System ? SystemPrefix
                : m.Role == ChatRole.User ? UserPrefix
                : m.Role == ChatRole.Assistant ? AssistantPrefix
                : throw new ArgumentException($"Message {count} has role '{m.Role}'; this template writes system, user and assistant messages.", nameof(messages));
            sb.Append(prefix).Append(m.Text).Append(TurnSeparator);
            count++;
        }
        if (count == 0) throw new ArgumentException("There are no messages to answer.", nameof(messages));
        return sb.Append(AssistantPrefix.TrimEnd()).ToString();
    }

    /// <summary>Where the assistant's turn ends: the start of the next user turn.</summary>
    public IReadOnlyList<string> StopSequences
    {
        get
        {
            var user = (TurnSeparator + UserPrefix).TrimEnd();
            return user.Length == 0 ? [] : [user];
        }
    }
}
