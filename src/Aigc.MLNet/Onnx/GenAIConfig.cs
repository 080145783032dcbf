using System.Text.Json;
using System.Text.Json.Nodes;
using Aigc.MLNet.LanguageModels;
using LmNames = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// The <c>genai_config.json</c> ONNX Runtime GenAI reads beside an exported GPT: the decoder's
/// shape and input/output names ("decoder" model type), the token ids, and search defaults taken
/// from the model's own <see cref="GenerationOptions"/> where GenAI has the same setting.
/// </summary>
internal static class GenAIConfig
{
    public static string Create(GptOptions gpt, int vocabularySize, long? endOfText, GenerationOptions generation)
    {
        // GenAI needs an end-of-text id inside the vocabulary; a tokenizer without one gets the extra
        // logit GptModel.ExportDecoder appends (fixed at -1e30, never picked), so generation runs to
        // max_length as the libtorch generator's does.
        long eos = endOfText ?? vocabularySize;
        int logits = vocabularySize + (endOfText is null ? 1 : 0);
        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["bos_token_id"] = eos,
                ["eos_token_id"] = eos,
                ["pad_token_id"] = eos,
                ["context_length"] = gpt.ContextLength,
                ["vocab_size"] = logits,
                ["type"] = "decoder",
                ["decoder"] = new JsonObject
                {
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["filename"] = LmNames.File,
                    ["head_size"] = gpt.EmbeddingDim / gpt.Heads,
                    ["hidden_size"] = gpt.EmbeddingDim,
                    ["num_attention_heads"] = gpt.Heads,
                    ["num_key_value_heads"] = gpt.Heads,
                    ["num_hidden_layers"] = gpt.Layers,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = LmNames.InputIds,
                        ["attention_mask"] = LmNames.AttentionMask,
                        ["position_ids"] = LmNames.PositionIds,
                        ["past_key_names"] = LmNames.PastKey.Replace("{0}", "%d", StringComparison.Ordinal),
                        ["past_value_names"] = LmNames.PastValue.Replace("{0}", "%d", StringComparison.Ordinal),
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = LmNames.Logits,
                        ["present_key_names"] = LmNames.PresentKey.Replace("{0}", "%d", StringComparison.Ordinal),
                        ["present_value_names"] = LmNames.PresentValue.Replace("{0}", "%d", StringComparison.Ordinal),
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["do_sample"] = generation.DoSample,
                ["temperature"] = generation.Temperature,
                ["top_k"] = generation.TopK,
                ["top_p"] = generation.TopP,
                ["repetition_penalty"] = generation.RepetitionPenalty,
                ["no_repeat_ngram_size"] = generation.NoRepeatNGramSize,
                ["num_beams"] = generation.NumBeams,
                ["length_penalty"] = generation.LengthPenalty,
                ["early_stopping"] = generation.EarlyStopping,
                ["diversity_penalty"] = 0.0,
                ["num_return_sequences"] = 1,
                ["min_length"] = 0,
                ["max_length"] = gpt.ContextLength,
                // Our graph concatenates past and new keys, so present is a new buffer each step.
                ["past_present_share_buffer"] = false,
            },
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
