using System.Text.Json;
using System.Text.Json.Nodes;
using Aigc.MLNet.Text;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A byte-level BPE vocabulary in the Hugging Face tokenizers format (<c>tokenizer.json</c> with a
/// BPE model, byte-level pre-tokenizer and decoder; <c>tokenizer_config.json</c> naming
/// GPT2Tokenizer), which ONNX Runtime GenAI's own <c>Tokenizer</c> reads: the same vocabulary and
/// merges as GPT-2's encoder.json and vocab.bpe, with end-of-text as a special token.
/// </summary>
internal static class HuggingFaceTokenizerFiles
{
    public const string Tokenizer = "tokenizer.json", Config = "tokenizer_config.json";

    public static (string Tokenizer, string Config) Create(string encoderJson, string merges, int contextLength)
    {
        var vocabulary = JsonNode.Parse(encoderJson)!.AsObject();
        var mergeList = new JsonArray();
        foreach (var line in merges.Split('\n'))
        {
            var merge = line.TrimEnd('\r');
            if (merge.Length > 0 && !merge.StartsWith("#version", StringComparison.Ordinal)) mergeList.Add(merge);
        }
        var added = new JsonArray();
        if (vocabulary[TokenIds.EndOfText] is { } eot)
            added.Add(new JsonObject
            {
                ["id"] = eot.GetValue<int>(), ["content"] = TokenIds.EndOfText, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        JsonObject ByteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocabulary, ["merges"] = mergeList,
            },
        };
        var config = new JsonObject
        {
            ["tokenizer_class"] = "GPT2Tokenizer",
            ["bos_token"] = TokenIds.EndOfText,
            ["eos_token"] = TokenIds.EndOfText,
            ["unk_token"] = TokenIds.EndOfText,
            ["add_prefix_space"] = false,
            ["model_max_length"] = contextLength,
        };
        return (tokenizer.ToJsonString(), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
